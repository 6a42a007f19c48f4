// Connection set-up, ownership and failure reporting, and transactions; statement
// execution (exec, pipelines, run) is in db/execute.cpp. The contract is in
// db/connection.hpp.

#include "db/connection.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>

namespace eq::db {

namespace {

void ignore_notice(void*, const char*) {}

std::string trim_message(std::string m) {
    while (!m.empty() && (m.back() == '\n' || m.back() == ' ' || m.back() == '.')) {
        m.pop_back();
    }
    for (auto& c : m) {
        if (c == '\n') {
            c = ' ';
        }
    }
    return m;
}

} // namespace

Connection Connection::open(const std::string& conninfo, std::string_view application_name,
                            config::PoolMode mode) {
    const std::string app(application_name);
    const char* keywords[] = {"dbname", "application_name", "connect_timeout", nullptr};
    const char* values[] = {conninfo.c_str(), app.c_str(), "10", nullptr};
    PGconn* conn = PQconnectdbParams(keywords, values, 1);
    if (conn == nullptr) {
        throw DbError(ExitCode::unavailable, "cannot connect to the database: out of memory",
                      "08000", "out of memory");
    }
    Connection c(conn, mode);
    if (PQstatus(conn) != CONNECTION_OK) {
        // libpq's message names host, port and user, never the password.
        const std::string message = trim_message(PQerrorMessage(conn));
        const bool auth = message.find("authentication") != std::string::npos ||
                          message.find("password") != std::string::npos;
        throw DbError(auth ? ExitCode::permission : ExitCode::unavailable,
                      fmt::format("cannot connect to the database: {}", message),
                      auth ? "28000" : "08001", message,
                      "set database.url in the config, or DATABASE_URL / PGHOST, PGPORT, "
                      "PGDATABASE, PGUSER in the environment");
    }
    PQsetNoticeProcessor(conn, ignore_notice, nullptr);
    if (mode == config::PoolMode::transaction) {
        return c; // each transaction makes the settings (execute.cpp)
    }
    // A commit must survive a crash of the server: queue-process marks a send as started
    // before handing the message over, and a mark lost with synchronous_commit = off would
    // let the row be sent again. 'local' waits for the local WAL flush only, so a server
    // set to 'off' gets the least durability that holds; stronger settings are kept.
    c.run("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; "
          "SELECT set_config('synchronous_commit', 'local', false) "
          "WHERE current_setting('synchronous_commit') = 'off'",
          "session_setup");
    return c;
}

Connection::Connection(Connection&& other) noexcept
    : m_conn(other.m_conn), m_prepared(std::move(other.m_prepared)),
      m_statements_named(other.m_statements_named), m_groups(std::move(other.m_groups)),
      m_mode(other.m_mode), m_sent(std::move(other.m_sent)) {
    other.m_conn = nullptr;
    other.m_groups.clear();
    other.m_sent.clear();
}

Connection& Connection::operator=(Connection&& other) noexcept {
    if (this != &other) {
        if (m_conn != nullptr) {
            PQfinish(m_conn);
        }
        m_conn = other.m_conn;
        m_prepared = std::move(other.m_prepared);
        m_statements_named = other.m_statements_named;
        m_groups = std::move(other.m_groups);
        m_mode = other.m_mode;
        m_sent = std::move(other.m_sent);
        other.m_conn = nullptr;
        other.m_groups.clear();
        other.m_sent.clear();
    }
    return *this;
}

Connection::~Connection() {
    if (m_conn != nullptr) {
        PQfinish(m_conn);
    }
}

void Connection::fail(pg_result* result, std::string_view name) {
    std::string sqlstate = "08000";
    std::string message;
    std::string hint;
    if (result != nullptr) {
        if (const char* s = PQresultErrorField(result, PG_DIAG_SQLSTATE)) {
            sqlstate = s;
        }
        if (const char* m = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY)) {
            message = m;
        }
        if (const char* d = PQresultErrorField(result, PG_DIAG_MESSAGE_DETAIL)) {
            message += fmt::format(" ({})", d);
        }
        if (const char* h = PQresultErrorField(result, PG_DIAG_MESSAGE_HINT)) {
            hint = h;
        }
        PQclear(result);
    }
    if (message.empty()) {
        message = trim_message(PQerrorMessage(m_conn));
    }
    if (PQstatus(m_conn) == CONNECTION_BAD) {
        sqlstate = sqlstate.starts_with("08") || sqlstate.starts_with("57") ? sqlstate : "08006";
    }
    const ExitCode code = exit_code_for_sqlstate(sqlstate);
    if (code == ExitCode::schema && hint.empty()) {
        hint = "is the schema up to date? run 'queue-admin db migrate'";
    }
    message = trim_message(message);
    if (m_mode == config::PoolMode::session && (sqlstate == "42P05" || sqlstate == "26000")) {
        // Our statement names are per connection: only a session shared with another
        // client, or a new session under the same connection, makes these.
        throw PoolModeError(fmt::format("database: statement '{}' failed: {} [SQLSTATE {}]", name,
                                        message, sqlstate),
                            sqlstate, message);
    }
    throw DbError(
        code,
        fmt::format("database: statement '{}' failed: {} [SQLSTATE {}]", name, message, sqlstate),
        sqlstate, message, hint);
}

bool Connection::in_transaction() const {
    return m_conn != nullptr && PQtransactionStatus(m_conn) != PQTRANS_IDLE;
}

bool Connection::is_open() const {
    return m_conn != nullptr && PQstatus(m_conn) == CONNECTION_OK;
}

int Connection::server_version() const {
    return PQserverVersion(m_conn);
}

Transaction::Transaction(Connection& conn, std::string_view begin) : m_conn(conn) {
    m_conn.run(begin, "begin");
}

Transaction::~Transaction() {
    if (!m_done && m_conn.is_open()) {
        try {
            m_conn.run("ROLLBACK", "rollback");
        } catch (...) {
            // The connection is gone; the server rolls back on its own.
        }
    }
}

void Transaction::commit() {
    m_conn.run("COMMIT", "commit");
    m_done = true;
}

} // namespace eq::db
