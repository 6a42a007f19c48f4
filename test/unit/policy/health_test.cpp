#include <catch2/catch.hpp>

#include "policy/health.hpp"

using namespace eq;
using namespace eq::policy;
using namespace std::chrono;

namespace {

const Timestamp k_now = sys_days{2026y / 5 / 1} + hours(12);

HealthFacts healthy() {
    HealthFacts f;
    f.now = k_now;
    f.last_run_finished = k_now - minutes(3);
    return f;
}

} // namespace

TEST_CASE("a running processor with nothing waiting is OK", "[health]") {
    const auto r = evaluate_health(healthy(), {});
    CHECK(r.state == HealthState::ok);
    CHECK(nagios_line(r).find("EMAILQUEUE OK - 0 rows due; last queue-process run finished 3m") ==
          0);
}

TEST_CASE("each limit warns above it and is critical above twice it", "[health]") {
    auto f = healthy();
    f.last_run_finished = k_now - minutes(20);
    CHECK(evaluate_health(f, {}).state == HealthState::warning);
    f.last_run_finished = k_now - minutes(31);
    CHECK(evaluate_health(f, {}).state == HealthState::critical);
    f = healthy();
    f.backlog_since = k_now - minutes(90);
    f.backlog_company = "Acme";
    CHECK(evaluate_health(f, {}).state == HealthState::warning);
    f.backlog_since = k_now - hours(3);
    const auto r = evaluate_health(f, {});
    CHECK(r.state == HealthState::critical);
    CHECK(r.summary.find("backlog: Acme has had due rows and budget for 3h") == 0);
}

TEST_CASE("failure rates need a sample", "[health]") {
    auto f = healthy();
    f.failed_last_hour = 3;
    CHECK(evaluate_health(f, {}).state == HealthState::ok); // 3 of 3, but too few
    f.sent_last_hour = 7;
    CHECK(evaluate_health(f, {}).state == HealthState::warning); // 30%
    f.failed_last_hour = 10;
    CHECK(evaluate_health(f, {}).state == HealthState::critical); // 59%
}

TEST_CASE("the worst problem comes first and a '|' cannot break the line", "[health]") {
    auto f = healthy();
    f.stuck_rows = 2;
    f.last_run_finished = k_now - hours(2);
    const auto r = evaluate_health(f, {});
    CHECK(r.summary.find("queue-process stopped") == 0);
    CHECK(r.summary.find("; 2 rows stuck") != std::string::npos);
    f = healthy();
    f.last_run_error = "boom | bang\nsecond line";
    const auto line = nagios_line(evaluate_health(f, {}));
    CHECK(line.find("boom / bang second line") != std::string::npos);
    CHECK(std::count(line.begin(), line.end(), '|') == 1);
    CHECK(line.find('\n') == std::string::npos);
}

TEST_CASE("a processor that never ran is critical only when rows are due", "[health]") {
    HealthFacts f;
    f.now = k_now;
    CHECK(evaluate_health(f, {}).state == HealthState::ok);
    f.due_rows = 4;
    CHECK(evaluate_health(f, {}).state == HealthState::critical);
}

TEST_CASE("runs auto-paused on failures are a warning naming them", "[health]") {
    auto f = healthy();
    f.auto_paused_runs = {"Acme run 1", "Beta run 2", "Coda run 3", "Dune run 4"};
    const auto r = evaluate_health(f, {});
    CHECK(r.state == HealthState::warning);
    CHECK(r.summary == "4 runs auto-paused on failures (Acme run 1, Beta run 2, Coda run 3, ...): "
                       "'queue-admin run resume' once the cause is fixed");
    CHECK(nagios_line(r).find("auto_paused=4;0") != std::string::npos);
    CHECK(evaluate_health(healthy(), {}).checks.back().name == "auto_paused");
    CHECK(evaluate_health(healthy(), {}).checks.back().state == HealthState::ok);
}
