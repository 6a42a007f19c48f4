#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "util/time.hpp"

namespace eq::policy {

// The end of the latest period during which a sliding window of length `window` held
// `limit` or more of the sends (times, ascending): from then on the window has room
// again. In the future: the window is full now and frees at that time. In the past:
// when it last freed. Nothing when the sends never filled it. A limit of 0 is never
// full in this sense (the caller treats it as "never sends").
std::optional<Timestamp> window_full_until(std::span<const Timestamp> sends_ascending,
                                           std::int64_t limit, Seconds window);

// What decides when a company's next email can go.
struct SendState {
    bool enabled = true;
    std::int64_t per_hour = 0;
    std::int64_t per_day = 0;
    // processed_at of rows sent or held (possibly sent) in the last 48 hours, any order.
    std::vector<Timestamp> recent_sends;
    // Rows claimed right now: they count in both windows as if sent now.
    std::int64_t in_flight = 0;
    std::optional<Timestamp> held_until; // an account hold
    // The earliest scheduled_for of the rows the company could send (pending, in runs
    // neither paused nor cancelled); nothing when there are none.
    std::optional<Timestamp> earliest_due;
    // The sending window (lib/throttle/sending_schedule.hpp), judged in the company's
    // zone: when it next opens if it is closed now; window_never_opens when no day is
    // left to send on.
    std::optional<Timestamp> window_opens;
    bool window_never_opens = false;
    // Pacing: the company's next send may not start before this.
    std::optional<Timestamp> paced_until;
};

struct NextSend {
    // Nothing: no send is coming without an operator (nothing queued, throttle
    // disabled, a limit of 0).
    std::optional<Timestamp> at;
    // What decides it: "due now", "scheduled", "company held", "hourly limit",
    // "daily limit", "sending window", "pacing", "nothing queued", "throttle disabled",
    // "hourly limit is 0", "daily limit is 0", "window never opens".
    std::string_view reason;
};

// The earliest time at which queue-process may send the company's next email: the
// latest of now, the earliest due row, the end of an account hold, the times the
// hourly and daily windows have room again, the opening of the sending window and the
// end of the pacing gap. (The next cron run after that sends it.)
NextSend next_send(const SendState& state, Timestamp now);

// Since when the company could have sent its oldest due row (it had a due row, no hold
// and room in both windows), or nothing when it cannot send now. now - this is how
// long that row waited while the company had budget: the backlog that `health` checks.
std::optional<Timestamp> sendable_since(const SendState& state, Timestamp now);

} // namespace eq::policy
