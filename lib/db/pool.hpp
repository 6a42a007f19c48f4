#pragma once

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "db/connection.hpp"

namespace eq::db {

// A small set of connections shared by worker threads. Workers hold a connection only
// for the database steps of their work (a claim, a status update), not while waiting on
// an SMTP server, so many companies can be sent to in parallel over few connections.
// Connections open lazily, up to `size`; a broken one is dropped and replaced.
class Pool {
public:
    Pool(std::string conninfo, std::string application_name, std::size_t size,
         config::PoolMode mode = config::PoolMode::session);
    Pool(const Pool&) = delete;
    Pool& operator=(const Pool&) = delete;

    // A connection on loan; returned to the pool when destroyed.
    class Lease {
    public:
        Lease(Pool& pool, std::unique_ptr<Connection> conn)
            : m_pool(&pool), m_conn(std::move(conn)) {}
        Lease(Lease&& other) noexcept = default;
        Lease& operator=(Lease&&) = delete;
        Lease(const Lease&) = delete;
        ~Lease();
        Connection& operator*() { return *m_conn; }
        Connection* operator->() { return m_conn.get(); }

    private:
        Pool* m_pool;
        std::unique_ptr<Connection> m_conn;
    };

    // Waits for a free connection (opening one when under size). Throws DbError when a
    // new connection cannot be opened.
    Lease acquire();

private:
    void give_back(std::unique_ptr<Connection> conn);

    std::string m_conninfo;
    std::string m_application_name;
    std::size_t m_size;
    config::PoolMode m_mode;
    std::size_t m_open = 0;
    std::vector<std::unique_ptr<Connection>> m_idle;
    std::mutex m_mutex;
    std::condition_variable m_available;
};

} // namespace eq::db
