#include <catch2/catch.hpp>

#include "policy/pacing.hpp"

using namespace eq;
using namespace eq::policy;
using namespace std::chrono;

namespace {

const Timestamp k_now = sys_days{2026y / 5 / 1} + hours(12);

double half() {
    return 0.5;
}
double none() {
    return 0.0;
}

} // namespace

TEST_CASE("without a gap the whole budget goes at once and nothing is reserved", "[pacing]") {
    const auto plan = plan_sends(k_now, std::nullopt, Seconds(0), Seconds(0), minutes(4), 7, half);
    CHECK_FALSE(plan.paced);
    REQUIRE(plan.sends.size() == 7);
    CHECK(plan.sends.back().offset == Seconds(0));
    CHECK_FALSE(plan.next_send_at(7).has_value());
}

TEST_CASE("sends are spaced by the gap plus jitter within the run length", "[pacing]") {
    // 60 s + half of 120 s = 120 s apart: 0, 120, 240 fit in four minutes.
    const auto plan =
        plan_sends(k_now, std::nullopt, seconds(60), seconds(120), minutes(4), 10, half);
    REQUIRE(plan.sends.size() == 3);
    CHECK(plan.sends[0].offset == Seconds(0));
    CHECK(plan.sends[1].offset == Seconds(120));
    CHECK(plan.sends[2].offset == Seconds(240));
    // The slot after the last claimed row is what the next run must wait for.
    CHECK(plan.next_send_at(3) == k_now + seconds(360));
    CHECK(plan.next_send_at(1) == k_now + seconds(120));
    CHECK_FALSE(plan.next_send_at(0).has_value());
}

TEST_CASE("the budget caps a paced run, so the limits stay exact", "[pacing]") {
    const auto plan = plan_sends(k_now, std::nullopt, seconds(10), Seconds(0), minutes(4), 2, none);
    CHECK(plan.sends.size() == 2);
    CHECK(plan.next_send_at(2) == k_now + seconds(20));
    CHECK(plan_sends(k_now, std::nullopt, seconds(10), Seconds(0), minutes(4), 0, none)
              .sends.empty());
}

TEST_CASE("a run starts after the slot an earlier run reserved", "[pacing]") {
    auto plan =
        plan_sends(k_now, k_now + seconds(90), seconds(60), Seconds(0), minutes(4), 10, none);
    REQUIRE(plan.sends.size() == 3); // 90, 150, 210
    CHECK(plan.sends[0].offset == Seconds(90));
    CHECK(plan.sends[2].offset == Seconds(210));
    // A reservation beyond the run length leaves nothing for this run.
    plan = plan_sends(k_now, k_now + minutes(10), seconds(60), Seconds(0), minutes(4), 10, none);
    CHECK(plan.sends.empty());
    CHECK_FALSE(plan.next_send_at(0).has_value());
    // A reservation in the past counts from now.
    plan = plan_sends(k_now, k_now - hours(1), seconds(60), Seconds(0), minutes(4), 10, none);
    CHECK(plan.sends.front().offset == Seconds(0));
}

TEST_CASE("jitter alone paces, and its draw is never more than the jitter", "[pacing]") {
    const auto plan = plan_sends(k_now, std::nullopt, Seconds(0), seconds(100), minutes(4), 10,
                                 [] { return 0.999999; });
    REQUIRE(plan.paced);
    REQUIRE(plan.sends.size() >= 2);
    for (std::size_t i = 1; i < plan.sends.size(); ++i) {
        const auto gap = plan.sends[i].offset - plan.sends[i - 1].offset;
        CHECK(gap <= seconds(100));
        CHECK(gap >= seconds(99));
    }
}
