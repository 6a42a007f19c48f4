#include "process/leases.hpp"

#include <algorithm>

namespace eq::process {

void LeaseKeeper::renew_if_due() {
    if (!m_dry_run && m_timer.renewal_due(m_clock.now())) {
        renew();
    }
}

void LeaseKeeper::cover(Clock::duration step) {
    if (!m_dry_run && !m_timer.covers(m_clock.now(), step)) {
        renew();
    }
}

bool LeaseKeeper::still_held(const Uuid& row) const {
    return !m_held_at_renewal ||
           std::binary_search(m_held_at_renewal->begin(), m_held_at_renewal->end(), row);
}

void LeaseKeeper::renew() {
    const auto before = m_clock.now();
    auto renewed = m_renew();
    std::sort(renewed.begin(), renewed.end());
    m_held_at_renewal = std::move(renewed);
    m_timer.renewed(before);
}

} // namespace eq::process
