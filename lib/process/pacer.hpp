#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <stop_token>

#include "policy/pacing.hpp"
#include "process/clock.hpp"
#include "util/time.hpp"

namespace eq::process {

// The timing decisions of one batch, on its Clock: when each paced send is due, when
// the leases of the rows it holds must be renewed, when a sent message also writes the
// company's last_sent_at. They decide; the batch does the waiting and the writing.

// When a paced batch sends: the plan's offsets count from the claim.
class Pacer {
public:
    Pacer() = default;
    Pacer(policy::PacingPlan plan, Clock::time_point claimed_at)
        : m_plan(std::move(plan)), m_claimed_at(claimed_at) {}

    bool paced() const { return m_plan.paced; }

    // Counts one more send started and gives its planned slot; nothing when it need
    // not wait (not paced, or past the plan).
    std::optional<Clock::time_point> take_slot();

private:
    policy::PacingPlan m_plan;
    Clock::time_point m_claimed_at;
    std::size_t m_sends_started = 0;
};

// How often a wait for a slot looks at the stop request.
inline constexpr auto k_wait_step = std::chrono::milliseconds(200);

// Waits on `clock` until `due`, in steps of at most k_wait_step, calling `tick` before
// each step; false (at once) when a stop is requested.
bool wait_until(Clock& clock, Clock::time_point due, const std::stop_token& stop,
                const std::function<void()>& tick);

// How often a batch's sent messages refresh the company's last_sent_at.
inline constexpr auto k_company_touch_interval = std::chrono::seconds(1);

// Whether a sent message also writes the company's row: the batch's first, then one an
// interval (queue::SentRecord::touch_company).
class TouchGate {
public:
    bool due(Clock::time_point now) {
        if (m_touched && now - *m_touched < k_company_touch_interval) {
            return false;
        }
        m_touched = now;
        return true;
    }

private:
    std::optional<Clock::time_point> m_touched;
};

} // namespace eq::process
