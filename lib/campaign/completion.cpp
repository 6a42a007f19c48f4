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

#define EQ_COMPLETE_RUNS(WHERE, ENOUGH)                                                            \
    "WITH done AS ("                                                                               \
    " UPDATE campaign_runs r SET status = 'completed'"                                             \
    " WHERE " WHERE " AND r.status = 'running'"                                                    \
    "   AND EXISTS (SELECT 1 FROM email_queue q WHERE q.campaign_run_id = r.id)"                   \
    "   AND NOT " EQ_RUN_UNFINISHED(                                                               \
        "r.id") "   AND " ENOUGH " RETURNING r.id),"                                               \
                " mark AS ("                                                                       \
                " INSERT INTO email_queue_runs (campaign_run_id, completed_at)"                    \
                " SELECT id, now() FROM done"                                                      \
                " ON CONFLICT (campaign_run_id) DO UPDATE SET completed_at = now()"                \
                " RETURNING campaign_run_id),"                                                     \
                " effects AS (SELECT email_queue_run_completed(array_agg(id)) AS schedule_rows "   \
                "FROM done)"                                                                       \
                " SELECT id, (SELECT schedule_rows FROM effects) AS schedule_rows FROM done"

constexpr db::Statement k_complete{
    "complete_finished_runs",
    EQ_COMPLETE_RUNS("($1::uuid[] IS NULL OR r.id = ANY($1::uuid[]))",
                     EQ_RUN_PROCESSED_LEADS("r.id") " >= COALESCE(r.leads_total, 0)")};

// By hand (queue-admin run complete): whatever the count of its processed leads.
constexpr db::Statement k_complete_by_hand{"complete_run_by_hand",
                                           EQ_COMPLETE_RUNS("r.id = $1", "true")};

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

// `runs`: a uuid[] of the runs to check, or NULL for every running run.
std::vector<Uuid> complete(db::Connection& conn, const db::Param& runs) {
    std::vector<Uuid> out;
    for (const auto row : conn.exec(k_complete, {runs}, db::Shape::rows)) {
        out.push_back(row.uuid("id"));
    }
    return out;
}

} // namespace

std::vector<Uuid> complete_finished_runs(db::Connection& conn, const std::vector<Uuid>& run_ids) {
    if (run_ids.empty()) {
        return {};
    }
    return complete(conn, db::to_param(run_ids));
}

std::vector<Uuid> complete_all_finished_runs(db::Connection& conn) {
    return complete(conn, std::nullopt);
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
