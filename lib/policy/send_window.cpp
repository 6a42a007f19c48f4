#include "policy/send_window.hpp"

#include <algorithm>

namespace eq::policy {

namespace {

using namespace std::chrono;

constexpr Seconds k_hour = hours(1);
constexpr Seconds k_day = hours(24);

// The sends that count at `now`: recent ones plus one per row in flight, at now.
std::vector<Timestamp> counted_sends(const SendState& s, Timestamp now) {
    std::vector<Timestamp> out;
    out.reserve(s.recent_sends.size() +
                static_cast<std::size_t>(std::max<std::int64_t>(0, s.in_flight)));
    for (const auto t : s.recent_sends) {
        out.push_back(std::min(t, now));
    }
    for (std::int64_t i = 0; i < s.in_flight; ++i) {
        out.push_back(now);
    }
    std::sort(out.begin(), out.end());
    return out;
}

struct Bound {
    Timestamp at;
    std::string_view reason;
};

// The latest of the times that hold the company back, with the reason of the latest.
Bound latest_bound(const SendState& s, Timestamp start, std::string_view start_reason,
                   const std::vector<Timestamp>& sends) {
    Bound b{start, start_reason};
    const auto later = [&](std::optional<Timestamp> t, std::string_view why) {
        if (t && *t > b.at) {
            b = {*t, why};
        }
    };
    later(s.held_until, "company held");
    later(window_full_until(sends, s.per_hour, k_hour), "hourly limit");
    later(window_full_until(sends, s.per_day, k_day), "daily limit");
    later(s.window_opens, "sending window");
    later(s.paced_until, "pacing");
    return b;
}

} // namespace

std::optional<Timestamp> window_full_until(std::span<const Timestamp> sends, std::int64_t limit,
                                           Seconds window) {
    if (limit <= 0 || static_cast<std::int64_t>(sends.size()) < limit) {
        return std::nullopt;
    }
    const auto n = sends.size();
    const auto l = static_cast<std::size_t>(limit);
    // The window is full from sends[i + l - 1] until sends[i] + window whenever those l
    // sends fit in one window; that end grows with i, so the latest fitting i wins.
    for (std::size_t i = n - l + 1; i-- > 0;) {
        if (sends[i + l - 1] - sends[i] < window) {
            return sends[i] + window;
        }
    }
    return std::nullopt;
}

NextSend next_send(const SendState& s, Timestamp now) {
    if (!s.earliest_due) {
        return {std::nullopt, "nothing queued"};
    }
    if (!s.enabled) {
        return {std::nullopt, "throttle disabled"};
    }
    if (s.per_hour <= 0) {
        return {std::nullopt, "hourly limit is 0"};
    }
    if (s.per_day <= 0) {
        return {std::nullopt, "daily limit is 0"};
    }
    if (s.window_never_opens) {
        return {std::nullopt, "window never opens"};
    }
    const bool scheduled = *s.earliest_due > now;
    const auto b = latest_bound(s, scheduled ? *s.earliest_due : now,
                                scheduled ? "scheduled" : "due now", counted_sends(s, now));
    return {b.at, b.reason};
}

std::optional<Timestamp> sendable_since(const SendState& s, Timestamp now) {
    const auto next = next_send(s, now);
    if (!next.at || *next.at > now) {
        return std::nullopt;
    }
    return latest_bound(s, *s.earliest_due, "due", counted_sends(s, now)).at;
}

} // namespace eq::policy
