#include "campaign/completion.hpp"

#include <fmt/format.h>

namespace eq::campaign {

namespace {

// A run is complete when none of its rows is pending, processing or held, and its
// processed leads (k_run_processed_leads) reach leads_total. The web application sets leads_total
// first and queues its leads one by one, so a queue drained short of it is a run still being
// queued. What completion sets off (email_queue_run_completed, sql/014_run_completion.sql: the
// application's end-of-run schedule) is part of the same statement, so a crash cannot
// separate them. The run is campaign_runs aliased r.
constexpr db::SqlText k_run_unfinished{
    "EXISTS (SELECT 1 FROM email_queue u WHERE u.campaign_run_id = r.id"
    "        AND u.status IN ('pending', 'processing', 'held'))"};

// A run with rows and none unfinished. As joins, for the sweep over every running run
// (PostgreSQL reads the unfinished rows once); as one probe a run, for the runs of one
// batch: as joins there, a generic plan read every unfinished row of every company after
// each company's batch.
constexpr auto k_run_drained_join =
    db::sql("EXISTS (SELECT 1 FROM email_queue q WHERE q.campaign_run_id = r.id)"
            " AND NOT ",
            k_run_unfinished);
constexpr auto k_run_drained_probe = db::sql("(SELECT ", k_run_drained_join, ")");

// The drained runs are found first, and the processed leads counted for those only:
// written as one WHERE, the planner counted them for every running run before it looked
// for unfinished rows, which made the sweep of an invocation with thousands of idle
// companies cost a count per company. The MATERIALIZED steps keep that order; the
// update re-checks the status under the row's lock. Where picks the runs, Drained and
// Enough are the conditions above.
template <db::SqlText Where, db::SqlText Drained, db::SqlText Enough>
constexpr auto k_complete_runs = db::sql(
    "WITH candidate AS MATERIALIZED ("
    " SELECT r.id, r.leads_total FROM campaign_runs r"
    " WHERE ",
    Where, " AND r.status = 'running' AND ", Drained,
    "),"
    " ready AS MATERIALIZED (SELECT r.id FROM candidate r WHERE ",
    Enough,
    "),"
    " done AS ("
    " UPDATE campaign_runs r SET status = 'completed' FROM ready"
    " WHERE r.id = ready.id AND r.status = 'running' RETURNING r.id),"
    " mark AS ("
    " INSERT INTO email_queue_runs (campaign_run_id, completed_at)"
    " SELECT id, now() FROM done"
    " ON CONFLICT (campaign_run_id) DO UPDATE SET completed_at = now()"
    " RETURNING campaign_run_id),"
    " effects AS (SELECT email_queue_run_completed(array_agg(id)) AS schedule_rows FROM done)"
    " SELECT id, (SELECT schedule_rows FROM effects) AS schedule_rows FROM done");

constexpr auto k_enough_leads =
    db::sql(k_run_processed_leads<"r.id">, " >= COALESCE(r.leads_total, 0)");

// Two statements rather than one with "$1 IS NULL OR r.id = ANY($1)", which was planned
// anew on every call (its generic plan reads every running run). The first is
// k_complete_finished_runs_statement, below.
constexpr auto k_complete_sql =
    k_complete_runs<"r.id = ANY($1::uuid[])", k_run_drained_probe, k_enough_leads>;
constexpr auto k_complete_all_sql = k_complete_runs<"true", k_run_drained_join, k_enough_leads>;
constexpr db::Statement k_complete_all{"complete_all_finished_runs", k_complete_all_sql.c_str()};

// By hand (queue-admin run complete): whatever the count of its processed leads.
constexpr auto k_complete_by_hand_sql = k_complete_runs<"r.id = $1", k_run_drained_probe, "true">;
constexpr db::Statement k_complete_by_hand{"complete_run_by_hand", k_complete_by_hand_sql.c_str()};

// Why a run is still running: its rows, its processed leads and leads_total.
constexpr auto k_progress_sql = db::sql(
    "SELECT r.status, COALESCE(r.leads_total, 0) AS leads_total, ", k_run_processed_leads<"r.id">,
    " AS processed_leads,"
    " (SELECT count(*) FROM email_queue u WHERE u.campaign_run_id = r.id"
    "  AND u.status IN ('pending', 'processing', 'held')) AS unfinished_rows,"
    " (SELECT count(*) FROM email_queue q WHERE q.campaign_run_id = r.id) AS rows"
    " FROM campaign_runs r WHERE r.id = $1");
constexpr db::Statement k_progress{"run_completion_progress", k_progress_sql.c_str()};

std::vector<Uuid> completed(const db::Result& result) {
    std::vector<Uuid> out;
    for (const auto row : result) {
        out.push_back(row.uuid("id"));
    }
    return out;
}

} // namespace

const db::Statement k_complete_finished_runs_statement{"complete_finished_runs",
                                                       k_complete_sql.c_str()};

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
