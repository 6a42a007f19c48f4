#include "process/pacer.hpp"

#include <algorithm>

namespace eq::process {

std::optional<Clock::time_point> Pacer::take_slot() {
    const auto index = m_sends_started++;
    if (!m_plan.paced || index >= m_plan.sends.size()) {
        return std::nullopt;
    }
    return m_claimed_at + m_plan.sends[index].offset;
}

bool wait_until(Clock& clock, Clock::time_point due, const std::stop_token& stop,
                const std::function<void()>& tick) {
    while (clock.now() < due) {
        if (stop.stop_requested()) {
            return false;
        }
        tick();
        clock.sleep_for(std::min<Clock::duration>(k_wait_step, due - clock.now()));
    }
    return true;
}

} // namespace eq::process
