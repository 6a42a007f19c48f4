#pragma once

#include <optional>
#include <string>
#include <vector>

#include "db/connection.hpp"
#include "queue/email_queue_item.hpp"
#include "util/json.hpp"

namespace eq::queue {

// A claimed queue row with what sending it needs from the application's tables.
struct ClaimedRow {
    EmailQueueItem item;
    bool lead_found = false;
    bool lead_deleted = false;
    bool campaign_found = false;
    std::optional<std::string> lead_email;
    std::optional<std::string> campaign_template;
    // The address is on do_not_email for this company or for every company
    // (compared case-insensitively).
    bool suppressed = false;
    Json lead; // every column of the lead, as a JSON object (null when not found)
    // Why the lead's columns could not be read (JSON nested too deep, say): the row
    // fails on its own, the rest of the batch is unaffected. Empty when they could.
    std::string lead_problem;
    Json campaign; // every column of the campaign (null when not found)
};

// The statement load_claimed_rows() runs (for the plan tests): $1 the ids.
extern const db::Statement k_load_claimed_statement;

// The rows with these ids, in the order given. Ids that no longer exist are left out.
std::vector<ClaimedRow> load_claimed_rows(db::Connection& conn, const std::vector<Uuid>& ids);

} // namespace eq::queue
