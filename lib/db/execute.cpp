// Statement execution on a Connection: single statements (prepared once per session in
// session mode), pipelines sent and collected, and simple-query text. The contract is in
// db/connection.hpp.

#include <fmt/format.h>
#include <libpq-fe.h>

#include "db/connection.hpp"

namespace eq::db {

namespace {

// The session's settings (Connection), for one transaction: set_config(..., true) lasts
// until the transaction ends, implicit or explicit.
constexpr const char* k_transaction_settings_sql =
    "SELECT set_config('TimeZone', 'UTC', true), set_config('DateStyle', 'ISO, YMD', true),"
    " set_config('IntervalStyle', 'postgres', true),"
    " CASE WHEN current_setting('synchronous_commit') = 'off'"
    " THEN set_config('synchronous_commit', 'local', true) END";
constexpr Statement k_transaction_settings{"transaction_settings", k_transaction_settings_sql};

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

} // namespace eq::db
