#pragma once

#include "util/time.hpp"

namespace eq::policy {

// When a row that failed transiently is tried again. The seed's rule: after the n-th
// failure (n = the new retry_count, 1, 2, 3, ...) wait 2^n minutes. Jitter spreads rows
// that failed together: the delay is stretched by up to 25% (jitter_unit in [0, 1), a
// random draw the caller makes). The result never exceeds cap.
Seconds retry_delay(int retry_count, double jitter_unit, Seconds cap);

// How long a company is held after an account-level failure (authentication refused,
// TLS failure, server down, quota): base doubled for each hold in a row before this one
// (consecutive_holds = 0 for the first), never more than cap.
Seconds company_hold_delay(int consecutive_holds, Seconds base, Seconds cap);

// The seed's rule: a row whose retry_count (after this failure) reaches max_retries has
// used its retries and fails for good.
inline bool retries_exhausted(int retry_count, int max_retries) {
    return retry_count >= max_retries;
}

} // namespace eq::policy
