#pragma once

#include <concepts>
#include <cstdint>
#include <deque>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/config.hpp"
#include "db/db_error.hpp"
#include "db/result.hpp"
#include "db/statement.hpp"

struct pg_conn;

namespace eq::db {

// Owns a PGconn. Move-only. Statements run with TimeZone UTC and ISO dates, and never
// with synchronous_commit = off (raised to 'local'): every commit is durable once it
// returns.
//
// In session mode (the default) those settings are made once for the session, and
// queries (SELECT, INSERT, UPDATE, DELETE, WITH) are prepared once per connection and
// then executed by name, so the hot statements are planned once per session.
//
// In transaction mode (behind PgBouncer, RDS Proxy or Supabase's pooler in transaction
// mode, which hand out a server session per transaction) nothing outlives a
// transaction: every statement is unnamed (parsed where it runs), the settings are made
// with set_config(..., true) at the start of every transaction (after BEGIN, and before a
// statement or pipeline run outside one, in the same implicit transaction), and send()
// waits for its results (PgBouncer before 1.21 gives the server back at the first sync
// point, so two transactions on their way at once could reach two sessions). Session
// advisory locks are the caller's to avoid.
class Connection {
public:
    // conninfo: a libpq connection string or URI; empty uses libpq's environment
    // (PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD, ...). Throws DbError(unavailable).
    static Connection open(const std::string& conninfo, std::string_view application_name,
                           config::PoolMode mode = config::PoolMode::session);

    Connection(Connection&& other) noexcept;
    Connection& operator=(Connection&& other) noexcept;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    ~Connection();

    Result exec(const Statement& statement, const std::vector<Param>& params, Shape shape);

    template <class... Args> Result none(const Statement& s, const Args&... args) {
        return exec(s, {to_param(args)...}, Shape::none);
    }
    template <class... Args> Result one(const Statement& s, const Args&... args) {
        return exec(s, {to_param(args)...}, Shape::one);
    }
    template <class... Args> Result maybe_one(const Statement& s, const Args&... args) {
        return exec(s, {to_param(args)...}, Shape::maybe_one);
    }
    template <class... Args> Result rows(const Statement& s, const Args&... args) {
        return exec(s, {to_param(args)...}, Shape::rows);
    }

    // Sends every call in one round trip and one implicit transaction (libpq's pipeline
    // mode): all of them take effect or, when one fails, none; then throws that failure.
    // A failure at the commit (a deferred constraint) throws too, as statement
    // "commit after '<the last call's statement>'".
    // Results come back in the order of the calls.
    std::vector<Result> pipeline(const std::vector<Call>& calls);
    // Sends the calls as one implicit transaction, as pipeline() does, without waiting:
    // the server executes them while the caller goes on. Their results are read with
    // collect(calls), which must come before any other use of the connection. Several
    // sends may be on their way at once; the server runs them one after another, each a
    // transaction of its own.
    void send(const std::vector<Call>& calls);
    // The results of the calls of the oldest send() not read yet; throws the first
    // failure.
    std::vector<Result> collect(const std::vector<Call>& calls);

    // Runs SQL text with no parameters through the simple-query protocol (several
    // statements allowed); for transaction control and migrations only.
    void run(std::string_view sql, std::string_view name);

    bool in_transaction() const;
    bool is_open() const;
    config::PoolMode pool_mode() const { return m_mode; }
    int server_version() const;
    pg_conn* handle() const { return m_conn; }

private:
    Connection(pg_conn* conn, config::PoolMode mode) : m_conn(conn), m_mode(mode) {}
    [[noreturn]] void fail(pg_result* result, std::string_view name);
    // The name the statement is prepared under (preparing it on first use), or "" for
    // statements that are not prepared.
    const std::string& prepared(const Statement& statement, int params);
    std::string next_statement_name(); // eq0, eq1, ...: never reused
    Result finish(pg_result* result, const Statement& statement, Shape shape);
    // Pipeline steps: sending one group ending in a sync point (a statement not prepared
    // yet is prepared first: on its own beforehand when nothing else is on its way, else
    // within the group), and reading the oldest group's results up to its sync point.
    void send_group(const std::vector<Call>& calls, bool in_flight_ok);
    std::vector<Result> read_group(const std::vector<Call>& calls);
    // Transaction mode: one group sent and read, with the settings first when outside
    // an explicit transaction.
    std::vector<Result> transaction_group(const std::vector<Call>& calls, bool in_flight_ok);
    // Reads the rest of a group up to its sync point; the first error met there (the
    // COMMIT's), to be cleared by the caller, or nullptr.
    pg_result* read_to_sync();

    pg_conn* m_conn = nullptr;
    std::unordered_map<std::string, std::string> m_prepared; // SQL text -> name
    std::size_t m_statements_named = 0;                      // names eq0, eq1, ... are never reused
    // The pipeline groups sent whose results are unread, oldest first: per call, the
    // name of the statement prepared within the group for it, or "".
    std::deque<std::vector<std::string>> m_groups;
    config::PoolMode m_mode = config::PoolMode::session;
    // Transaction mode: the outcome of each send() not collected yet, oldest first.
    struct Sent {
        std::vector<Result> results;
        std::exception_ptr error;
    };
    std::deque<Sent> m_sent;
};

// Rolls back on destruction unless commit() was called; exceptions unwind safely.
class Transaction {
public:
    explicit Transaction(Connection& conn, std::string_view begin = "BEGIN");
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction();

    void commit();

private:
    Connection& m_conn;
    bool m_done = false;
};

} // namespace eq::db
