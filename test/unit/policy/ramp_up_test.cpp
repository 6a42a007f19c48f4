#include <catch2/catch.hpp>

#include "policy/ramp_up.hpp"

using namespace eq;
using namespace eq::policy;
using namespace std::chrono;

namespace {

Timestamp on(year_month_day d, int hour = 12) {
    return sys_days{d} + hours(hour);
}

} // namespace

TEST_CASE("the daily limit grows by the step each day up to the maximum", "[ramp_up]") {
    const std::string_view start = "2026-05-01";
    CHECK(ramped_daily_limit(500, 20, 15, start, on(2026y / 5 / 1)) == 20);
    CHECK(ramped_daily_limit(500, 20, 15, start, on(2026y / 5 / 1, 23)) == 20);
    CHECK(ramped_daily_limit(500, 20, 15, start, on(2026y / 5 / 2, 0)) == 35);
    CHECK(ramped_daily_limit(500, 20, 15, start, on(2026y / 5 / 11)) == 170);
    // 20 + 15 * 32 = 500 on June 2nd; never above the maximum after.
    CHECK(ramped_daily_limit(500, 20, 15, start, on(2026y / 6 / 2)) == 500);
    CHECK(ramped_daily_limit(500, 20, 15, start, on(2027y / 1 / 1)) == 500);
}

TEST_CASE("before its start, without a step or without a ramp", "[ramp_up]") {
    CHECK(ramped_daily_limit(500, 20, 15, "2026-05-10", on(2026y / 5 / 1)) == 20);
    CHECK(ramped_daily_limit(500, 20, 0, "2026-05-01", on(2026y / 9 / 1)) == 20);
    CHECK(ramped_daily_limit(500, std::nullopt, 15, std::nullopt, on(2026y / 5 / 1)) == 500);
    // A start above the maximum is held to the maximum.
    CHECK(ramped_daily_limit(100, 300, 10, "2026-05-01", on(2026y / 5 / 1)) == 100);
    CHECK(ramped_daily_limit(0, 5, 10, "2026-05-01", on(2026y / 5 / 3)) == 0);
}
