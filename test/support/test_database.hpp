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
};
const PgServer& pg_server();

// A database of its own for one test, dropped afterwards, so tests run in parallel
// without seeing each other's rows.
class TestDatabase {
public:
    enum class Schema {
        migrated,  // a copy of eq_template: every migration applied
        empty,     // nothing at all, for migration tests
    };

    explicit TestDatabase(Schema schema = Schema::migrated);
    TestDatabase(const TestDatabase&) = delete;
    TestDatabase& operator=(const TestDatabase&) = delete;
    ~TestDatabase();

    const std::string& name() const { return m_name; }
    // postgresql://user@127.0.0.1:port/name (trust authentication: no password).
    std::string url() const;
    db::Connection connect() const;
    // Runs SQL text (several statements allowed) on a fresh connection.
    void exec(std::string_view sql) const;
    // A single value of a query, as text ("" for NULL).
    std::string scalar(std::string_view sql) const;
    std::int64_t count(std::string_view sql) const;

    // Environment for running a program against this database and nothing else.
    std::map<std::string, std::string> env() const;

private:
    std::string m_name;
};

} // namespace eq::test
