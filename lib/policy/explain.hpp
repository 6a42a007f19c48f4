#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "campaign/run_control_state.hpp"
#include "policy/send_window.hpp"
#include "queue/email_queue_item.hpp"
#include "util/time.hpp"

namespace eq::policy {

// Everything that decides whether and when one queue row is sent.
struct RowFacts {
    queue::EmailQueueItem item;
    std::optional<Timestamp> lease_until; // processing: when a crashed claim is recovered
    std::optional<std::string> claimed_by;
    campaign::RunControl run_control = campaign::RunControl::active;
    std::optional<std::string> control_reason;
    std::string run_status;                        // campaign_runs.status
    std::optional<std::string> hold_reason;        // the company's account hold
    std::optional<std::string> suppression_reason; // set when the address is suppressed
    bool suppressed = false;
    bool lead_has_email = true;
    bool lead_deleted = false;
    // earliest_due is ignored: the row's own time counts; the window is the row's own
    // (in its lead's zone when it has one).
    SendState company;
    std::optional<std::string> window_zone; // the zone the row's window applies in
    std::int64_t rows_ahead = 0;            // due rows of the company before this one in send order
};

// One reason; `until` when it ends by itself at a known time.
struct Reason {
    std::string code;
    std::string message;
    std::optional<Timestamp> until;
};

// Why the row has not been sent (or what became of it), every reason that applies,
// the blocking ones first. Codes: sent, failed, skipped, cancelled, unknown_outcome,
// processing, stuck, run_cancelled, run_paused, throttle_disabled, company_held,
// scheduled, backoff, hourly_limit, daily_limit, limit_zero, outside_window, pacing,
// suppressed, no_address, lead_deleted, due.
std::vector<Reason> explain_row(const RowFacts& facts, Timestamp now);

} // namespace eq::policy
