#include "policy/budget.hpp"

#include <algorithm>

namespace eq::policy {

Budget compute_budget(const throttle::EmailThrottleSettings& settings,
                      const throttle::WindowUsage& usage, int batch_cap) {
    if (!settings.enabled) {
        return {0, Limit::disabled};
    }
    const std::int64_t hour = settings.max_emails_per_hour - usage.sent_last_hour - usage.in_flight;
    const std::int64_t day = settings.max_emails_per_day - usage.sent_last_day - usage.in_flight;
    const std::int64_t allowed = std::min({hour, day, std::int64_t{batch_cap}});
    Budget b{std::max<std::int64_t>(0, allowed), allowed == hour  ? Limit::hourly_limit
                                                 : allowed == day ? Limit::daily_limit
                                                                  : Limit::batch_cap};
    return b;
}

} // namespace eq::policy
