#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "integration/admin/admin_fixture.hpp"

using namespace eq;
using namespace eq::test;

namespace {

void invocation(AdminFixture& f, const std::string& finished_ago,
                const std::string& error = "NULL") {
    f.db.exec(fmt::format("INSERT INTO email_queue_invocations (program, host, pid, started_at,"
                          " finished_at, sent, error) VALUES ('queue-process', 'host', 1,"
                          " now() - interval '{0}' - interval '5 seconds', now() - interval '{0}',"
                          " 3, {1})",
                          finished_ago, error));
}

} // namespace

TEST_CASE("health is OK when the processor runs and nothing waits", "[admin][health]") {
    AdminFixture f;
    invocation(f, "1 minute");
    f.add_rows(2, {.status = "sent", .processed_ago = 120});
    const auto r = f.admin({"health"});
    INFO(r.out);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("EMAILQUEUE OK - ") == 0);
    CHECK(r.out.find(" | processor=") != std::string::npos);
    CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 1);
    const auto j = f.json({"health"}, 0);
    CHECK(keys(j) == std::vector<std::string>{"status", "code", "summary", "checks"});
    CHECK(j.find("status")->as_string() == "OK");
    CHECK(keys(j.find("checks")->as_array()[0]) ==
          std::vector<std::string>{"name", "status", "message", "value", "warning", "critical"});
}

TEST_CASE("health warns about stuck rows, held companies and unknown outcomes", "[admin][health]") {
    AdminFixture f;
    invocation(f, "2 minutes");
    SECTION("stuck") {
        f.add_row({.status = "processing", .lease_in = -300});
        const auto r = f.admin({"health"});
        CHECK(r.exit_code == 1);
        CHECK(r.out.find("EMAILQUEUE WARNING - 1 rows stuck in processing") == 0);
    }
    SECTION("held company") {
        f.db.exec(fmt::format("INSERT INTO email_queue_companies (company_id, held_until,"
                              " hold_reason) VALUES ('{}', now() + interval '1 hour', '535')",
                              f.company.str()));
        const auto r = f.admin({"health"});
        CHECK(r.exit_code == 1);
        CHECK(r.out.find("Acme Ltd") != std::string::npos);
    }
    SECTION("unknown outcome") {
        f.add_row({.status = "held", .processed_ago = 60});
        CHECK(f.admin({"health"}).exit_code == 1);
    }
    SECTION("failure spike") {
        f.add_rows(6, {.status = "sent", .processed_ago = 60});
        f.add_rows(4, {.status = "failed", .processed_ago = 60});
        const auto r = f.admin({"health", "--max-failure-rate", "0.25"});
        CHECK(r.exit_code == 1);
        CHECK(r.out.find("failure spike: 40% of 10 rows") != std::string::npos);
        CHECK(f.admin({"health", "--max-failure-rate", "0.1"}).exit_code == 2);
        CHECK(f.admin({"health", "--max-failure-rate", "0.5"}).exit_code == 0);
    }
}

TEST_CASE("health is CRITICAL when the processor stopped or the backlog grew", "[admin][health]") {
    AdminFixture f;
    SECTION("processor stopped") {
        invocation(f, "1 hour");
        const auto r = f.admin({"health", "--max-since-last-run", "15m"});
        CHECK(r.exit_code == 2);
        CHECK(r.out.find("EMAILQUEUE CRITICAL - queue-process stopped: last run finished 1h") == 0);
        CHECK(f.admin({"health", "--max-since-last-run", "45m"}).exit_code == 1);
        CHECK(f.admin({"health", "--max-since-last-run", "2h"}).exit_code == 0);
    }
    SECTION("never ran with rows due") {
        f.add_row({.status = "pending", .scheduled_in = -60});
        CHECK(f.admin({"health"}).exit_code == 2);
    }
    SECTION("backlog with budget to send") {
        invocation(f, "1 minute");
        f.add_row({.status = "pending", .scheduled_in = -3 * 3600});
        const auto r = f.admin({"health", "--max-backlog-age", "1h"});
        CHECK(r.exit_code == 2);
        CHECK(r.out.find("backlog: Acme Ltd has had due rows and budget for 3h") !=
              std::string::npos);
        // A company at its limit is not a backlog: it is being throttled.
        f.admin({"throttle", "set", f.company.str(), "--per-hour", "1"});
        f.add_row({.status = "sent", .processed_ago = 60});
        CHECK(f.admin({"health", "--max-backlog-age", "1h"}).exit_code == 0);
    }
}

TEST_CASE("health is UNKNOWN when it cannot judge", "[admin][health]") {
    const auto no_db = run_program_without_db("queue-admin", {"health"});
    CHECK(no_db.exit_code == 3);
    CHECK(no_db.out.find("EMAILQUEUE UNKNOWN - cannot connect to the database") == 0);
    AdminFixture f;
    const auto bad = f.admin({"health", "--max-failure-rate", "2"});
    CHECK(bad.exit_code == 3);
    CHECK(bad.out.find("EMAILQUEUE UNKNOWN - --max-failure-rate: 2 is outside 0..1") == 0);
    const auto j = f.json({"health", "--max-backlog-age", "soon"}, 3);
    CHECK(j.find("status")->as_string() == "UNKNOWN");
    CHECK(j.find("code")->as_int() == 3);
    TestDatabase empty(TestDatabase::Schema::empty);
    const auto schema = run_program("queue-admin", {"health"}, empty);
    CHECK(schema.exit_code == 3);
}
