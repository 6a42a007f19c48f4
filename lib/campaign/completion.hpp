#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/connection.hpp"
#include "db/sql_text.hpp"
#include "util/uuid.hpp"

namespace eq::campaign {

// A run's processed leads, as completion counts them: the distinct leads whose first
// email is sent, failed, skipped or cancelled (a follow-up is not a lead; a cancelled
// duplicate names a lead already counted). Run is an SQL expression of the run's id.
// The run's rows are read first, by the run's index, behind OFFSET 0 (no condition is
// pushed into it): with the status list beside the run's id, PostgreSQL could read the
// finished rows of every run through email_queue_finished_age_idx, whose statistics say
// it is small until the next ANALYZE, and did, for a cost that grew with every message
// sent (docs/benchmarks.md, "One tick at scale").
template <db::SqlText Run>
inline constexpr auto k_run_processed_leads =
    db::sql("(SELECT count(DISTINCT p.lead_id) FROM (SELECT lead_id, status, email_log_id,"
            " message_id FROM email_queue WHERE campaign_run_id = ",
            Run,
            " OFFSET 0) p"
            " WHERE p.email_log_id IS NULL AND p.message_id IS NULL"
            "   AND p.status IN ('sent', 'failed', 'skipped', 'cancelled'))");

// The web application's check_campaign_runs_completion: each of the given runs that is
// 'running', has no row left 'pending', 'processing' or 'held' (an operator decides a
// held row's outcome first) and whose processed leads (distinct leads whose first email
// is sent, failed, skipped or cancelled) reach leads_total becomes 'completed'. In the
// same statement its completion time is recorded in email_queue_runs and, where the
// application's campaign_message_schedule exists, its end-of-run schedule rows are
// written (sql/014_run_completion.sql). Returns the runs completed now.
std::vector<Uuid> complete_finished_runs(db::Connection& conn, const std::vector<Uuid>& run_ids);

// The statement behind complete_finished_runs(), for EXPLAIN in tests.
extern const db::Statement k_complete_finished_runs_statement;

// The same for every 'running' run that has queue rows: the runs an invocation killed
// before it could complete them (its last rows recovered as held by a later run, or it
// died between its last outcome and the completion). queue-process runs it once per
// invocation, after recovering expired leases.
std::vector<Uuid> complete_all_finished_runs(db::Connection& conn);

// queue-admin run complete: the run, if 'running' with no row pending, processing or
// held, becomes 'completed' with the same side effects, short of leads_total or not.
// False when it was not completed.
bool complete_run_by_hand(db::Connection& conn, const Uuid& run_id);

// What completion of a run waits for.
struct CompletionProgress {
    std::string status;
    std::int64_t leads_total = 0;
    std::int64_t processed_leads = 0;
    std::int64_t unfinished_rows = 0;
    std::int64_t rows = 0;

    // Empty unless the run is 'running'; otherwise what keeps it running.
    std::string waiting_reason() const;
};

// Nullopt when the run does not exist.
std::optional<CompletionProgress> completion_progress(db::Connection& conn, const Uuid& run_id);

} // namespace eq::campaign
