#pragma once

#include <optional>
#include <string>
#include <vector>

#include "util/time.hpp"
#include "util/uuid.hpp"

namespace eq::db {
class Connection;
}

namespace eq::campaign {

// A row of campaign_runs. status is the web application's: idle, running, completed,
// failed (pause and cancel live in email_queue_runs).
struct CampaignRun {
    Uuid id;
    Uuid campaign_id;
    Timestamp run_at;
    int leads_total = 0;
    int leads_processed = 0;
    std::string status;
    std::optional<std::string> failure_reason;
};

// Runs in status 'running' of the company's campaigns, oldest first.
std::vector<CampaignRun> get_running_campaign_runs(db::Connection& conn, const Uuid& company_id);

} // namespace eq::campaign
