#pragma once

#include <vector>

#include "db/connection.hpp"
#include "util/uuid.hpp"

namespace eq::campaign {

// The seed's check_campaign_runs_completion: each of the given runs that is 'running'
// and has no row left 'pending' or 'processing' becomes 'completed', and its completion
// time is recorded in email_queue_runs. Rows held for an operator (outcome unknown) do
// not keep a run open. Returns the runs completed now.
std::vector<Uuid> complete_finished_runs(db::Connection& conn, const std::vector<Uuid>& run_ids);

// The same for every 'running' run that has queue rows: the runs an invocation killed
// before it could complete them (its last rows recovered as held by a later run, or it
// died between its last outcome and the completion). queue-process runs it once per
// invocation, after recovering expired leases.
std::vector<Uuid> complete_all_finished_runs(db::Connection& conn);

} // namespace eq::campaign
