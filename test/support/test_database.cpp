#include "support/test_database.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <stdexcept>

#include "util/strings.hpp"

namespace eq::test {

PgServer read_pg_env(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        throw std::runtime_error("no test PostgreSQL (" + path +
                                 " missing): run the tests through ctest or 'make test'");
    }
    PgServer s;
    std::string line;
    while (std::getline(in, line)) {
        const auto eq = line.find('=');
        if (eq == std::string::npos) {
            continue;
        }
        const auto key = line.substr(0, eq), value = line.substr(eq + 1);
        if (key == "PGHOST") {
            s.host = value;
        } else if (key == "PGPORT") {
            s.port = std::stoi(value);
        } else if (key == "PGUSER") {
            s.user = value;
        }
    }
    return s;
}

const PgServer& pg_server() {
    static const PgServer server = read_pg_env(std::string(EQ_BINARY_DIR) + "/test-pg/env");
    return server;
}

std::string PgServer::url(const std::string& database, const std::string& as_user) const {
    return fmt::format("postgresql://{}@{}:{}/{}", as_user.empty() ? user : as_user, host, port,
                       database);
}

void PgServer::admin(const std::string& sql) const {
    auto conn = db::Connection::open(url("postgres"), "emailqueue-tests");
    conn.run(sql, "test_admin");
}

namespace {

std::string unique_name() {
    static std::atomic<int> counter{0};
    return fmt::format("eqt_{}_{}_{}", ::getpid(), counter++, Uuid::random().str().substr(0, 8));
}

} // namespace

TestDatabase::TestDatabase(Schema schema, const PgServer& server)
    : m_server(server), m_name(unique_name()) {
    m_server.admin(fmt::format("CREATE DATABASE {} TEMPLATE {}", m_name,
                               schema == Schema::migrated ? "eq_template" : "template0"));
}

TestDatabase::~TestDatabase() {
    try {
        m_server.admin(fmt::format("DROP DATABASE IF EXISTS {} WITH (FORCE)", m_name));
    } catch (...) {
        // The cluster is thrown away at the end anyway.
    }
}

std::string TestDatabase::url() const {
    return m_server.url(m_name);
}

db::Connection TestDatabase::connect() const {
    return db::Connection::open(url(), "emailqueue-tests");
}

void TestDatabase::exec(std::string_view sql) const {
    auto conn = connect();
    conn.run(sql, "test_exec");
}

std::string TestDatabase::scalar(std::string_view sql) const {
    auto conn = connect();
    PGresult* r = PQexec(conn.handle(), std::string(sql).c_str());
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
        const std::string err = PQresultErrorMessage(r);
        PQclear(r);
        throw std::runtime_error("scalar query failed: " + std::string(sql) + ": " + err);
    }
    std::string v = PQgetisnull(r, 0, 0) ? "" : PQgetvalue(r, 0, 0);
    PQclear(r);
    return v;
}

std::int64_t TestDatabase::count(std::string_view sql) const {
    return std::stoll(scalar(sql));
}

std::int64_t TestDatabase::rows_with_status(std::string_view status) const {
    return count("SELECT count(*) FROM email_queue WHERE status = '" + std::string(status) + "'");
}

std::map<std::string, std::string> TestDatabase::env() const {
    return {{"DATABASE_URL", url()}, {"EMAILQUEUE_CONFIG", ""}, {"PGHOST", ""}, {"PGPORT", ""},
            {"PGUSER", ""},          {"PGDATABASE", ""}};
}

} // namespace eq::test
