#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "campaign/run_control_state.hpp"
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

std::optional<CampaignRun> find_campaign_run(db::Connection& conn, const Uuid& id);

// A run together with the queue's control over it (email_queue_runs.control: active,
// paused or cancelled; 'active' when the queue has no row for it yet) and whether it
// has queue rows already (it was fanned out before, whatever its status says).
struct RunState {
    CampaignRun run;
    RunControl control = RunControl::active;
    bool has_rows = false;
};

// The run's state, or nothing when the run does not exist.
std::optional<RunState> find_run_state(db::Connection& conn, const Uuid& id);

// find_run_state() that also locks the run's row until the transaction ends, so that
// concurrent fan-outs and status changes of one run happen one after the other. Call
// inside a transaction (not a read-only one).
std::optional<RunState> lock_run_state(db::Connection& conn, const Uuid& id);

// A new run of the campaign: status idle, run_at now, nothing counted yet.
CampaignRun create_campaign_run(db::Connection& conn, const Uuid& campaign_id);

// status 'failed' with the reason (the web application shows failure_reason).
void mark_run_failed(db::Connection& conn, const Uuid& id, const std::string& reason);

// status 'running' with leads_total, and email_queue_runs.enqueued_at (the row is
// created with control 'active' when absent; an earlier enqueued_at is kept, so it
// says when the run was first fanned out).
void mark_run_running(db::Connection& conn, const Uuid& id, std::int64_t leads_total);

} // namespace eq::campaign
