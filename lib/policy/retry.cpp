#include "policy/retry.hpp"

#include <algorithm>
#include <cmath>

namespace eq::policy {

namespace {

// 2^n without overflow: anything past 2^30 is far beyond every cap.
std::int64_t power_of_two(int n) {
    return std::int64_t{1} << std::clamp(n, 0, 30);
}

} // namespace

Seconds retry_delay(int retry_count, double jitter_unit, Seconds cap) {
    const double base = 60.0 * static_cast<double>(power_of_two(retry_count));
    const double jitter = std::clamp(jitter_unit, 0.0, 1.0) * 0.25;
    const auto seconds = static_cast<std::int64_t>(std::llround(base * (1.0 + jitter)));
    return std::min(Seconds{seconds}, cap);
}

Seconds company_hold_delay(int consecutive_holds, Seconds base, Seconds cap) {
    const auto factor = power_of_two(consecutive_holds);
    if (base.count() > 0 && factor > cap.count() / base.count()) {
        return cap;
    }
    return std::min(Seconds{base.count() * factor}, cap);
}

} // namespace eq::policy
