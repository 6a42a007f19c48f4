#include <catch2/catch.hpp>

#include "policy/budget.hpp"

using namespace eq;
using eq::policy::compute_budget;
using eq::policy::Limit;

namespace {

throttle::EmailThrottleSettings limits(int hour, int day, bool enabled = true) {
    throttle::EmailThrottleSettings s;
    s.max_emails_per_hour = hour;
    s.max_emails_per_day = day;
    s.enabled = enabled;
    return s;
}

} // namespace

TEST_CASE("the budget is the smallest of hour, day and batch cap", "[budget]") {
    CHECK(compute_budget(limits(50, 500), {0, 0, 0}, 10).allowed == 10);
    CHECK(compute_budget(limits(50, 500), {0, 0, 0}, 10).limited_by == Limit::batch_cap);
    CHECK(compute_budget(limits(50, 500), {45, 45, 0}, 10).allowed == 5);
    CHECK(compute_budget(limits(50, 500), {45, 45, 0}, 10).limited_by == Limit::hourly_limit);
    CHECK(compute_budget(limits(50, 500), {0, 497, 0}, 10).allowed == 3);
    CHECK(compute_budget(limits(50, 500), {0, 497, 0}, 10).limited_by == Limit::daily_limit);
}

TEST_CASE("the budget is zero exactly at the limits and never negative", "[budget]") {
    CHECK(compute_budget(limits(50, 500), {50, 50, 0}, 10).allowed == 0);
    CHECK(compute_budget(limits(50, 500), {49, 500, 0}, 10).allowed == 0);
    CHECK(compute_budget(limits(50, 500), {49, 49, 0}, 10).allowed == 1);
    CHECK(compute_budget(limits(50, 500), {80, 80, 0}, 10).allowed == 0);
    CHECK(compute_budget(limits(0, 0), {0, 0, 0}, 10).allowed == 0);
}

TEST_CASE("rows in flight count against both windows", "[budget]") {
    CHECK(compute_budget(limits(50, 500), {40, 40, 8}, 10).allowed == 2);
    CHECK(compute_budget(limits(50, 60), {0, 55, 3}, 10).allowed == 2);
}

TEST_CASE("a disabled company gets nothing", "[budget]") {
    const auto b = compute_budget(limits(50, 500, false), {0, 0, 0}, 10);
    CHECK(b.allowed == 0);
    CHECK(b.limited_by == Limit::disabled);
}

TEST_CASE("a budget's limit is named only at the edges", "[budget]") {
    CHECK(eq::to_text(Limit::hourly_limit) == "hourly limit");
    CHECK(eq::from_text<Limit>("batch cap") == Limit::batch_cap);
    CHECK_FALSE(eq::from_text<Limit>("batch_cap").has_value());
}
