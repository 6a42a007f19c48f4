#include "process/claim.hpp"

#include <fmt/format.h>

#include "policy/budget.hpp"
#include "policy/ramp_up.hpp"
#include "process/jitter.hpp"
#include "queue/lease.hpp"
#include "queue/queue_repository.hpp"
#include "throttle/company_state.hpp"
#include "throttle/sending_schedule.hpp"
#include "throttle/throttle_repository.hpp"
#include "util/time.hpp"

namespace eq::process {

Claim claim_rows(db::Connection& c, const config::Config& config, const Uuid& company,
                 const std::string& worker, bool dry_run, const Clock& clock) {
    Claim claim;
    db::Transaction tx(c);
    queue::lock_company(c, company);
    const auto settings =
        throttle::get_email_throttle_settings(c, company, throttle::ThrottleDefaults::from(config));
    const auto state = throttle::get_company_state(c, company);
    if (state.held_now) {
        claim.held = fmt::format("held until {}: {}", format_timestamp(*state.held_until),
                                 state.hold_reason.value_or("account error"));
        return claim;
    }
    const auto usage = throttle::get_window_usage(c, company);
    const auto schedule = throttle::get_sending_schedule(c, company);
    const auto now = throttle::database_clock(c);
    claim.claimed_at = clock.now(); // the plan's offsets count from here
    auto limits = settings;
    limits.max_emails_per_day =
        policy::ramped_daily_limit(settings.max_emails_per_day, schedule.ramp_start,
                                   schedule.ramp_step, schedule.ramp_started_on, now);
    const auto budget = policy::compute_budget(limits, usage, config.processing.batch_cap);
    if (budget.limited_by == policy::Limit::disabled) {
        claim.held = "throttle disabled";
        return claim;
    }
    claim.plan = policy::plan_sends(now, state.next_send_at, schedule.min_gap, schedule.jitter,
                                    config.processing.run_length, budget.allowed, jitter_draw);
    const auto limit = static_cast<std::int64_t>(claim.plan.sends.size());
    if (dry_run) {
        claim.ids = queue::claimable_rows(c, company, limit);
    } else {
        claim.ids = queue::claim_rows(c, company, limit, worker, config.processing.lease);
        // The slots this run took are reserved before the lock is released.
        if (const auto next = claim.plan.next_send_at(claim.ids.size())) {
            throttle::set_next_send_at(c, company, *next);
        }
    }
    tx.commit();
    return claim;
}

} // namespace eq::process
