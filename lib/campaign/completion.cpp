#include "campaign/completion.hpp"

namespace eq::campaign {

namespace {

constexpr db::Statement k_complete{
    "complete_finished_runs",
    "WITH done AS ("
    " UPDATE campaign_runs r SET status = 'completed'"
    " WHERE ($1::uuid[] IS NULL OR r.id = ANY($1::uuid[])) AND r.status = 'running'"
    "   AND EXISTS (SELECT 1 FROM email_queue q WHERE q.campaign_run_id = r.id)"
    "   AND NOT EXISTS (SELECT 1 FROM email_queue q WHERE q.campaign_run_id = r.id"
    "                   AND q.status IN ('pending', 'processing'))"
    " RETURNING r.id),"
    " mark AS ("
    " INSERT INTO email_queue_runs (campaign_run_id, completed_at)"
    " SELECT id, now() FROM done"
    " ON CONFLICT (campaign_run_id) DO UPDATE SET completed_at = now()"
    " RETURNING campaign_run_id)"
    " SELECT id FROM done"};

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

} // namespace eq::campaign
