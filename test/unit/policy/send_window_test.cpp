#include <catch2/catch.hpp>

#include "policy/send_window.hpp"

using namespace eq;
using namespace eq::policy;
using namespace std::chrono;

namespace {

const Timestamp k_now = sys_days{2026y / 5 / 1} + hours(12);

Timestamp ago(Seconds s) {
    return k_now - s;
}

SendState state(std::int64_t per_hour, std::int64_t per_day) {
    SendState s;
    s.per_hour = per_hour;
    s.per_day = per_day;
    s.earliest_due = ago(minutes(5));
    return s;
}

} // namespace

TEST_CASE("a window is full until its oldest counted send leaves it", "[send_window]") {
    const std::vector<Timestamp> sends{ago(minutes(50)), ago(minutes(40)), ago(minutes(10))};
    CHECK(window_full_until(sends, 3, hours(1)) == ago(minutes(50)) + hours(1));
    CHECK(window_full_until(sends, 2, hours(1)) == ago(minutes(40)) + hours(1));
    CHECK_FALSE(window_full_until(sends, 4, hours(1)).has_value());
    CHECK_FALSE(window_full_until(sends, 0, hours(1)).has_value());
    // Two sends more than an hour apart never filled a window of two.
    const std::vector<Timestamp> spread{ago(minutes(150)), ago(minutes(80))};
    CHECK_FALSE(window_full_until(spread, 2, hours(1)).has_value());
}

TEST_CASE("the next send waits for the latest of due time, hold and windows", "[send_window]") {
    auto s = state(3, 100);
    CHECK(next_send(s, k_now).at == k_now);
    CHECK(next_send(s, k_now).reason == "due now");
    s.recent_sends = {ago(minutes(50)), ago(minutes(40))};
    s.in_flight = 1; // counts as sent now: the hour is full
    CHECK(next_send(s, k_now).at == ago(minutes(50)) + hours(1));
    CHECK(next_send(s, k_now).reason == "hourly limit");
    s.held_until = k_now + minutes(30);
    CHECK(next_send(s, k_now).reason == "company held");
    s.per_day = 3; // the day frees only when the oldest of the three is a day old
    CHECK(next_send(s, k_now).at == ago(minutes(50)) + hours(24));
    CHECK(next_send(s, k_now).reason == "daily limit");
}

TEST_CASE("some companies have no send coming", "[send_window]") {
    auto s = state(50, 500);
    s.earliest_due.reset();
    CHECK(next_send(s, k_now).reason == "nothing queued");
    s = state(50, 500);
    s.enabled = false;
    CHECK_FALSE(next_send(s, k_now).at.has_value());
    CHECK(next_send(s, k_now).reason == "throttle disabled");
    CHECK(next_send(state(0, 500), k_now).reason == "hourly limit is 0");
    CHECK(next_send(state(5, 0), k_now).reason == "daily limit is 0");
    s = state(50, 500);
    s.earliest_due = k_now + hours(2);
    CHECK(next_send(s, k_now).at == k_now + hours(2));
    CHECK(next_send(s, k_now).reason == "scheduled");
}

TEST_CASE("sendable_since measures waiting with budget only", "[send_window]") {
    auto s = state(2, 100);
    s.earliest_due = ago(hours(3));
    CHECK(sendable_since(s, k_now) == ago(hours(3)));
    // Full until 10 minutes ago: it could send only since then.
    s.recent_sends = {ago(minutes(80)), ago(minutes(75))};
    CHECK(sendable_since(s, k_now) == ago(minutes(80)) + hours(1));
    // Full now: not waiting with budget.
    s.recent_sends = {ago(minutes(30)), ago(minutes(20))};
    CHECK_FALSE(sendable_since(s, k_now).has_value());
    s.recent_sends.clear();
    s.held_until = ago(minutes(5));
    CHECK(sendable_since(s, k_now) == ago(minutes(5)));
}

TEST_CASE("a closed sending window and the pacing gap delay the next send", "[send_window]") {
    auto s = state(50, 500);
    s.window_opens = k_now + hours(3);
    auto next = next_send(s, k_now);
    CHECK(next.at == k_now + hours(3));
    CHECK(next.reason == "sending window");
    s.paced_until = k_now + hours(4);
    next = next_send(s, k_now);
    CHECK(next.at == k_now + hours(4));
    CHECK(next.reason == "pacing");
    // A pacing slot already passed holds nothing back.
    s = state(50, 500);
    s.paced_until = ago(minutes(1));
    CHECK(next_send(s, k_now).reason == "due now");
    // A window with no day left never opens: no send is coming.
    s.window_never_opens = true;
    next = next_send(s, k_now);
    CHECK_FALSE(next.at.has_value());
    CHECK(next.reason == "window never opens");
    CHECK_FALSE(sendable_since(s, k_now).has_value());
}
