#include "db/connection.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <algorithm>
#include <cctype>

namespace eq::db {

Param to_param(const std::vector<Uuid>& ids) {
    std::string out = "{";
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (i) {
            out += ',';
        }
        out += ids[i].str();
    }
    out += '}';
    return out;
}

ExitCode exit_code_for_sqlstate(std::string_view s) {
    if (s.starts_with("08") || s == "57P01" || s == "57P02" || s == "57P03" ||
        s.starts_with("53")) {
        return ExitCode::unavailable;
    }
    if (s == "42P01" || s == "42703" || s == "42883" || s == "3F000" || s == "42704") {
        return ExitCode::schema;
    }
    if (s == "42501" || s.starts_with("28")) {
        return ExitCode::permission;
    }
    if (s == "40001" || s == "40P01" || s == "55P03" || s == "57014") {
        return ExitCode::temporary;
    }
    if (s.starts_with("22") || s.starts_with("23")) {
        return ExitCode::data;
    }
    return ExitCode::internal;
}

namespace {

constexpr const char* k_pool_mode_hint =
    "set database.pool_mode: transaction in the configuration when database.url goes "
    "through a pooler in transaction mode (PgBouncer, RDS Proxy, Supabase's port 6543), or "
    "connect to the database's direct port";

std::string percent_decoded(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size() &&
            std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
            out.push_back(
                static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16)));
            i += 2;
        } else {
            out.push_back(text[i]);
        }
    }
    return out;
}

// The password of a URI's user information ("postgresql://user:PASSWORD@host"), read
// as text so that a URI libpq refuses is covered too.
std::optional<std::string> uri_password(std::string_view conninfo) {
    const auto scheme = conninfo.find("://");
    if (scheme == std::string_view::npos) {
        return std::nullopt;
    }
    const auto rest = conninfo.substr(scheme + 3);
    const auto at = rest.rfind('@', rest.find_first_of("/?"));
    if (at == std::string_view::npos) {
        return std::nullopt;
    }
    const auto colon = rest.substr(0, at).find(':');
    if (colon == std::string_view::npos) {
        return std::nullopt;
    }
    return std::string(rest.substr(colon + 1, at - colon - 1));
}

} // namespace

PoolModeError::PoolModeError(const std::string& what, std::string sqlstate,
                             std::string server_message)
    : DbError(ExitCode::config,
              fmt::format("{}: a connection pooler in transaction mode is the likely cause", what),
              std::move(sqlstate), std::move(server_message), k_pool_mode_hint) {}

PoolModeError lock_vanished(std::string_view what) {
    const std::string message = fmt::format("the session lock {} was no longer held", what);
    return PoolModeError(fmt::format("database: {}", message), "55000", message);
}

std::vector<std::string> conninfo_passwords(const std::string& conninfo) {
    std::vector<std::string> out;
    const auto add = [&](std::string p) {
        if (!p.empty() && std::find(out.begin(), out.end(), p) == out.end()) {
            out.push_back(std::move(p));
        }
    };
    if (const auto p = uri_password(conninfo)) {
        add(*p);
        add(percent_decoded(*p));
    }
    char* error = nullptr;
    if (PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error)) {
        for (const auto* o = options; o->keyword != nullptr; ++o) {
            if (std::string_view(o->keyword) == "password" && o->val != nullptr) {
                add(o->val);
            }
        }
        PQconninfoFree(options);
    }
    PQfreemem(error);
    return out;
}

namespace {

void ignore_notice(void*, const char*) {}

// The session's settings (Connection), for one transaction: set_config(..., true) lasts
// until the transaction ends, implicit or explicit.
constexpr const char* k_transaction_settings_sql =
    "SELECT set_config('TimeZone', 'UTC', true), set_config('DateStyle', 'ISO, YMD', true),"
    " set_config('IntervalStyle', 'postgres', true),"
    " CASE WHEN current_setting('synchronous_commit') = 'off'"
    " THEN set_config('synchronous_commit', 'local', true) END";
constexpr Statement k_transaction_settings{"transaction_settings", k_transaction_settings_sql};

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
        return c; // each transaction makes the settings (k_transaction_settings)
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

namespace {

std::vector<const char*> c_values(const std::vector<Param>& params) {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params) {
        values.push_back(p ? p->c_str() : nullptr);
    }
    return values;
}

bool preparable(std::string_view sql) {
    for (const char* word : {"SELECT", "INSERT", "UPDATE", "DELETE", "WITH"}) {
        if (sql.starts_with(word)) {
            return true;
        }
    }
    return false;
}

const std::string k_unprepared;

} // namespace

std::string Connection::next_statement_name() {
    return fmt::format("eq{}", m_statements_named++);
}

const std::string& Connection::prepared(const Statement& statement, int params) {
    if (m_mode == config::PoolMode::transaction || !preparable(statement.sql)) {
        return k_unprepared;
    }
    std::string sql(statement.sql);
    if (const auto it = m_prepared.find(sql); it != m_prepared.end()) {
        return it->second;
    }
    std::string name = next_statement_name();
    PGresult* r = PQprepare(m_conn, name.c_str(), statement.sql, params, nullptr);
    if (r == nullptr || PQresultStatus(r) != PGRES_COMMAND_OK) {
        fail(r, statement.name);
    }
    PQclear(r);
    return m_prepared.emplace(std::move(sql), std::move(name)).first->second;
}

Result Connection::finish(pg_result* r, const Statement& statement, Shape shape) {
    const auto status = r == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(r);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        fail(r, statement.name);
    }
    Result result(r, statement.name);
    const int n = result.rows();
    const auto wrong = [&](std::string_view expected) {
        throw Error(ExitCode::internal,
                    fmt::format("database: statement '{}' returned {} rows where {} was expected",
                                statement.name, n, expected));
    };
    switch (shape) {
    case Shape::none:
        if (status != PGRES_COMMAND_OK && n != 0) {
            wrong("none");
        }
        break;
    case Shape::one:
        if (n != 1) {
            wrong("exactly one");
        }
        break;
    case Shape::maybe_one:
        if (n > 1) {
            wrong("at most one");
        }
        break;
    case Shape::rows:
        break;
    }
    return result;
}

Result Connection::exec(const Statement& statement, const std::vector<Param>& params, Shape shape) {
    if (m_mode == config::PoolMode::transaction && !in_transaction()) {
        return std::move(transaction_group({Call{&statement, params, shape}}, false).front());
    }
    const auto values = c_values(params);
    const int n = static_cast<int>(values.size());
    const auto& name = prepared(statement, n);
    PGresult* r =
        name.empty()
            ? PQexecParams(m_conn, statement.sql, n, nullptr, values.data(), nullptr, nullptr, 0)
            : PQexecPrepared(m_conn, name.c_str(), n, values.data(), nullptr, nullptr, 0);
    return finish(r, statement, shape);
}

void Connection::send_group(const std::vector<Call>& calls, bool in_flight_ok) {
    if (!m_groups.empty() && !in_flight_ok) {
        throw Error(ExitCode::internal,
                    "database: a statement was sent before the pipeline's results were read");
    }
    std::vector<std::string> names;
    std::vector<std::string> prepared_here(calls.size());
    names.reserve(calls.size());
    for (std::size_t i = 0; i < calls.size(); ++i) {
        const auto& statement = *calls[i].statement;
        const int n = static_cast<int>(calls[i].params.size());
        if (m_groups.empty()) {
            names.push_back(prepared(statement, n));
            continue;
        }
        // Preparing on its own now would wait for the groups on their way: the group
        // prepares it itself, and later groups may use it at once.
        const auto it = m_prepared.find(statement.sql);
        if (it != m_prepared.end() || !preparable(statement.sql)) {
            names.push_back(it == m_prepared.end() ? k_unprepared : it->second);
            continue;
        }
        prepared_here[i] = next_statement_name();
        names.push_back(m_prepared.emplace(statement.sql, prepared_here[i]).first->second);
    }
    if (PQpipelineStatus(m_conn) == PQ_PIPELINE_OFF && PQenterPipelineMode(m_conn) != 1) {
        fail(nullptr, "pipeline");
    }
    for (std::size_t i = 0; i < calls.size(); ++i) {
        const auto values = c_values(calls[i].params);
        const int n = static_cast<int>(values.size());
        if (!prepared_here[i].empty() && PQsendPrepare(m_conn, prepared_here[i].c_str(),
                                                       calls[i].statement->sql, n, nullptr) != 1) {
            fail(nullptr, calls[i].statement->name);
        }
        const int sent = names[i].empty()
                             ? PQsendQueryParams(m_conn, calls[i].statement->sql, n, nullptr,
                                                 values.data(), nullptr, nullptr, 0)
                             : PQsendQueryPrepared(m_conn, names[i].c_str(), n, values.data(),
                                                   nullptr, nullptr, 0);
        if (sent != 1) {
            fail(nullptr, calls[i].statement->name);
        }
    }
    // The sync point ends the implicit transaction, and libpq sends the group with it.
    if (PQpipelineSync(m_conn) != 1) {
        fail(nullptr, "pipeline");
    }
    m_groups.push_back(std::move(prepared_here));
}

std::vector<Result> Connection::read_group(const std::vector<Call>& calls) {
    // Read everything up to the sync point before judging, so the connection is left
    // clean; then report the first failure.
    if (m_groups.empty()) {
        throw Error(ExitCode::internal, "database: results read where none were sent");
    }
    const auto prepared_here = std::move(m_groups.front());
    m_groups.pop_front();
    std::vector<PGresult*> raw;
    for (std::size_t i = 0; i < calls.size(); ++i) {
        if (i < prepared_here.size() && !prepared_here[i].empty()) {
            // The statement's preparation within the group: when it did not take (the
            // group failed before it), it is prepared again next time.
            PGresult* p = PQgetResult(m_conn);
            const bool ok = p != nullptr && PQresultStatus(p) == PGRES_COMMAND_OK;
            if (p != nullptr) {
                PQclear(p);
                while (PGresult* extra = PQgetResult(m_conn)) {
                    PQclear(extra);
                }
            }
            if (!ok) {
                m_prepared.erase(calls[i].statement->sql);
            }
        }
        PGresult* r = PQgetResult(m_conn);
        raw.push_back(r);
        if (r != nullptr) {
            while (PGresult* extra = PQgetResult(m_conn)) { // the NULL ending this query
                PQclear(extra);
            }
        }
    }
    // Up to the sync point: the implicit transaction commits there, and a failure of
    // the COMMIT (a deferred constraint, a serialization failure) comes as an error
    // result before it. It fails the whole group: nothing of it was written.
    PGresult* commit_error = read_to_sync();
    if (m_groups.empty()) {
        PQexitPipelineMode(m_conn);
    }
    std::vector<Result> out;
    std::size_t i = 0;
    try {
        for (; i < calls.size(); ++i) {
            out.push_back(finish(raw[i], *calls[i].statement, calls[i].shape));
        }
    } catch (...) {
        for (std::size_t j = i + 1; j < raw.size(); ++j) {
            if (raw[j] != nullptr) {
                PQclear(raw[j]);
            }
        }
        if (commit_error != nullptr) {
            PQclear(commit_error);
        }
        throw;
    }
    if (commit_error != nullptr) {
        fail(commit_error, fmt::format("commit after '{}'", calls.back().statement->name));
    }
    return out;
}

std::vector<Result> Connection::transaction_group(const std::vector<Call>& calls,
                                                  bool in_flight_ok) {
    if (!m_sent.empty() && !in_flight_ok) {
        throw Error(ExitCode::internal,
                    "database: a statement was sent before the pipeline's results were read");
    }
    if (in_transaction()) {
        send_group(calls, false);
        return read_group(calls);
    }
    std::vector<Call> all;
    all.reserve(calls.size() + 1);
    all.push_back(call(k_transaction_settings, Shape::one));
    all.insert(all.end(), calls.begin(), calls.end());
    send_group(all, false);
    auto results = read_group(all);
    results.erase(results.begin());
    return results;
}

PGresult* Connection::read_to_sync() {
    PGresult* error = nullptr;
    int nulls = 0; // one ends each error's result; two in a row: nothing more is coming
    while (nulls < 2) {
        PGresult* r = PQgetResult(m_conn);
        if (r == nullptr) {
            if (PQstatus(m_conn) == CONNECTION_BAD) {
                break;
            }
            ++nulls;
            continue;
        }
        nulls = 0;
        const auto status = PQresultStatus(r);
        if (status == PGRES_PIPELINE_SYNC) {
            PQclear(r);
            break;
        }
        if (status == PGRES_FATAL_ERROR && error == nullptr) {
            error = r;
        } else {
            PQclear(r);
        }
    }
    return error;
}

std::vector<Result> Connection::pipeline(const std::vector<Call>& calls) {
    if (m_mode == config::PoolMode::transaction) {
        return transaction_group(calls, false);
    }
    send_group(calls, false);
    return read_group(calls);
}

std::vector<Result> Connection::collect(const std::vector<Call>& calls) {
    if (m_mode == config::PoolMode::session) {
        return read_group(calls);
    }
    if (m_sent.empty()) {
        throw Error(ExitCode::internal, "database: results read where none were sent");
    }
    auto sent = std::move(m_sent.front());
    m_sent.pop_front();
    if (sent.error) {
        std::rethrow_exception(sent.error);
    }
    return std::move(sent.results);
}

void Connection::send(const std::vector<Call>& calls) {
    if (m_mode == config::PoolMode::session) {
        send_group(calls, true);
        return;
    }
    Sent sent;
    try {
        sent.results = transaction_group(calls, true);
    } catch (...) {
        sent.error = std::current_exception();
    }
    m_sent.push_back(std::move(sent));
}

void Connection::run(std::string_view sql, std::string_view name) {
    std::string text(sql);
    if (m_mode == config::PoolMode::transaction && !in_transaction()) {
        // The settings join the transaction the text runs in: the one BEGIN opens, or
        // the implicit one of a simple query.
        text = sql.starts_with("BEGIN") || sql.starts_with("START")
                   ? fmt::format("{}; {}", sql, k_transaction_settings_sql)
                   : fmt::format("{}; {}", k_transaction_settings_sql, sql);
    }
    PGresult* r = PQexec(m_conn, text.c_str());
    const auto status = r == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(r);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY) {
        fail(r, name);
    }
    PQclear(r);
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
