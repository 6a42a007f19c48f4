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

} // namespace eq::campaign
