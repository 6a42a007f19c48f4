#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/connection.hpp"
#include "util/json.hpp"
#include "util/time.hpp"
#include "util/uuid.hpp"

namespace eq::process {

// A company whose batch failed: what kind of failure (bugsnag::error_class) and why.
struct CompanyError {
    Uuid company;
    std::string error_class;
    std::string message;

    // "company <id>: <message>", as printed and stored.
    std::string line() const;
};

// A company this invocation held (an account-level failure), or one of its runs that it
// paused for failing: which company, and the line printed as a warning.
struct CompanyHold {
    Uuid company;
    std::string line; // "company <id> held: <reason>", "company <id>: run <id> auto-paused..."
};

// What one queue-process invocation did; stored in email_queue_invocations for
// monitoring (queue-admin health, metrics) and printed by --json.
struct Summary {
    std::int64_t id = 0; // the email_queue_invocations row (0 for a dry run)
    Timestamp started_at;
    Timestamp finished_at;
    std::int64_t companies_visited = 0;
    std::int64_t companies_held = 0; // skipped because held, disabled, or held now
    std::int64_t sent = 0;
    std::int64_t failed = 0;
    std::int64_t skipped = 0;   // suppressed addresses
    std::int64_t held = 0;      // rows whose SMTP outcome is unknown, held for an operator
    std::int64_t retried = 0;   // transient failures, due again later
    std::int64_t recovered = 0; // rows taken back from crashed runs
    bool dry_run = false;
    std::optional<std::string> error; // what went wrong, in one line (stored)
    std::vector<CompanyError> errors; // every company's error (printed, not stored)
    std::vector<CompanyHold> holds;   // companies held, runs auto-paused, and why (printed)

    Json to_json() const;
};

// Inserts the invocation's row (started now, not finished) and returns its id.
std::int64_t start_invocation(db::Connection& conn, const std::string& host, int pid);

// Records the end of the invocation and its counts.
void finish_invocation(db::Connection& conn, const Summary& summary);

} // namespace eq::process
