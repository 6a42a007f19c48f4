#pragma once

#include <span>
#include <string>

#include "enqueue/enqueue_run.hpp"
#include "util/json.hpp"

namespace eq::enqueue {

// The --json document (the shape queue-enqueue(1) documents): dry_run, runs (one object
// per run: ids, created, status, failure_reason, the counts, leads_total), then the
// counts summed over the runs and failed_runs.
Json summary_json(std::span<const RunOutcome> outcomes, bool dry_run);

// The summary for a terminal: one block per run. For --due (due = true) a last line
// says how many campaigns were started, or that none was due.
std::string summary_text(std::span<const RunOutcome> outcomes, bool dry_run, bool due);

} // namespace eq::enqueue
