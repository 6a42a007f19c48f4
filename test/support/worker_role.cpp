#include "support/worker_role.hpp"

#include <fmt/format.h>

#include "support/temp_dir.hpp"

namespace eq::test {

WorkerRole::WorkerRole(const TestDatabase& db, const std::string& grants_file)
    : m_db(db), m_name("eqw" + db.name().substr(3)) {
    db.server().admin(fmt::format("CREATE ROLE {} LOGIN", m_name));
    std::string grants = read_file(std::string(EQ_SOURCE_DIR) + "/" + grants_file);
    std::string replaced;
    for (std::size_t pos = 0;;) {
        const auto at = grants.find(k_file_role, pos);
        replaced += grants.substr(pos, at - pos);
        if (at == std::string::npos) {
            break;
        }
        replaced += m_name;
        pos = at + std::string_view(k_file_role).size();
    }
    db.exec(replaced);
}

WorkerRole::~WorkerRole() {
    try {
        // Its grants live in the test database: revoke them there, then drop the role.
        m_db.exec(fmt::format("DROP OWNED BY {}", m_name));
        m_db.server().admin(fmt::format("DROP ROLE IF EXISTS {}", m_name));
    } catch (...) {
        // The cluster is thrown away at the end anyway.
    }
}

std::string WorkerRole::url() const {
    return m_db.server().url(m_db.name(), m_name);
}

} // namespace eq::test
