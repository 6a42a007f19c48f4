#pragma once

#include <map>
#include <string>
#include <string_view>

#include "db/connection.hpp"

namespace eq::test {

// The private PostgreSQL that the pg.start fixture runs (read from build/test-pg/env).
struct PgServer {
    std::string host;
    int port = 0;
    std::string user;

    // postgresql://user@host:port/database (trust authentication: no password).
    std::string url(const std::string& database, const std::string& as_user = {}) const;
    // Runs SQL text on the server's "postgres" database (CREATE DATABASE, CREATE ROLE).
    void admin(const std::string& sql) const;
};
const PgServer& pg_server();
// Reads the env file pg-cluster.sh writes (PGHOST, PGPORT, PGUSER).
PgServer read_pg_env(const std::string& path);

// A database of its own for one test, dropped afterwards, so tests run in parallel
// without seeing each other's rows.
class TestDatabase {
public:
    enum class Schema {
        migrated, // a copy of eq_template: every migration applied
        empty,    // nothing at all, for migration tests
    };

    // On the shared private cluster, or on another one (test/support/private_cluster.hpp).
    explicit TestDatabase(Schema schema = Schema::migrated, const PgServer& server = pg_server());
    TestDatabase(const TestDatabase&) = delete;
    TestDatabase& operator=(const TestDatabase&) = delete;
    ~TestDatabase();

    const std::string& name() const { return m_name; }
    const PgServer& server() const { return m_server; }
    // postgresql://user@127.0.0.1:port/name (trust authentication: no password).
    std::string url() const;
    db::Connection connect() const;
    // Runs SQL text (several statements allowed) on a fresh connection.
    void exec(std::string_view sql) const;
    // A single value of a query, as text ("" for NULL).
    std::string scalar(std::string_view sql) const;
    std::int64_t count(std::string_view sql) const;
    // How many queue rows have this status ('sent', 'held', ...), over all companies.
    std::int64_t rows_with_status(std::string_view status) const;

    // Environment for running a program against this database and nothing else.
    std::map<std::string, std::string> env() const;

private:
    PgServer m_server;
    std::string m_name;
};

} // namespace eq::test
