// The overlap suite: eight queue-process invocations at once, round after round, over
// 2,000 due rows of 20 companies with different limits. Every row must be delivered
// exactly once (by Message-ID, from the server's side), no company may be over its hourly
// or daily limit at any instant (watched while the runs send), and every run's counts
// must add up to what it sent.

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "support/delivery_audit.hpp"
#include "support/figures.hpp"
#include "support/limit_watcher.hpp"
#include "support/process_fixture.hpp"
#include "support/smtp_sink.hpp"
#include "util/json.hpp"

using namespace eq;
using namespace eq::test;
using namespace std::chrono;

namespace {

struct Limits {
    int hourly;
    int daily;
};

} // namespace

TEST_CASE("eight overlapping runs deliver 2,000 rows exactly once within every limit",
          "[overlap]") {
    SmtpSink sink;
    ProcessFixture f(sink);
    f.set("processing", "batch_cap", "30");
    constexpr int k_companies = 20;
    constexpr int k_rows = 100;
    constexpr int k_processes = 8;
    constexpr int k_max_rounds = 10;
    std::vector<Limits> limits;
    for (int i = 0; i < k_companies; ++i) {
        // Hourly limits from 20 to 115; every fourth company also stopped by a daily
        // limit of 50 for most of a simulated day.
        limits.push_back({20 + 5 * i, i % 4 == 0 ? 50 : 1000});
        const auto c =
            f.company("sink", fmt::format("Company {}", i), fmt::format("sender@c{}.example", i));
        f.queue_run(c, k_rows, fmt::format("c{}.example", i));
        f.set_limits(c, limits.back().hourly, limits.back().daily);
    }
    constexpr std::int64_t k_total = k_companies * k_rows;

    // A watcher checks every limit while the runs send.
    LimitWatcher watcher(f.db);

    Figures figures("overlap");
    std::int64_t runs = 0, reported_sent = 0;
    int rounds = 0;
    std::vector<std::int64_t> invocations;
    for (; rounds < k_max_rounds; ++rounds) {
        if (f.rows_with_status("pending") == 0) {
            break;
        }
        const auto results = f.process_concurrently(k_processes, {"--json"});
        for (const auto& r : results) {
            INFO(r.err);
            REQUIRE(r.exit_code == 0);
            const auto summary = Json::parse(r.out);
            REQUIRE(summary.ok());
            const auto id = summary->find("invocation")->as_int();
            const auto sent = summary->find("sent")->as_int();
            // The run's report, its invocation record and the rows it claimed agree.
            CHECK(f.count(fmt::format("SELECT sent FROM email_queue_invocations WHERE id = {}",
                                      id)) == sent);
            CHECK(f.count(fmt::format(
                      "SELECT count(*) FROM email_queue q, email_queue_invocations i WHERE "
                      "i.id = {} AND q.status = 'sent' AND q.claimed_by LIKE i.host || ':' || "
                      "i.pid || ':%'",
                      id)) == sent);
            CHECK(summary->find("failed")->as_int() + summary->find("held")->as_int() +
                      summary->find("retried")->as_int() + summary->find("skipped")->as_int() ==
                  0);
            invocations.push_back(id);
            reported_sent += sent;
            ++runs;
        }
        CHECK(f.count(k_over_limit_sql) == 0);
        pass_time_after_round(f.db, rounds);
    }
    watcher.stop();

    std::this_thread::sleep_for(milliseconds(600)); // the sink's last files settle
    const auto audit = audit_delivery(f.db, sink.messages());
    INFO(audit.describe());
    CHECK(audit.rows == k_total);
    CHECK(audit.count("sent") == k_total);
    CHECK(audit.exactly_once());
    CHECK(reported_sent == k_total);
    CHECK(watcher.violations() == 0);
    CHECK(watcher.checks() > 0);
    // The runs did overlap: the most invocations running at one instant.
    const auto overlapped =
        f.count("SELECT max(n) FROM (SELECT (SELECT count(*) FROM email_queue_invocations o WHERE "
                "o.started_at <= i.started_at AND o.finished_at > i.started_at) AS n FROM "
                "email_queue_invocations i) x");
    CHECK(overlapped >= 2);
    CHECK(f.count("SELECT count(*) FROM campaign_runs WHERE status <> 'completed'") == 0);

    figures.max("max_processes_overlapped", overlapped);
    figures.add("processes_started", runs);
    figures.add("rounds", rounds);
    figures.add("rows", audit.rows);
    figures.add("duplicates_found", audit.duplicates + audit.duplicate_recipients + audit.stray);
    figures.add("rows_lost", k_total - audit.rows);
    figures.add("limit_checks_while_sending", watcher.checks());
    figures.add("limit_violations", watcher.violations());
    figures.write();
}
