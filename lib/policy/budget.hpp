#pragma once

#include <cstdint>

#include "throttle/email_throttle_settings.hpp"
#include "util/enum_text.hpp"

namespace eq::policy {

// Which limit decided a budget.
enum class Limit { disabled, hourly_limit, daily_limit, batch_cap };

constexpr EnumTexts<Limit, 4> enum_texts(Limit) {
    return {{{Limit::disabled, "disabled"},
             {Limit::hourly_limit, "hourly limit"},
             {Limit::daily_limit, "daily limit"},
             {Limit::batch_cap, "batch cap"}}};
}

// How many rows a company may claim now, and which limit decided it.
struct Budget {
    std::int64_t allowed = 0;
    Limit limited_by = Limit::disabled;
};

// budget = min(hour limit - sent in the last hour - in flight,
//              day limit - sent in the last 24 hours - in flight,
//              batch_cap), never negative; 0 when the company is disabled.
// Rows in flight count against both windows, so overlapping runs cannot overshoot.
Budget compute_budget(const throttle::EmailThrottleSettings& settings,
                      const throttle::WindowUsage& usage, int batch_cap);

} // namespace eq::policy
