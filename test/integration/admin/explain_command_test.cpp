#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "integration/admin/admin_fixture.hpp"

using namespace eq;
using namespace eq::test;

namespace {

std::vector<std::string> codes(const Json& j) {
    std::vector<std::string> out;
    for (const auto& r : j.find("reasons")->as_array()) {
        out.push_back(r.find("code")->as_string());
    }
    return out;
}

bool has(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

} // namespace

TEST_CASE("explain a due row and the rows ahead of it", "[admin][explain]") {
    AdminFixture f;
    f.add_row({.status = "pending", .scheduled_in = -60, .priority = 5});
    const auto row = f.add_row({.status = "pending", .scheduled_in = -30});
    const auto j = f.json({"explain", row.str()});
    CHECK(keys(j) == std::vector<std::string>{
                         "row_id", "status", "company_id", "company_name", "campaign_run_id",
                         "lead_id", "to", "priority", "created_at", "scheduled_for", "retry_count",
                         "max_retries", "error_message", "run_control", "reasons"});
    CHECK(codes(j) == std::vector<std::string>{"due"});
    CHECK(j.find("reasons")->as_array()[0].find("message")->as_string().find("after 1 due rows") !=
          std::string::npos);
}

TEST_CASE("explain names every reason a row waits", "[admin][explain]") {
    AdminFixture f;
    SECTION("scheduled, backing off") {
        const auto later = f.add_row({.status = "pending", .scheduled_in = 3600});
        CHECK(codes(f.json({"explain", later.str()})) == std::vector<std::string>{"scheduled"});
        const auto retry = f.add_row(
            {.status = "pending", .scheduled_in = 240, .retry_count = 2, .error = "421 try later"});
        const auto j = f.json({"explain", retry.str()});
        CHECK(codes(j) == std::vector<std::string>{"backoff"});
        CHECK_FALSE(j.find("reasons")->as_array()[0].find("until")->is_null());
    }
    SECTION("paused run, disabled throttle, company hold") {
        const auto row = f.add_row({.status = "pending", .scheduled_in = -60});
        f.admin({"run", "pause", f.run.str()});
        f.admin({"throttle", "set", f.company.str(), "--disable"});
        f.db.exec(fmt::format("INSERT INTO email_queue_companies (company_id, held_until, "
                              "hold_reason) VALUES ('{}', now() + interval '1 hour', 'TLS failed')",
                              f.company.str()));
        const auto c = codes(f.json({"explain", row.str()}));
        CHECK(has(c, "run_paused"));
        CHECK(has(c, "throttle_disabled"));
        CHECK(has(c, "company_held"));
        CHECK_FALSE(has(c, "due"));
    }
    SECTION("hourly limit and suppressed address") {
        f.admin({"throttle", "set", f.company.str(), "--per-hour", "1"});
        f.add_row({.status = "sent", .processed_ago = 600});
        const auto row = f.add_row({.status = "pending",
                                    .scheduled_in = -60,
                                    .email = std::string("blocked@example.com")});
        f.admin({"suppress", "add", "blocked@example.com", "--reason", "bounced"});
        const auto c = codes(f.json({"explain", row.str()}));
        CHECK(c == std::vector<std::string>{"hourly_limit", "suppressed"});
    }
    SECTION("finished, held and stuck rows") {
        const auto failed = f.add_row({.status = "failed",
                                       .processed_ago = 60,
                                       .retry_count = 3,
                                       .error = "550 no such user"});
        const auto j = f.json({"explain", failed.str()});
        CHECK(codes(j) == std::vector<std::string>{"failed"});
        CHECK(j.find("reasons")->as_array()[0].find("message")->as_string().find("550") !=
              std::string::npos);
        const auto held = f.add_row({.status = "held", .processed_ago = 60});
        CHECK(codes(f.json({"explain", held.str()})) ==
              std::vector<std::string>{"unknown_outcome"});
        const auto stuck = f.add_row({.status = "processing", .lease_in = -60});
        CHECK(codes(f.json({"explain", stuck.str()})) == std::vector<std::string>{"stuck"});
        const auto text = f.admin({"explain", held.str()});
        CHECK(text.out.find("mark-sent") != std::string::npos);
    }
    CHECK(f.admin({"explain", Uuid::random().str()}).exit_code == 66);
    CHECK(f.admin({"explain", "row-1"}).exit_code == 64);
}
