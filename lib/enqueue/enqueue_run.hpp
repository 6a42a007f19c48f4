#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "enqueue/fan_out.hpp"
#include "util/time.hpp"
#include "util/uuid.hpp"

namespace eq::config {
struct Config;
}
namespace eq::db {
class Connection;
}

namespace eq::enqueue {

struct EnqueueOptions {
    int priority = 1;                       // of every new row
    std::optional<Timestamp> scheduled_for; // of every new row; nothing: now
    // Count and validate only, in a read-only transaction: nothing is created, marked
    // or queued, and no run or campaign is locked.
    bool dry_run = false;
    // Around each fan-out, for a progress line on a terminal.
    std::function<void(std::string_view what)> on_fan_out_start;
    std::function<void()> on_fan_out_end;
};

// What happened to one campaign run.
struct RunOutcome {
    std::optional<Uuid> run_id; // nothing in a dry run that would create the run
    Uuid campaign_id;
    std::string campaign_name;
    std::optional<Uuid> company_id; // nothing when the run's campaign no longer exists
    bool created = false;           // the run was created by this call (or would be)
    // The run's status afterwards (in a dry run: what it would be): 'running', or
    // 'failed' when validation failed. A run that has queue rows already keeps its
    // status (and its rows) even when validation fails now.
    std::string status;
    // Why the campaign cannot be sent (campaign::sending_problems); nothing when valid.
    std::optional<std::string> failure_reason;
    FanOutCounts counts; // all zero when validation failed
    // The campaign's template is the web application's own: each email is written at send
    // time by content.command.
    bool content_at_send = false;

    bool failed() const { return failure_reason.has_value(); }
};

// Fans out an existing run: locks it, validates its campaign and company, queues the
// leads and sets status 'running' and leads_total, all in one transaction. Running it
// again adds nothing (and reports the leads as already queued). A run without queue
// rows that fails validation is marked 'failed' with failure_reason; the outcome says so.
// Throws eq::Error: not_found for an unknown run; conflict for a run that is completed,
// failed, or cancelled through the queue.
RunOutcome enqueue_run(db::Connection& conn, const config::Config& config, const Uuid& run_id,
                       const EnqueueOptions& options);

// Creates a run of the campaign and fans it out as enqueue_run() does, in one
// transaction. campaigns.auto_run_triggered is left alone: a run started by hand does
// not replace the scheduled one. Throws eq::Error(not_found) for an unknown campaign.
RunOutcome enqueue_campaign(db::Connection& conn, const config::Config& config,
                            const Uuid& campaign_id, const EnqueueOptions& options);

// Starts every due email campaign (scheduled_at passed, auto_run_triggered false): for
// each, in a transaction of its own, claims it (campaign::claim_due_campaign: concurrent
// callers never start one twice), creates a run and fans it out. A campaign that fails
// validation is still marked started, with its run 'failed', so cron does not retry it
// every five minutes. Oldest scheduled first.
std::vector<RunOutcome> enqueue_due(db::Connection& conn, const config::Config& config,
                                    const EnqueueOptions& options);

} // namespace eq::enqueue
