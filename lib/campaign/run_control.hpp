#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "campaign/run_control_state.hpp"
#include "util/expected.hpp"
#include "util/time.hpp"
#include "util/uuid.hpp"

namespace eq::db {
class Connection;
}

namespace eq::campaign {

std::string_view to_string(RunControl c);
Expected<RunControl> parse_run_control(std::string_view text);

// What a pause, resume or cancel did. `changed` is false when the run already was in
// the requested state (asking twice is not an error).
struct ControlChange {
    RunControlState state;
    bool changed = false;
    std::int64_t rows_cancelled = 0; // cancel: pending rows now 'cancelled'
};

// The failure_reason a cancelled run shows in campaign_runs (status 'failed').
std::string cancelled_failure_reason(const std::optional<std::string>& reason);

// The run's control state. Throws eq::Error(not_found) for an unknown run.
RunControlState get_run_control(db::Connection& conn, const Uuid& run_id);

// Each runs in a transaction of its own, holding the campaign_runs row locked, so a
// concurrent change or claim sees all of it or nothing. Throws eq::Error: not_found for
// an unknown run; conflict for a cancelled run (pause, resume) and for a run that is
// over (status completed or failed with nothing pending or in flight).
ControlChange pause_run(db::Connection& conn, const Uuid& run_id,
                        const std::optional<std::string>& reason);
ControlChange resume_run(db::Connection& conn, const Uuid& run_id,
                         const std::optional<std::string>& reason);
// Also sets campaign_runs.status 'failed' with failure_reason
// "cancelled by operator[: <reason>]" and email_queue_runs.completed_at. Rows already
// being sent when it commits finish as they would have.
ControlChange cancel_run(db::Connection& conn, const Uuid& run_id,
                         const std::optional<std::string>& reason);
// pause_run, resume_run or cancel_run, as `verb` says.
ControlChange control_run(db::Connection& conn, const Uuid& run_id, ControlVerb verb,
                          const std::optional<std::string>& reason);

// Auto-pause: of `runs` (of one company), pauses each active one whose failed share of
// its finished attempts (rows sent, failed or held, since it was last resumed) exceeds
// the company's pause_failure_percent once there are pause_min_attempts of them
// (email_queue_schedules; nothing happens without a threshold). The reason is recorded
// in control_reason and auto_paused_at is set; 'queue-admin run resume' clears it and
// the count starts again. Returns the paused runs and their reasons.
struct AutoPaused {
    Uuid run_id;
    std::string reason;
};
std::vector<AutoPaused> auto_pause_failing_runs(db::Connection& conn, const Uuid& company_id,
                                                const std::vector<Uuid>& runs);

} // namespace eq::campaign
