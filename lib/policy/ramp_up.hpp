#pragma once

#include <optional>
#include <string_view>

#include "util/time.hpp"

namespace eq::policy {

// The daily limit of a sending account that is warming up: ramp_start on the day it
// started (YYYY-MM-DD, a UTC day), ramp_step more for each whole day since, never above
// max_per_day. Without a ramp (no ramp_start) or before its start: ramp_start (or the
// maximum when there is no ramp). Never negative.
int ramped_daily_limit(int max_per_day, std::optional<int> ramp_start, int ramp_step,
                       std::optional<std::string_view> started_on, Timestamp now);

} // namespace eq::policy
