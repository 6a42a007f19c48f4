#include "policy/explain.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>

namespace eq::policy {

namespace {

using queue::QueueStatus;

std::string at(Timestamp t) {
    return format_timestamp(t);
}

std::string in(Timestamp t, Timestamp now) {
    return format_duration(std::chrono::duration_cast<Seconds>(t - now));
}

std::string last_error(const queue::EmailQueueItem& item) {
    return item.error_message ? fmt::format(": {}", *item.error_message) : std::string();
}

void finished(const RowFacts& f, std::vector<Reason>& out) {
    const auto& item = f.item;
    const auto when = item.processed_at ? " at " + at(*item.processed_at) : std::string();
    switch (item.status) {
    case QueueStatus::sent:
        out.push_back({"sent", fmt::format("sent{}", when), std::nullopt});
        break;
    case QueueStatus::failed:
        out.push_back({"failed",
                       fmt::format("failed{} after {} of {} attempts{}; 'queue-admin retry' can "
                                   "re-drive it",
                                   when, item.retry_count, item.max_retries, last_error(item)),
                       std::nullopt});
        break;
    case QueueStatus::skipped:
        out.push_back({"skipped",
                       fmt::format("skipped{}: the address is on the do-not-email list{}", when,
                                   last_error(item)),
                       std::nullopt});
        break;
    case QueueStatus::cancelled:
        out.push_back(
            {"cancelled", fmt::format("cancelled{}{}", when, last_error(item)), std::nullopt});
        break;
    case QueueStatus::held:
        out.push_back({"unknown_outcome",
                       fmt::format("held{}: the SMTP outcome is unknown, the message may have "
                                   "been delivered{}; never resent automatically: "
                                   "'queue-admin mark-sent' if it arrived, 'queue-admin retry "
                                   "--status held' to send it again",
                                   when, last_error(item)),
                       std::nullopt});
        break;
    default:
        break;
    }
}

void in_flight(const RowFacts& f, Timestamp now, std::vector<Reason>& out) {
    const auto by = f.claimed_by ? " by " + *f.claimed_by : std::string();
    if (f.lease_until && *f.lease_until < now) {
        out.push_back({"stuck",
                       fmt::format("claimed{} but its lease expired at {}: the next queue-process "
                                   "run recovers it",
                                   by, at(*f.lease_until)),
                       std::nullopt});
        return;
    }
    out.push_back({"processing",
                   fmt::format("being sent now{}{}", by,
                               f.lease_until ? fmt::format(" (lease until {})", at(*f.lease_until))
                                             : std::string()),
                   f.lease_until});
}

void pending(const RowFacts& f, Timestamp now, std::vector<Reason>& out) {
    const auto& item = f.item;
    const auto& c = f.company;
    const auto reason_of = [](const std::optional<std::string>& r) {
        return r ? fmt::format(" ({})", *r) : std::string();
    };
    if (f.run_control == campaign::RunControl::cancelled) {
        out.push_back({"run_cancelled",
                       "its campaign run was cancelled" + reason_of(f.control_reason) +
                           ": it will not be sent",
                       std::nullopt});
    } else if (f.run_control == campaign::RunControl::paused) {
        out.push_back({"run_paused",
                       "its campaign run is paused" + reason_of(f.control_reason) +
                           ": 'queue-admin run resume' to go on",
                       std::nullopt});
    }
    if (!c.enabled) {
        out.push_back({"throttle_disabled",
                       "the company's throttle is disabled, so its queue is held: 'queue-admin "
                       "throttle set COMPANY --enable'",
                       std::nullopt});
    }
    if (c.held_until && *c.held_until > now) {
        out.push_back({"company_held",
                       fmt::format("the company is held until {} (in {}) after an account error{}",
                                   at(*c.held_until), in(*c.held_until, now),
                                   f.hold_reason ? ": " + *f.hold_reason : std::string()),
                       c.held_until});
    }
    if (item.scheduled_for > now) {
        if (item.retry_count > 0) {
            out.push_back({"backoff",
                           fmt::format("backing off after attempt {} of {} until {} (in {}){}",
                                       item.retry_count, item.max_retries, at(item.scheduled_for),
                                       in(item.scheduled_for, now), last_error(item)),
                           item.scheduled_for});
        } else {
            out.push_back({"scheduled",
                           fmt::format("scheduled for {} (in {})", at(item.scheduled_for),
                                       in(item.scheduled_for, now)),
                           item.scheduled_for});
        }
    }
    if (c.enabled && (c.per_hour <= 0 || c.per_day <= 0)) {
        out.push_back({"limit_zero",
                       fmt::format("the company's {} limit is 0: nothing is sent until it is "
                                   "raised",
                                   c.per_hour <= 0 ? "hourly" : "daily"),
                       std::nullopt});
    } else if (c.enabled) {
        SendState s = c;
        s.held_until.reset();
        s.earliest_due = now;
        std::vector<Timestamp> sends(s.recent_sends);
        for (std::int64_t i = 0; i < s.in_flight; ++i) {
            sends.push_back(now);
        }
        std::sort(sends.begin(), sends.end());
        for (const auto& [limit, window, code, name] :
             {std::tuple{c.per_hour, Seconds(std::chrono::hours(1)), "hourly_limit", "hourly"},
              std::tuple{c.per_day, Seconds(std::chrono::hours(24)), "daily_limit", "daily"}}) {
            const auto full = window_full_until(sends, limit, window);
            if (full && *full > now) {
                out.push_back({code,
                               fmt::format("the company reached its {} limit of {}: room again "
                                           "at {} (in {})",
                                           name, limit, at(*full), in(*full, now)),
                               full});
            }
        }
    }
    if (c.enabled && c.window_never_opens) {
        out.push_back({"outside_window",
                       "the company's sending window never opens (no day chosen, or every "
                       "day a holiday): 'queue-admin throttle set COMPANY --days ...'",
                       std::nullopt});
    } else if (c.enabled && c.window_opens && *c.window_opens > now) {
        out.push_back({"outside_window",
                       fmt::format("outside the sending window{}: it opens at {} (in {})",
                                   f.window_zone ? " (" + *f.window_zone + ")" : std::string(),
                                   at(*c.window_opens), in(*c.window_opens, now)),
                       c.window_opens});
    }
    if (c.enabled && c.paced_until && *c.paced_until > now) {
        out.push_back({"pacing",
                       fmt::format("pacing: the company's next send is due at {} (in {})",
                                   at(*c.paced_until), in(*c.paced_until, now)),
                       c.paced_until});
    }
    if (f.suppressed) {
        out.push_back({"suppressed",
                       "the address is on the do-not-email list" + reason_of(f.suppression_reason) +
                           ": it will be skipped, not sent",
                       std::nullopt});
    }
    if (f.lead_deleted) {
        out.push_back({"lead_deleted", "the lead was deleted: the row will fail when processed",
                       std::nullopt});
    } else if (!f.lead_has_email) {
        out.push_back({"no_address",
                       "the lead has no email address: the row will fail when "
                       "processed",
                       std::nullopt});
    }
    const bool blocked = std::any_of(out.begin(), out.end(), [](const Reason& r) {
        return r.code != "suppressed" && r.code != "lead_deleted" && r.code != "no_address";
    });
    if (!blocked) {
        out.push_back(
            {"due",
             fmt::format("due since {}: the next queue-process run takes it{}",
                         at(item.scheduled_for),
                         f.rows_ahead > 0 ? fmt::format(" after {} due rows ahead of it in send "
                                                        "order (priority, then age)",
                                                        f.rows_ahead)
                                          : " first"),
             std::nullopt});
    }
}

} // namespace

std::vector<Reason> explain_row(const RowFacts& f, Timestamp now) {
    std::vector<Reason> out;
    if (f.item.status == QueueStatus::pending) {
        pending(f, now, out);
    } else if (f.item.status == QueueStatus::processing) {
        in_flight(f, now, out);
    } else {
        finished(f, out);
    }
    return out;
}

} // namespace eq::policy
