// queue-admin health [--max-backlog-age D] [--max-since-last-run D] [--max-failure-rate R]
// A Nagios plugin: exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.

#include <fmt/format.h>

#include <iostream>

#include "admin/admin.hpp"
#include "admin/args.hpp"
#include "admin/snapshot.hpp"
#include "admin/terminal.hpp"
#include "db/connection.hpp"
#include "log/log.hpp"
#include "policy/health.hpp"

namespace eq::admin {

namespace {

struct HealthOptions {
    std::string max_backlog_age = "1h";
    std::string max_since_last_run = "15m";
    std::string max_failure_rate = "0.2";
};

Json report_json(const policy::HealthReport& r) {
    Json checks = Json::array();
    for (const auto& c : r.checks) {
        checks.push(Json(Json::Object{{"name", c.name},
                                      {"status", std::string(policy::to_string(c.state))},
                                      {"message", c.message},
                                      {"value", Json(c.value)},
                                      {"warning", Json(c.warn)},
                                      {"critical", Json(c.crit)}}));
    }
    return Json(Json::Object{{"status", std::string(policy::to_string(r.state))},
                             {"code", static_cast<int>(r.state)},
                             {"summary", r.summary},
                             {"checks", std::move(checks)}});
}

policy::HealthReport check(const Context& context, const HealthOptions& o) {
    policy::HealthThresholds t;
    t.max_backlog_age = duration_arg(o.max_backlog_age, "--max-backlog-age");
    t.max_since_last_run = duration_arg(o.max_since_last_run, "--max-since-last-run");
    t.max_failure_rate = rate_arg(o.max_failure_rate, "--max-failure-rate");
    const auto config = cli::load_config(context.common);
    auto conn = cli::connect(config, k_program);
    const auto snap = load_snapshot(conn, std::nullopt, throttle::ThrottleDefaults::from(config));
    const auto last = load_last_run(conn);
    return policy::evaluate_health(health_facts(snap, last), t);
}

int health(const Context& context, const HealthOptions& o) {
    policy::HealthReport report;
    try {
        report = check(context, o);
    } catch (const Error& e) {
        // Whatever keeps the check from judging is UNKNOWN, as Nagios expects.
        report.state = policy::HealthState::unknown;
        report.summary = e.what();
        log::error(e.what(), {}, e.hint());
    }
    if (context.common.json) {
        cli::print_json(report_json(report));
    } else {
        std::cout << policy::nagios_line(report) << '\n';
        if (cli::stdout_is_terminal()) {
            for (const auto& c : report.checks) {
                const auto text = wrap(c.message, 80, 28);
                std::cout << fmt::format("  {:<16} {:<8} {}", c.name, policy::to_string(c.state),
                                         text.substr(28));
            }
        }
    }
    return static_cast<int>(report.state);
}

} // namespace

void setup_health(CLI::App& app, Context& context) {
    auto* h = app.add_subcommand("health", "A Nagios check (exit 0, 1, 2 or 3)");
    auto o = std::make_shared<HealthOptions>();
    h->add_option("--max-backlog-age", o->max_backlog_age,
                  "How long a due row may wait while its company has budget (default 1h)")
        ->type_name("D");
    h->add_option("--max-since-last-run", o->max_since_last_run,
                  "How long since queue-process last finished a run (default 15m)")
        ->type_name("D");
    h->add_option("--max-failure-rate", o->max_failure_rate,
                  "Failed share of the last hour's finished rows, 0..1 (default 0.2)")
        ->type_name("R");
    h->callback([&context, o] { context.action = [&context, o] { return health(context, *o); }; });
}

} // namespace eq::admin
