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

// A row of campaigns (the web application's).
struct Campaign {
    Uuid id;
    Uuid company_id;
    std::string name;
    std::string type;                          // 'email' for email campaigns
    std::optional<std::string> email_template; // "Subject: ..." line, blank line, HTML body
    std::optional<Timestamp> scheduled_at;     // when the web application should start it
    bool auto_run_triggered = false;           // its scheduled start has happened
};

std::optional<Campaign> find_campaign(db::Connection& conn, const Uuid& id);

// Email campaigns whose scheduled_at has passed and that were not started yet, oldest
// first. A read only: for dry runs of queue-enqueue --due.
std::vector<Campaign> due_campaigns(db::Connection& conn);

// Takes the oldest due email campaign for the caller: locks its row, skipping rows
// another transaction holds, and sets auto_run_triggered. Concurrent callers therefore
// each get a different campaign, and a campaign is started once however many callers
// race. Call inside a transaction; the claim stands when it commits. Nothing when no
// campaign is due (or every due one is held by another caller).
std::optional<Campaign> claim_due_campaign(db::Connection& conn);

} // namespace eq::campaign
