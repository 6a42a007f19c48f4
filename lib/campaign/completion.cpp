#include "campaign/completion.hpp"


namespace eq::campaign {

namespace {

constexpr db::Statement k_complete{
    "complete_finished_runs",
    "WITH done AS ("
    " UPDATE campaign_runs r SET status = 'completed'"
    " WHERE r.id = ANY($1::uuid[]) AND r.status = 'running'"
    "   AND NOT EXISTS (SELECT 1 FROM email_queue q WHERE q.campaign_run_id = r.id"
    "                   AND q.status IN ('pending', 'processing'))"
    " RETURNING r.id),"
    " mark AS ("
    " INSERT INTO email_queue_runs (campaign_run_id, completed_at)"
    " SELECT id, now() FROM done"
    " ON CONFLICT (campaign_run_id) DO UPDATE SET completed_at = now()"
    " RETURNING campaign_run_id)"
    " SELECT id FROM done"};

} // namespace

std::vector<Uuid> complete_finished_runs(db::Connection& conn, const std::vector<Uuid>& run_ids) {
    std::vector<Uuid> out;
    if (run_ids.empty()) {
        return out;
    }
    for (const auto row : conn.rows(k_complete, run_ids)) {
        out.push_back(row.uuid("id"));
    }
    return out;
}

} // namespace eq::campaign
