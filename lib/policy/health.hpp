#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/time.hpp"

namespace eq::policy {

// Nagios plugin states; the numbers are queue-admin health's exit status.
enum class HealthState { ok = 0, warning = 1, critical = 2, unknown = 3 };

std::string_view to_string(HealthState s); // "OK", "WARNING", "CRITICAL", "UNKNOWN"

// Each limit gives WARNING when exceeded and CRITICAL when exceeded twice over.
struct HealthThresholds {
    Seconds max_backlog_age{std::chrono::hours(1)};
    Seconds max_since_last_run{std::chrono::minutes(15)}; // three five-minute cron periods
    double max_failure_rate = 0.2;
    // Fewer finished rows than this in the last hour make no failure rate.
    std::int64_t min_failure_sample = 10;
};

// What the database says, read in one snapshot.
struct HealthFacts {
    Timestamp now;
    std::optional<Timestamp> last_run_finished; // newest finished queue-process invocation
    std::optional<std::string> last_run_error;  // its error, when it ended with one
    std::int64_t due_rows = 0;                  // pending rows that are due, in live runs
    // The company whose due row waited longest while it had budget to send (see
    // policy::sendable_since), and since when.
    std::optional<Timestamp> backlog_since;
    std::string backlog_company;
    std::int64_t stuck_rows = 0;             // processing, lease expired
    std::vector<std::string> held_companies; // account holds in force (names)
    std::int64_t held_rows = 0;              // SMTP outcome unknown: an operator decides
    std::int64_t sent_last_hour = 0;
    std::int64_t failed_last_hour = 0;
    // Runs queue-process paused on their failure rate ("<company> run <id>").
    std::vector<std::string> auto_paused_runs;
};

struct HealthCheck {
    // processor, backlog, stuck, holds, unknown_outcome, failure_rate, auto_paused
    std::string name;
    HealthState state = HealthState::ok;
    std::string message;
    std::optional<double> value; // seconds, rows or a rate, for performance data
    std::optional<double> warn;
    std::optional<double> crit;
};

struct HealthReport {
    HealthState state = HealthState::ok;
    std::string summary; // one line: the worst problems first
    std::vector<HealthCheck> checks;
};

HealthReport evaluate_health(const HealthFacts& facts, const HealthThresholds& limits);

// "EMAILQUEUE WARNING - <summary> | name=value;warn;crit ..." (one line, Nagios format).
std::string nagios_line(const HealthReport& report);

} // namespace eq::policy
