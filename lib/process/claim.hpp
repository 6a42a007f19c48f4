#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "db/connection.hpp"
#include "policy/pacing.hpp"
#include "process/clock.hpp"
#include "util/uuid.hpp"

namespace eq::process {

// What a company's claim took.
struct Claim {
    std::vector<Uuid> ids;           // the claimed rows, in send order
    policy::PacingPlan plan;         // when each is sent (offsets from claimed_at)
    Clock::time_point claimed_at;    // just before the budget was computed
    std::optional<std::string> held; // why the company is not sent to (nothing claimed)
};

// Budget and claim in one transaction under the company's advisory lock: its throttle
// settings, sending schedule, sliding-window usage and hold are read; the budget
// (policy::compute_budget, with the ramped daily limit) and the paced sends
// (policy::plan_sends) decide how many rows are claimed, from those whose sending
// window is open; the pacing slots taken are reserved (next_send_at) before the lock
// is released. A dry run only reads what it could claim. A held or disabled company
// claims nothing and says why.
Claim claim_rows(db::Connection& conn, const config::Config& config, const Uuid& company,
                 const std::string& worker, bool dry_run, const Clock& clock);

} // namespace eq::process
