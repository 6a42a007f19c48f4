#include "policy/health.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "util/strings.hpp"

namespace eq::policy {

namespace {

HealthState grade(double value, double limit) {
    if (value > 2 * limit) {
        return HealthState::critical;
    }
    return value > limit ? HealthState::warning : HealthState::ok;
}

double seconds_between(Timestamp from, Timestamp to) {
    return static_cast<double>(std::chrono::duration_cast<Seconds>(to - from).count());
}

std::string ago(double seconds) {
    return format_duration(Seconds(static_cast<std::int64_t>(std::max(0.0, seconds))));
}

HealthCheck processor(const HealthFacts& f, const HealthThresholds& t) {
    HealthCheck c{"processor"};
    const auto limit = static_cast<double>(t.max_since_last_run.count());
    c.warn = limit;
    c.crit = 2 * limit;
    if (!f.last_run_finished) {
        c.state = f.due_rows > 0 ? HealthState::critical : HealthState::ok;
        c.message = f.due_rows > 0
                        ? fmt::format("queue-process has never finished a run and {} rows are due",
                                      f.due_rows)
                        : "queue-process has not run yet (nothing is due)";
        return c;
    }
    const double since = seconds_between(*f.last_run_finished, f.now);
    c.value = since;
    c.state = grade(since, limit);
    c.message = fmt::format("last queue-process run finished {} ago", ago(since));
    if (c.state == HealthState::ok && f.last_run_error) {
        c.state = HealthState::warning;
        c.message =
            fmt::format("the last queue-process run failed: {}", f.last_run_error->substr(0, 200));
    } else if (c.state != HealthState::ok) {
        c.message = fmt::format("queue-process stopped: last run finished {} ago (limit {})",
                                ago(since), format_duration(t.max_since_last_run));
    }
    return c;
}

HealthCheck backlog(const HealthFacts& f, const HealthThresholds& t) {
    HealthCheck c{"backlog"};
    const auto limit = static_cast<double>(t.max_backlog_age.count());
    c.warn = limit;
    c.crit = 2 * limit;
    c.value = f.backlog_since ? seconds_between(*f.backlog_since, f.now) : 0.0;
    c.state = grade(*c.value, limit);
    if (!f.backlog_since) {
        c.message = fmt::format("no due row is waiting with budget to send ({} due)", f.due_rows);
    } else if (c.state == HealthState::ok) {
        c.message = fmt::format("oldest sendable row waited {}", ago(*c.value));
    } else {
        c.message =
            fmt::format("backlog: {} has had due rows and budget for {} (limit {})",
                        f.backlog_company, ago(*c.value), format_duration(t.max_backlog_age));
    }
    return c;
}

HealthCheck stuck(const HealthFacts& f) {
    HealthCheck c{"stuck"};
    c.value = static_cast<double>(f.stuck_rows);
    c.warn = 0;
    c.state = f.stuck_rows > 0 ? HealthState::warning : HealthState::ok;
    c.message = f.stuck_rows > 0
                    ? fmt::format("{} rows stuck in processing past their lease", f.stuck_rows)
                    : "no row stuck in processing";
    return c;
}

// "a, b, c, ..." for a list that may be long.
std::string first_names(const std::vector<std::string>& all) {
    const std::vector<std::string> names(
        all.begin(),
        all.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(3, all.size())));
    return join(names, ", ") + (all.size() > 3 ? ", ..." : "");
}

// Warns when `names` is not empty: "N <one or many> (a, b, ...)<advice>"; else `none`.
HealthCheck warn_if_any(const char* check, const std::vector<std::string>& names,
                        std::string_view none, std::string_view one, std::string_view many,
                        std::string_view advice = {}) {
    HealthCheck c{check};
    c.value = static_cast<double>(names.size());
    c.warn = 0;
    if (names.empty()) {
        c.message = std::string(none);
        return c;
    }
    c.state = HealthState::warning;
    c.message = fmt::format("{} {} ({}){}", names.size(), names.size() == 1 ? one : many,
                            first_names(names), advice);
    return c;
}

HealthCheck holds(const HealthFacts& f) {
    return warn_if_any("holds", f.held_companies, "no company held",
                       "company held after an account error",
                       "companies held after an account error");
}

HealthCheck auto_paused(const HealthFacts& f) {
    return warn_if_any("auto_paused", f.auto_paused_runs, "no run auto-paused",
                       "run auto-paused on failures", "runs auto-paused on failures",
                       ": 'queue-admin run resume' once the cause is fixed");
}

HealthCheck unknown_outcome(const HealthFacts& f) {
    HealthCheck c{"unknown_outcome"};
    c.value = static_cast<double>(f.held_rows);
    c.warn = 0;
    c.state = f.held_rows > 0 ? HealthState::warning : HealthState::ok;
    c.message = f.held_rows > 0
                    ? fmt::format("{} rows held with an unknown SMTP outcome await an operator "
                                  "(retry --status held or mark-sent)",
                                  f.held_rows)
                    : "no row with an unknown outcome";
    return c;
}

HealthCheck failure_rate(const HealthFacts& f, const HealthThresholds& t) {
    HealthCheck c{"failure_rate"};
    const auto finished = f.sent_last_hour + f.failed_last_hour;
    c.warn = t.max_failure_rate;
    c.crit = std::min(1.0, 2 * t.max_failure_rate);
    if (finished < t.min_failure_sample || finished == 0) {
        c.value = finished == 0
                      ? 0.0
                      : static_cast<double>(f.failed_last_hour) / static_cast<double>(finished);
        c.message =
            fmt::format("{} rows finished in the last hour: too few for a failure rate", finished);
        return c;
    }
    const double rate = static_cast<double>(f.failed_last_hour) / static_cast<double>(finished);
    c.value = rate;
    c.state = rate > *c.crit && rate > t.max_failure_rate ? HealthState::critical
              : rate > t.max_failure_rate                 ? HealthState::warning
                                                          : HealthState::ok;
    c.message = fmt::format(
        "{}{:.0f}% of {} rows failed in the last hour{}",
        c.state == HealthState::ok ? "" : "failure spike: ", rate * 100, finished,
        c.state == HealthState::ok ? ""
                                   : fmt::format(" (limit {:.0f}%)", t.max_failure_rate * 100));
    return c;
}

} // namespace

std::string_view to_string(HealthState s) {
    switch (s) {
    case HealthState::ok:
        return "OK";
    case HealthState::warning:
        return "WARNING";
    case HealthState::critical:
        return "CRITICAL";
    case HealthState::unknown:
        return "UNKNOWN";
    }
    return "UNKNOWN";
}

HealthReport evaluate_health(const HealthFacts& f, const HealthThresholds& t) {
    HealthReport r;
    r.checks = {processor(f, t),    backlog(f, t),      stuck(f),      holds(f),
                unknown_outcome(f), failure_rate(f, t), auto_paused(f)};
    std::vector<const HealthCheck*> bad;
    for (const auto& c : r.checks) {
        r.state = std::max(r.state, c.state);
        if (c.state != HealthState::ok) {
            bad.push_back(&c);
        }
    }
    std::stable_sort(bad.begin(), bad.end(), [](const HealthCheck* a, const HealthCheck* b) {
        return a->state > b->state;
    });
    if (bad.empty()) {
        r.summary = fmt::format("{} rows due; {}", f.due_rows, r.checks.front().message);
    } else {
        std::vector<std::string> parts;
        for (const auto* c : bad) {
            parts.push_back(c->message);
        }
        r.summary = join(parts, "; ");
    }
    return r;
}

std::string nagios_line(const HealthReport& r) {
    // A '|' would start the performance data early, a newline would end the line.
    std::string summary = r.summary;
    for (auto& ch : summary) {
        if (ch == '|') {
            ch = '/';
        } else if (ch == '\n' || ch == '\r') {
            ch = ' ';
        }
    }
    std::string line = fmt::format("EMAILQUEUE {} - {}", to_string(r.state), summary);
    std::vector<std::string> perf;
    for (const auto& c : r.checks) {
        if (!c.value) {
            continue;
        }
        const auto num = [](std::optional<double> v) {
            return v ? fmt::format("{:g}", *v) : std::string();
        };
        const bool is_seconds = c.name == "processor" || c.name == "backlog";
        perf.push_back(fmt::format("{}={}{};{};{}", c.name, num(c.value), is_seconds ? "s" : "",
                                   num(c.warn), num(c.crit)));
    }
    if (!perf.empty()) {
        line += " | " + join(perf, " ");
    }
    return line;
}

} // namespace eq::policy
