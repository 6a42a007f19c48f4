#include <catch2/catch.hpp>

#include "process/leases.hpp"
#include "process/pacer.hpp"
#include "unit/process/fakes.hpp"

using namespace eq;
using process::Clock;
using test::FakeClock;
using namespace std::chrono_literals;

namespace {

policy::PacingPlan plan(bool paced, std::vector<int> offsets_s) {
    policy::PacingPlan p;
    p.paced = paced;
    for (const int s : offsets_s) {
        p.sends.push_back({Seconds(s), Timestamp{}});
    }
    return p;
}

} // namespace

TEST_CASE("a paced batch's sends are due at their planned offsets from the claim",
          "[batch][pacing]") {
    const Clock::time_point claimed{std::chrono::hours(5)};
    process::Pacer pacer(plan(true, {0, 60, 120}), claimed);
    CHECK(pacer.paced());
    CHECK(pacer.take_slot() == claimed);
    CHECK(pacer.take_slot() == claimed + 60s);
    CHECK(pacer.take_slot() == claimed + 120s);
    CHECK_FALSE(pacer.take_slot()); // past the plan: no wait
}

TEST_CASE("an unpaced batch never waits", "[batch][pacing]") {
    process::Pacer pacer(plan(false, {0, 0}), Clock::time_point{});
    CHECK_FALSE(pacer.paced());
    CHECK_FALSE(pacer.take_slot());
    CHECK_FALSE(pacer.take_slot());
}

TEST_CASE("a wait for a slot sleeps in steps until it is due", "[batch][pacing]") {
    FakeClock clock;
    std::stop_source stop;
    int ticks = 0;
    const auto due = clock.now() + 500ms;
    CHECK(process::wait_until(clock, due, stop.get_token(), [&] { ++ticks; }));
    CHECK(clock.now() == due);
    CHECK(ticks == 3);
    CHECK(clock.sleeps == std::vector<Clock::duration>{200ms, 200ms, 100ms});
}

TEST_CASE("a slot already due is no wait", "[batch][pacing]") {
    FakeClock clock;
    std::stop_source stop;
    int ticks = 0;
    CHECK(process::wait_until(clock, clock.now() - 1s, stop.get_token(), [&] { ++ticks; }));
    CHECK(ticks == 0);
    CHECK(clock.sleeps.empty());
}

TEST_CASE("a stop request ends a wait for a slot within one step", "[batch][pacing][stop]") {
    FakeClock clock;
    std::stop_source stop;
    clock.on_sleep = [&] {
        if (clock.sleeps.size() == 2) {
            stop.request_stop();
        }
    };
    const auto start = clock.now();
    CHECK_FALSE(process::wait_until(clock, start + 1h, stop.get_token(), [] {}));
    CHECK(clock.now() - start == 400ms);
}

TEST_CASE("a stop requested before a wait ends it at once", "[batch][pacing][stop]") {
    FakeClock clock;
    std::stop_source stop;
    stop.request_stop();
    CHECK_FALSE(process::wait_until(clock, clock.now() + 1s, stop.get_token(), [] {}));
    CHECK(clock.sleeps.empty());
}

TEST_CASE("leases are renewed every third of a lease and before a step they would not "
          "outlast",
          "[batch][leases]") {
    FakeClock clock;
    int renewals = 0;
    std::vector<Uuid> held{Uuid::random(), Uuid::random()};
    process::LeaseKeeper leases(clock, Seconds(600), false, [&] {
        ++renewals;
        return held;
    });
    leases.claimed(clock.now());

    clock.advance(199s);
    leases.renew_if_due();
    CHECK(renewals == 0);
    clock.advance(1s);
    leases.renew_if_due();
    CHECK(renewals == 1);

    // 600 s from the renewal: a 240 s send fits with the 1 s margin until 359 s later.
    clock.advance(359s);
    leases.cover(240s);
    CHECK(renewals == 1);
    clock.advance(1s);
    leases.cover(240s);
    CHECK(renewals == 2);
}

TEST_CASE("a row missing from the last renewal is no longer the run's", "[batch][leases]") {
    FakeClock clock;
    const auto kept = Uuid::random();
    const auto taken = Uuid::random();
    process::LeaseKeeper leases(clock, Seconds(600), false, [&] { return std::vector{kept}; });
    leases.claimed(clock.now());
    CHECK(leases.still_held(taken)); // no renewal yet: every claimed row is
    clock.advance(200s);
    leases.renew_if_due();
    CHECK(leases.still_held(kept));
    CHECK_FALSE(leases.still_held(taken));
}

TEST_CASE("a dry run renews no lease", "[batch][leases]") {
    FakeClock clock;
    int renewals = 0;
    process::LeaseKeeper leases(clock, Seconds(600), true, [&] {
        ++renewals;
        return std::vector<Uuid>{};
    });
    leases.claimed(clock.now());
    clock.advance(1h);
    leases.renew_if_due();
    leases.cover(1h);
    CHECK(renewals == 0);
}

TEST_CASE("sent messages write the company's row at most once a second", "[batch][pacing]") {
    FakeClock clock;
    process::TouchGate touch;
    CHECK(touch.due(clock.now()));
    clock.advance(999ms);
    CHECK_FALSE(touch.due(clock.now()));
    clock.advance(1ms);
    CHECK(touch.due(clock.now()));
    CHECK_FALSE(touch.due(clock.now()));
}
