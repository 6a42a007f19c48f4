#include "policy/ramp_up.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>

namespace eq::policy {

namespace {

// Days from 1970-01-01 of a YYYY-MM-DD text, or nothing.
std::optional<std::int64_t> day_number(std::string_view s) {
    int y = 0;
    unsigned m = 0, d = 0;
    if (s.size() != 10 || std::from_chars(s.data(), s.data() + 4, y).ptr != s.data() + 4 ||
        std::from_chars(s.data() + 5, s.data() + 7, m).ptr != s.data() + 7 ||
        std::from_chars(s.data() + 8, s.data() + 10, d).ptr != s.data() + 10) {
        return std::nullopt;
    }
    const std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(m),
                                          std::chrono::day(d)};
    if (!ymd.ok()) {
        return std::nullopt;
    }
    return std::chrono::sys_days(ymd).time_since_epoch().count();
}

} // namespace

int ramped_daily_limit(int max_per_day, std::optional<int> ramp_start, int ramp_step,
                       std::optional<std::string_view> started_on, Timestamp now) {
    if (!ramp_start) {
        return std::max(0, max_per_day);
    }
    std::int64_t days = 0;
    if (const auto start = started_on ? day_number(*started_on) : std::nullopt) {
        const auto today = std::chrono::floor<std::chrono::days>(now).time_since_epoch().count();
        days = std::max<std::int64_t>(0, today - *start);
    }
    const std::int64_t limit =
        static_cast<std::int64_t>(*ramp_start) + days * static_cast<std::int64_t>(ramp_step);
    return static_cast<int>(std::clamp<std::int64_t>(limit, 0, std::max(0, max_per_day)));
}

} // namespace eq::policy
