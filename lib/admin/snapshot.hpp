#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "policy/health.hpp"
#include "policy/send_window.hpp"
#include "throttle/email_throttle_settings.hpp"
#include "util/time.hpp"
#include "util/uuid.hpp"

namespace eq::db {
class Connection;
class Row;
} // namespace eq::db

namespace eq::admin {

// One company's queue as status, health, metrics and report show it. "Live" rows belong
// to runs neither paused nor cancelled.
struct CompanyStatus {
    Uuid id;
    std::string name;
    bool deleted = false; // soft-deleted by the web application: its rows are skipped
    throttle::EmailThrottleSettings settings;
    std::int64_t due_now = 0;         // pending, due, live
    std::int64_t scheduled_later = 0; // pending, live, scheduled later, never tried
    std::int64_t backing_off = 0;     // pending, live, scheduled later after a failure
    std::int64_t paused = 0;          // pending rows of paused (or cancelled) runs
    std::int64_t processing = 0;      // claimed (in flight)
    std::int64_t stuck = 0;           // claimed, lease expired
    std::int64_t held = 0;            // SMTP outcome unknown
    std::int64_t failed = 0;          // failed rows (all kept ones)
    std::int64_t skipped = 0;         // skipped rows (suppressed addresses)
    std::int64_t failed_last_hour = 0;
    std::int64_t sent_last_hour = 0; // sent or held, as the throttle counts them
    std::int64_t sent_last_day = 0;
    std::optional<Timestamp> oldest_due;     // scheduled_for of the oldest due live row
    std::optional<Timestamp> next_scheduled; // earliest scheduled_for of later live rows
    std::optional<Timestamp> backoff_until;  // earliest end of a retry back-off
    std::optional<Timestamp> held_until;     // account hold (may be in the past)
    std::optional<std::string> hold_reason;
    std::optional<Timestamp> held_since;
    std::optional<Timestamp> last_sent_at;
    std::optional<std::string> timezone; // of the sending window, when it has one
    int daily_limit_now = 0;             // max_emails_per_day, or less while ramping up
    struct AutoPausedRun {
        Uuid run_id;
        std::string reason;
    };
    std::vector<AutoPausedRun> auto_paused_runs; // paused by queue-process on failures
    // Running runs whose queue drained short of leads_total (the web application may
    // still be queueing their leads), with what they wait for.
    std::vector<AutoPausedRun> drained_runs;
    policy::SendState send;
    policy::NextSend next;
    std::optional<Timestamp> sendable_since;

    bool account_held(Timestamp now) const { return held_until && *held_until > now; }
    std::int64_t pending() const { return due_now + scheduled_later + backing_off + paused; }
};

struct QueueTotals {
    std::int64_t due_now = 0, scheduled_later = 0, backing_off = 0, paused = 0, processing = 0,
                 stuck = 0, held = 0, failed = 0, skipped = 0, sent_last_hour = 0,
                 sent_last_day = 0, failed_last_hour = 0;
    std::optional<Timestamp> oldest_due;
};

struct QueueSnapshot {
    Timestamp now; // the database's clock
    std::vector<CompanyStatus> companies;
    QueueTotals totals;
};

// Reads the queue in one read-only, repeatable-read transaction: every company that has
// queue rows, throttle settings or a hold (or only `company` when given; it must exist),
// ordered by name. Computes next and sendable_since with the send-window policy; the
// sending window is judged in the company's zone (a lead's own zone may differ).
QueueSnapshot load_snapshot(db::Connection& conn, const std::optional<Uuid>& company,
                            const throttle::ThrottleDefaults& defaults);

// The newest finished queue-process invocation that was not a dry run.
struct LastRun {
    std::int64_t id = 0;
    Timestamp started_at;
    Timestamp finished_at;
    std::int64_t companies_visited = 0, sent = 0, failed = 0, skipped = 0, held = 0, retried = 0,
                 recovered = 0;
    std::optional<std::string> error;
};
std::optional<LastRun> load_last_run(db::Connection& conn);

// What health (and the health metric) judge, from a whole-queue snapshot and the last run.
policy::HealthFacts health_facts(const QueueSnapshot& snap, const std::optional<LastRun>& last);

} // namespace eq::admin
