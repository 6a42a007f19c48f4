#pragma once

#include <cstdint>
#include <optional>

#include "util/time.hpp"
#include "util/uuid.hpp"

namespace eq::db {
class Connection;
}

namespace eq::enqueue {

// What one fan-out did (or, in a dry run, would do). Every lead of the company lands in
// exactly one of queued, already_queued or a skipped_* count, so they add up to the
// company's leads, deleted ones included.
struct FanOutCounts {
    std::int64_t queued = 0;                  // new pending rows
    std::int64_t already_queued = 0;          // leads the run held a row for already
    std::int64_t skipped_no_address = 0;      // email NULL, empty or only blanks
    std::int64_t skipped_invalid_address = 0; // fails the address shape rule (sql/004)
    std::int64_t skipped_suppressed = 0;      // on do_not_email, for the company or global
    std::int64_t skipped_deleted = 0;         // deleted_at set
    // First emails the run holds afterwards (rows marked duplicate_of, and the web
    // application's follow-ups, not counted): the
    // run's leads_total. Can exceed queued + already_queued when leads that were queued
    // earlier have since been deleted or suppressed; their rows stay, and queue-process
    // settles them.
    std::int64_t leads_total = 0;

    FanOutCounts& operator+=(const FanOutCounts& o);
    bool operator==(const FanOutCounts&) const = default;
};

// Which run the company's leads are queued for, and how.
struct FanOutTarget {
    Uuid company_id;
    Uuid campaign_id;
    // The run; nothing only for count_fan_out() of a run not created yet.
    std::optional<Uuid> run_id;
    int priority = 1;
    std::optional<Timestamp> scheduled_for; // nothing: now
};

// Queues one pending row per live lead of the company whose address is present, valid
// and not suppressed, in one INSERT ... SELECT on the server (no lead crosses the
// wire), and counts every lead by outcome in the same statement, so the counts and the
// rows agree. Leads that already have a row in the run are left alone (ON CONFLICT
// (campaign_run_id, lead_id) DO NOTHING): running it twice queues nothing the second
// time. A run that holds no row yet is filled without ON CONFLICT, which is safe only
// because no other writer can add rows to it meanwhile: call inside the transaction
// that changes the run's status, holding the run's row lock (campaign::lock_run_state,
// whose FOR UPDATE blocks the foreign-key check of any other insert for the run) or on
// a run created in that transaction. target.run_id must be set.
FanOutCounts fan_out(db::Connection& conn, const FanOutTarget& target);

// What fan_out() would do, changing nothing.
FanOutCounts count_fan_out(db::Connection& conn, const FanOutTarget& target);

} // namespace eq::enqueue
