#pragma once

#include <memory>
#include <string>
#include <vector>

#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"

namespace eq::test {

// PgBouncer (/usr/sbin/pgbouncer, Debian package pgbouncer) on a free port of 127.0.0.1
// in front of a PostgreSQL server, started for one test and killed with this object.
// Every database of the server is reachable through it under its own name; the users
// given log in without a password (auth_type trust: PgBouncer still wants them listed)
// and it logs in to the server as them, as the server's trust authentication allows.
// As root it runs as the unprivileged 'postgres' user, like the server.
//
//     PgBouncer bouncer(f.db.server(), {f.worker.name(), f.db.server().user});
//     bouncer.url(f.db.name(), f.worker.name());  // through the pooler
class PgBouncer {
public:
    struct Options {
        std::string pool_mode = "transaction";
        // Server connections per database and user: fewer than the clients, so that
        // clients share server sessions as on a managed database's pooler.
        int pool_size = 4;
    };

    PgBouncer(const PgServer& server, const std::vector<std::string>& users);
    PgBouncer(const PgServer& server, const std::vector<std::string>& users, Options options);
    PgBouncer(const PgBouncer&) = delete;
    PgBouncer& operator=(const PgBouncer&) = delete;

    int port() const { return m_port; }
    // postgresql://user@127.0.0.1:port/database, through the pooler.
    std::string url(const std::string& database, const std::string& user) const;
    // PgBouncer's own log (for failure messages).
    std::string log() const;

private:
    TempDir m_dir;
    int m_port = 0;
    std::unique_ptr<BackgroundProcess> m_process;
};

} // namespace eq::test
