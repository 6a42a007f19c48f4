#include "policy/pacing.hpp"

#include <algorithm>
#include <cmath>

namespace eq::policy {

std::optional<Timestamp> PacingPlan::next_send_at(std::size_t claimed) const {
    if (!paced || claimed == 0 || sends.empty()) {
        return std::nullopt;
    }
    return sends[std::min(claimed, sends.size()) - 1].following;
}

PacingPlan plan_sends(Timestamp now, std::optional<Timestamp> next_send_at, Seconds min_gap,
                      Seconds jitter, Seconds run_length, std::int64_t budget,
                      const std::function<double()>& draw) {
    PacingPlan plan;
    plan.paced = min_gap.count() > 0 || jitter.count() > 0;
    if (!plan.paced) {
        plan.sends.assign(static_cast<std::size_t>(std::max<std::int64_t>(0, budget)),
                          PlannedSend{Seconds(0), now});
        return plan;
    }
    auto slot = std::max(now, next_send_at.value_or(now));
    const auto last_start = now + run_length;
    while (static_cast<std::int64_t>(plan.sends.size()) < budget && slot <= last_start) {
        const auto spread = std::chrono::microseconds(static_cast<std::int64_t>(
            std::floor(draw() * static_cast<double>(std::chrono::microseconds(jitter).count()))));
        const auto following = slot + min_gap + spread;
        plan.sends.push_back({std::chrono::ceil<Seconds>(slot - now), following});
        slot = following;
    }
    return plan;
}

} // namespace eq::policy
