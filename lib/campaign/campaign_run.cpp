#include "campaign/campaign_run.hpp"

#include "db/connection.hpp"

namespace eq::campaign {

namespace {

constexpr db::Statement k_running{
    "get_running_campaign_runs",
    "SELECT r.id, r.campaign_id, r.run_at, r.leads_total, r.leads_processed, r.status,"
    " r.failure_reason"
    " FROM campaign_runs r JOIN campaigns c ON c.id = r.campaign_id"
    " WHERE c.company_id = $1 AND r.status = 'running'"
    " ORDER BY r.run_at, r.id"};

} // namespace

std::vector<CampaignRun> get_running_campaign_runs(db::Connection& conn, const Uuid& company_id) {
    std::vector<CampaignRun> out;
    for (const auto row : conn.rows(k_running, company_id)) {
        out.push_back({row.uuid("id"), row.uuid("campaign_id"), row.time("run_at"),
                       static_cast<int>(row.integer("leads_total")),
                       static_cast<int>(row.integer("leads_processed")), row.text("status"),
                       row.opt_text("failure_reason")});
    }
    return out;
}

} // namespace eq::campaign
