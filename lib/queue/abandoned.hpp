#pragma once

#include <cstdint>
#include <string>

#include "db/connection.hpp"

namespace eq::queue {

// Gives back at once every row `worker` still holds ('processing'), when its run stops
// on a database error it can tell is not an outage (process/processor.cpp) rather than
// leaving them to lease recovery (lease.hpp): rows whose send had not started go back
// to 'pending' (or 'cancelled' with their run), rows whose send had started are held,
// their outcome unknown. Returns how many rows it changed.
std::int64_t recover_abandoned(db::Connection& conn, const std::string& worker);

} // namespace eq::queue
