#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/error.hpp"

// The errors of the database layer and what they mean to an operator: the exit code a
// SQLSTATE maps to, the pooler mistake named with its fix, and the passwords a
// connection string holds (so that errors and logs can leave them out).

namespace eq::db {

// A database error: the statement's name and the server's message, with the exit code
// that fits the SQLSTATE (unreachable server -> unavailable, missing table -> schema, ...).
class DbError : public Error {
public:
    DbError(ExitCode code, const std::string& message, std::string sqlstate,
            std::string server_message, std::string hint = {})
        : Error(code, message, std::move(hint)), m_sqlstate(std::move(sqlstate)),
          m_server_message(std::move(server_message)) {}
    const std::string& sqlstate() const { return m_sqlstate; }
    // The server's (or libpq's) own words, without the statement's name.
    const std::string& server_message() const { return m_server_message; }

private:
    std::string m_sqlstate;
    std::string m_server_message;
};

// What a server answers in session mode when a pooler in transaction mode is between us
// and it: a prepared statement missing (26000) or already there (42P05), a session lock
// gone. Exit status config, with a hint naming database.pool_mode: transaction.
class PoolModeError : public DbError {
public:
    PoolModeError(const std::string& what, std::string sqlstate, std::string server_message);
};

// A session advisory lock that vanished (pg_advisory_unlock said it was not held):
// `what` names the lock.
PoolModeError lock_vanished(std::string_view what);

// The exit code for a SQLSTATE ("08006" -> unavailable, "42P01" -> schema, ...).
ExitCode exit_code_for_sqlstate(std::string_view sqlstate);

// The password a libpq connection string or URI holds, in every form it is written in
// (as given, and percent-decoded in a URI), for redaction; empty when it holds none. A
// malformed string is read as far as it goes: libpq's error about it may quote it.
std::vector<std::string> conninfo_passwords(const std::string& conninfo);

} // namespace eq::db
