#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "util/time.hpp"

namespace eq::policy {

// How one invocation spreads a company's sends (see docs/processing.md, "Pacing").
//
// The run that holds the company's lock plans its sends: the first at the later of now
// and the company's next_send_at, each next one min_gap plus a random part of jitter
// after the previous, as many as the budget allows and as start within run_length of
// now. It claims that many rows, sends each at its planned time, and stores as the
// company's next_send_at the slot after its last one, so an overlapping run plans after
// it. The hourly and daily limits stay exact: the budget is computed first, and
// claimed rows count against both windows while they wait.
struct PlannedSend {
    Seconds offset;      // from now
    Timestamp following; // the earliest start of the company's send after this one
};
struct PacingPlan {
    bool paced = false;             // min_gap or jitter set
    std::vector<PlannedSend> sends; // ascending; one per row to claim
    // What to store as next_send_at once `claimed` rows (at most sends.size()) were
    // claimed; nothing: leave it as it is (not paced, or nothing claimed).
    std::optional<Timestamp> next_send_at(std::size_t claimed) const;
};

// `draw` returns a number in [0, 1) for each jitter. A zero min_gap and jitter means no
// pacing: `budget` rows at offset 0.
PacingPlan plan_sends(Timestamp now, std::optional<Timestamp> next_send_at, Seconds min_gap,
                      Seconds jitter, Seconds run_length, std::int64_t budget,
                      const std::function<double()>& draw);

} // namespace eq::policy
