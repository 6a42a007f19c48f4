#pragma once

#include <cstdint>
#include <string_view>

#include "throttle/email_throttle_settings.hpp"
#include "throttle/throttle_repository.hpp"

namespace eq::policy {

// How many rows a company may claim now, and which limit decided it.
struct Budget {
    std::int64_t allowed = 0;
    // "disabled", "hourly limit", "daily limit" or "batch cap".
    std::string_view limited_by;
};

// budget = min(hour limit - sent in the last hour - in flight,
//              day limit - sent in the last 24 hours - in flight,
//              batch_cap), never negative; 0 when the company is disabled.
// Rows in flight count against both windows, so overlapping runs cannot overshoot.
Budget compute_budget(const throttle::EmailThrottleSettings& settings,
                      const throttle::WindowUsage& usage, int batch_cap);

} // namespace eq::policy
