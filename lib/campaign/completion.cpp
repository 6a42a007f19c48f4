#include "campaign/completion.hpp"

#include <fmt/format.h>

namespace eq::campaign {

namespace {

// A run is complete when none of its rows is pending, processing or held, and its
// processed leads (EQ_RUN_PROCESSED_LEADS) reach leads_total. The web application sets leads_total
// first and queues its leads one by one, so a queue drained short of it is a run still being
// queued. What completion sets off (email_queue_run_completed, sql/014_run_completion.sql: the
// application's end-of-run schedule) is part of the same statement, so a crash cannot
// separate them.
#define EQ_RUN_UNFINISHED(RUN)                                                                     \
    "EXISTS (SELECT 1 FROM email_queue u WHERE u.campaign_run_id = " RUN                           \
    "        AND u.status IN ('pending', 'processing', 'held'))"

// A run with rows and none unfinished. As joins, for the sweep over every running run
// (PostgreSQL reads the unfinished rows once); as one probe a run, for the runs of one
// batch: as joins there, a generic plan read every unfinished row of every company after
// each company's batch.
#define EQ_RUN_DRAINED_JOIN(RUN)                                                                   \
    "EXISTS (SELECT 1 FROM email_queue q WHERE q.campaign_run_id = " RUN ")"                       \
    " AND NOT " EQ_RUN_UNFINISHED(RUN)
#define EQ_RUN_DRAINED_PROBE(RUN) "(SELECT " EQ_RUN_DRAINED_JOIN(RUN) ")"

// The drained runs are found first, and the processed leads counted for those only:
// written as one WHERE, the planner counted them for every running run before it looked
// for unfinished rows, which made the sweep of an invocation with thousands of idle
// companies cost a count per company. The MATERIALIZED steps keep that order; the
// update re-checks the status under the row's lock.
#define EQ_COMPLETE_RUNS(WHERE, DRAINED, ENOUGH)                                                   \
    "WITH candidate AS MATERIALIZED ("                                                             \
    " SELECT r.id, r.leads_total FROM campaign_runs r"                                             \
    " WHERE " WHERE " AND r.status = 'running' AND " DRAINED "),"                                  \
    " ready AS MATERIALIZED (SELECT r.id FROM candidate r WHERE " ENOUGH "),"                      \
    " done AS ("                                                                                   \
    " UPDATE campaign_runs r SET status = 'completed' FROM ready"                                  \
    " WHERE r.id = ready.id AND r.status = 'running' RETURNING r.id),"                             \
    " mark AS ("                                                                                   \
    " INSERT INTO email_queue_runs (campaign_run_id, completed_at)"                                \
    " SELECT id, now() FROM done"                                                                  \
    " ON CONFLICT (campaign_run_id) DO UPDATE SET completed_at = now()"                            \
    " RETURNING campaign_run_id),"                                                                 \
    " effects AS (SELECT email_queue_run_completed(array_agg(id)) AS schedule_rows FROM done)"     \
    " SELECT id, (SELECT schedule_rows FROM effects) AS schedule_rows FROM done"

#define EQ_ENOUGH_LEADS EQ_RUN_PROCESSED_LEADS("r.id") " >= COALESCE(r.leads_total, 0)"

// Two statements rather than one with "$1 IS NULL OR r.id = ANY($1)", which was planned
// anew on every call (its generic plan reads every running run).
constexpr db::Statement k_complete_all{
    "complete_all_finished_runs",
    EQ_COMPLETE_RUNS("true", EQ_RUN_DRAINED_JOIN("r.id"), EQ_ENOUGH_LEADS)};

// By hand (queue-admin run complete): whatever the count of its processed leads.
constexpr db::Statement k_complete_by_hand{
    "complete_run_by_hand", EQ_COMPLETE_RUNS("r.id = $1", EQ_RUN_DRAINED_PROBE("r.id"), "true")};

// Why a run is still running: its rows, its processed leads and leads_total.
constexpr db::Statement k_progress{
    "run_completion_progress",
    "SELECT r.status, COALESCE(r.leads_total, 0) AS leads_total,"
    " " EQ_RUN_PROCESSED_LEADS(
        "r.id") " AS processed_leads,"
                " (SELECT count(*) FROM email_queue u WHERE u.campaign_run_id = r.id"
                "  AND u.status IN ('pending', 'processing', 'held')) AS unfinished_rows,"
                " (SELECT count(*) FROM email_queue q WHERE q.campaign_run_id = r.id) AS rows"
                " FROM campaign_runs r WHERE r.id = $1"};

std::vector<Uuid> completed(const db::Result& result) {
    std::vector<Uuid> out;
    for (const auto row : result) {
        out.push_back(row.uuid("id"));
    }
    return out;
}

} // namespace

const db::Statement k_complete_finished_runs_statement{
    "complete_finished_runs",
    EQ_COMPLETE_RUNS("r.id = ANY($1::uuid[])", EQ_RUN_DRAINED_PROBE("r.id"), EQ_ENOUGH_LEADS)};

std::vector<Uuid> complete_finished_runs(db::Connection& conn, const std::vector<Uuid>& run_ids) {
    if (run_ids.empty()) {
        return {};
    }
    return completed(
        conn.exec(k_complete_finished_runs_statement, {db::to_param(run_ids)}, db::Shape::rows));
}

std::vector<Uuid> complete_all_finished_runs(db::Connection& conn) {
    return completed(conn.exec(k_complete_all, {}, db::Shape::rows));
}

bool complete_run_by_hand(db::Connection& conn, const Uuid& run_id) {
    return conn.exec(k_complete_by_hand, {db::to_param(run_id)}, db::Shape::rows).rows() == 1;
}

std::optional<CompletionProgress> completion_progress(db::Connection& conn, const Uuid& run_id) {
    const auto result = conn.exec(k_progress, {db::to_param(run_id)}, db::Shape::rows);
    if (result.rows() == 0) {
        return std::nullopt;
    }
    const auto row = result.only();
    return CompletionProgress{row.text("status"), row.integer("leads_total"),
                              row.integer("processed_leads"), row.integer("unfinished_rows"),
                              row.integer("rows")};
}

std::string CompletionProgress::waiting_reason() const {
    if (status != "running") {
        return {};
    }
    if (rows == 0) {
        return "nothing queued for this run yet";
    }
    if (unfinished_rows > 0) {
        return fmt::format("{} queue row(s) pending, processing or held", unfinished_rows);
    }
    if (processed_leads < leads_total) {
        return fmt::format("queue drained with {} of leads_total {} leads processed: the web "
                           "application may still be queueing them; if not, complete it with "
                           "queue-admin run complete",
                           processed_leads, leads_total);
    }
    return "complete: the next queue-process marks it completed";
}

} // namespace eq::campaign
