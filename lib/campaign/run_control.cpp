#include "campaign/run_control.hpp"

#include <fmt/format.h>

#include "db/connection.hpp"

namespace eq::campaign {

namespace {

constexpr db::Statement k_get{
    "get_run_control",
    "SELECT r.id, r.status, COALESCE(q.control, 'active') AS control, q.control_reason,"
    " q.control_changed_at,"
    " (SELECT count(*) FROM email_queue e WHERE e.campaign_run_id = r.id"
    "   AND e.status IN ('pending', 'processing')) AS unfinished"
    " FROM campaign_runs r LEFT JOIN email_queue_runs q ON q.campaign_run_id = r.id"
    " WHERE r.id = $1"};

constexpr db::Statement k_lock{"lock_campaign_run",
                               "SELECT id FROM campaign_runs WHERE id = $1 FOR UPDATE"};

constexpr db::Statement k_set{
    "set_run_control",
    "INSERT INTO email_queue_runs AS q (campaign_run_id, control, control_reason,"
    " control_changed_at, completed_at)"
    " VALUES ($1, $2, $3, now(), CASE WHEN $2 = 'cancelled' THEN now() END)"
    " ON CONFLICT (campaign_run_id) DO UPDATE SET control = $2, control_reason = $3,"
    " control_changed_at = now(), auto_paused_at = NULL,"
    " completed_at = CASE WHEN $2 = 'cancelled' THEN COALESCE(q.completed_at, now())"
    "                     ELSE q.completed_at END"
    " RETURNING control_changed_at"};

// The tally runs only for a company with a threshold (most have none): EXISTS on `s` is
// a one-time test, and without it the tally read the runs' rows and joined them to
// email_queue_runs, which grows with every completed run, after every company's batch.
constexpr db::Statement k_auto_pause{
    "auto_pause_failing_runs",
    "WITH s AS (SELECT pause_failure_percent AS pct, pause_min_attempts AS min_attempts"
    "   FROM email_queue_schedules WHERE company_id = $1 AND pause_failure_percent IS NOT NULL),"
    " tally AS (SELECT q.campaign_run_id AS run_id, count(*) AS attempts,"
    "   count(*) FILTER (WHERE q.status = 'failed') AS failures"
    "   FROM email_queue q LEFT JOIN email_queue_runs r ON r.campaign_run_id = q.campaign_run_id"
    "   WHERE q.campaign_run_id = ANY($2::uuid[]) AND q.company_id = $1"
    "     AND q.status IN ('sent', 'failed', 'held') AND COALESCE(r.control, 'active') = 'active'"
    "     AND (r.control_changed_at IS NULL OR q.processed_at >= r.control_changed_at)"
    "     AND EXISTS (SELECT 1 FROM s)"
    "   GROUP BY q.campaign_run_id)"
    " INSERT INTO email_queue_runs AS r (campaign_run_id, control, control_reason,"
    "   control_changed_at, auto_paused_at)"
    " SELECT t.run_id, 'paused', format('auto-paused: %s of %s attempts failed, over the "
    "%s%% threshold', t.failures, t.attempts, s.pct), now(), now()"
    " FROM tally t CROSS JOIN s"
    " WHERE t.attempts >= s.min_attempts AND t.failures * 100 > s.pct * t.attempts"
    " ON CONFLICT (campaign_run_id) DO UPDATE SET control = 'paused',"
    "   control_reason = EXCLUDED.control_reason, control_changed_at = now(),"
    "   auto_paused_at = now()"
    " WHERE r.control = 'active'"
    " RETURNING campaign_run_id, control_reason"};

constexpr db::Statement k_cancel_rows{
    "cancel_run_rows",
    "UPDATE email_queue SET status = 'cancelled', processed_at = now(), error_message = $2,"
    " lease_until = NULL"
    " WHERE campaign_run_id = $1"
    "   AND (status = 'pending' OR (status = 'processing' AND send_started_at IS NULL))"};

constexpr db::Statement k_fail_run{
    "fail_cancelled_run",
    "UPDATE campaign_runs SET status = 'failed', failure_reason = $2 WHERE id = $1"};

struct Current {
    RunControlState state;
    std::string status;
    std::int64_t unfinished = 0;
};

Current read(db::Connection& conn, const Uuid& run_id) {
    const auto r = conn.maybe_one(k_get, run_id);
    if (r.empty()) {
        throw Error(ExitCode::not_found, fmt::format("no campaign run {}", run_id.str()));
    }
    const auto row = r.only();
    Current c;
    c.state.run_id = run_id;
    c.state.control = run_control_of(row.text("control"));
    c.state.reason = row.opt_text("control_reason");
    c.state.changed_at = row.opt_time("control_changed_at");
    c.status = row.text("status");
    c.unfinished = row.integer("unfinished");
    return c;
}

bool is_over(const Current& c) {
    return (c.status == "completed" || c.status == "failed") && c.unfinished == 0;
}

using Verb = ControlVerb;

ControlChange change(db::Connection& conn, const Uuid& run_id, Verb verb,
                     const std::optional<std::string>& reason) {
    db::Transaction tx(conn);
    if (conn.maybe_one(k_lock, run_id).empty()) {
        throw Error(ExitCode::not_found, fmt::format("no campaign run {}", run_id.str()));
    }
    const auto cur = read(conn, run_id);
    const RunControl target = verb == Verb::pause    ? RunControl::paused
                              : verb == Verb::resume ? RunControl::active
                                                     : RunControl::cancelled;
    const std::string_view name = to_text(verb);
    ControlChange out{cur.state, false, 0};
    if (cur.state.control == target) {
        tx.commit();
        return out;
    }
    if (cur.state.control == RunControl::cancelled) {
        throw Error(ExitCode::conflict,
                    fmt::format("cannot {} campaign run {}: it was cancelled{} and a cancelled "
                                "run is final",
                                name, run_id.str(),
                                cur.state.changed_at
                                    ? " at " + format_timestamp(*cur.state.changed_at)
                                    : ""),
                    "enqueue a new campaign run to send again");
    }
    if (verb != Verb::resume && is_over(cur)) {
        throw Error(ExitCode::conflict,
                    fmt::format("cannot {} campaign run {}: it is {} and has nothing pending", name,
                                run_id.str(), cur.status));
    }
    out.state.control = target;
    out.state.reason = reason;
    out.state.changed_at =
        conn.one(k_set, run_id, to_string(target), reason).only().time("control_changed_at");
    if (verb == Verb::cancel) {
        const auto why = cancelled_failure_reason(reason);
        out.rows_cancelled = conn.none(k_cancel_rows, run_id, why).affected();
        conn.none(k_fail_run, run_id, why);
    }
    out.changed = true;
    tx.commit();
    return out;
}

} // namespace

std::string_view to_string(RunControl c) {
    return to_text(c);
}

Expected<RunControl> parse_run_control(std::string_view text) {
    if (const auto c = from_text<RunControl>(text)) {
        return *c;
    }
    return fail(fmt::format("unknown run control '{}'", text));
}

std::string cancelled_failure_reason(const std::optional<std::string>& reason) {
    return reason && !reason->empty() ? "cancelled by operator: " + *reason
                                      : std::string("cancelled by operator");
}

RunControlState get_run_control(db::Connection& conn, const Uuid& run_id) {
    return read(conn, run_id).state;
}

ControlChange pause_run(db::Connection& conn, const Uuid& run_id,
                        const std::optional<std::string>& reason) {
    return change(conn, run_id, Verb::pause, reason);
}

ControlChange resume_run(db::Connection& conn, const Uuid& run_id,
                         const std::optional<std::string>& reason) {
    return change(conn, run_id, Verb::resume, reason);
}

ControlChange cancel_run(db::Connection& conn, const Uuid& run_id,
                         const std::optional<std::string>& reason) {
    return change(conn, run_id, Verb::cancel, reason);
}

ControlChange control_run(db::Connection& conn, const Uuid& run_id, ControlVerb verb,
                          const std::optional<std::string>& reason) {
    return change(conn, run_id, verb, reason);
}

std::vector<AutoPaused> auto_pause_failing_runs(db::Connection& conn, const Uuid& company_id,
                                                const std::vector<Uuid>& runs) {
    std::vector<AutoPaused> out;
    if (runs.empty()) {
        return out;
    }
    for (const auto row : conn.rows(k_auto_pause, company_id, runs)) {
        out.push_back({row.uuid("campaign_run_id"), row.text("control_reason")});
    }
    return out;
}

} // namespace eq::campaign
