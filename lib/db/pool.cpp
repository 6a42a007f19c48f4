#include "db/pool.hpp"

namespace eq::db {

Pool::Pool(std::string conninfo, std::string application_name, std::size_t size,
           config::PoolMode mode)
    : m_conninfo(std::move(conninfo)), m_application_name(std::move(application_name)),
      m_size(size == 0 ? 1 : size), m_mode(mode) {}

Pool::Lease::~Lease() {
    if (m_pool != nullptr && m_conn) {
        m_pool->give_back(std::move(m_conn));
    }
}

Pool::Lease Pool::acquire() {
    std::unique_lock lock(m_mutex);
    m_available.wait(lock, [this] { return !m_idle.empty() || m_open < m_size; });
    if (!m_idle.empty()) {
        auto conn = std::move(m_idle.back());
        m_idle.pop_back();
        return Lease(*this, std::move(conn));
    }
    ++m_open;
    lock.unlock();
    try {
        return Lease(*this, std::make_unique<Connection>(
                                Connection::open(m_conninfo, m_application_name, m_mode)));
    } catch (...) {
        lock.lock();
        --m_open;
        m_available.notify_one();
        throw;
    }
}

void Pool::give_back(std::unique_ptr<Connection> conn) {
    std::lock_guard lock(m_mutex);
    if (conn->is_open() && !conn->in_transaction()) {
        m_idle.push_back(std::move(conn));
    } else {
        --m_open; // broken or left mid-transaction: close it, open a fresh one next time
    }
    m_available.notify_one();
}

} // namespace eq::db
