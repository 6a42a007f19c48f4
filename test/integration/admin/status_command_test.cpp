#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "integration/admin/admin_fixture.hpp"
#include "util/strings.hpp"

using namespace eq;
using namespace eq::test;

namespace {

const Json& only_company(const Json& j) {
    const auto& list = j.find("companies")->as_array();
    REQUIRE(list.size() == 1);
    return list[0];
}

bool has_hold(const Json& company, const std::string& kind) {
    for (const auto& h : company.find("holds")->as_array()) {
        if (h.find("kind")->as_string() == kind) {
            return true;
        }
    }
    return false;
}

} // namespace

TEST_CASE("status counts each state of a company's queue", "[admin][status]") {
    AdminFixture f;
    f.add_rows(3, {.status = "pending", .scheduled_in = -600});
    f.add_rows(2, {.status = "pending", .scheduled_in = 3600});
    f.add_row({.status = "pending", .scheduled_in = 300, .retry_count = 1, .error = "451 busy"});
    f.add_row({.status = "processing", .lease_in = 120});
    f.add_row({.status = "held", .processed_ago = 60});
    f.add_rows(4, {.status = "sent", .processed_ago = 120});
    f.add_row({.status = "sent", .processed_ago = 7200});
    f.add_row({.status = "failed", .processed_ago = 60, .error = "550 no such user"});
    f.add_row({.status = "skipped", .processed_ago = 60});
    const auto j = f.json({"status"});
    CHECK(keys(j) == std::vector<std::string>{"generated_at", "companies", "totals"});
    const auto& c = only_company(j);
    CHECK(keys(c) == std::vector<std::string>{"company_id",
                                              "company_name",
                                              "enabled",
                                              "max_emails_per_hour",
                                              "max_emails_per_day",
                                              "daily_limit_now",
                                              "limits_are_default",
                                              "due_now",
                                              "scheduled_later",
                                              "backing_off",
                                              "paused",
                                              "processing",
                                              "stuck",
                                              "held",
                                              "sent_last_hour",
                                              "sent_last_day",
                                              "failed",
                                              "skipped",
                                              "oldest_due_age_seconds",
                                              "next_send_at",
                                              "next_send_reason",
                                              "holds"});
    CHECK(c.find("due_now")->as_int() == 3);
    CHECK(c.find("scheduled_later")->as_int() == 2);
    CHECK(c.find("backing_off")->as_int() == 1);
    CHECK(c.find("processing")->as_int() == 1);
    CHECK(c.find("held")->as_int() == 1);
    CHECK(c.find("sent_last_hour")->as_int() == 5); // 4 sent + 1 held
    CHECK(c.find("sent_last_day")->as_int() == 6);
    CHECK(c.find("failed")->as_int() == 1);
    CHECK(c.find("skipped")->as_int() == 1);
    CHECK(c.find("oldest_due_age_seconds")->as_int() >= 599);
    CHECK(c.find("next_send_reason")->as_string() == "due now");
    CHECK(has_hold(c, "backoff"));
    CHECK(has_hold(c, "unknown_outcome"));
    const auto& t = *j.find("totals");
    CHECK(t.find("companies")->as_int() == 1);
    CHECK(t.find("due_now")->as_int() == 3);
}

TEST_CASE("status says why a company is held and when it can send next", "[admin][status]") {
    AdminFixture f;
    f.add_rows(2, {.status = "pending", .scheduled_in = -60});
    SECTION("throttle disabled") {
        f.admin({"throttle", "set", f.company.str(), "--disable"});
        const auto c = only_company(f.json({"status"}));
        CHECK(has_hold(c, "throttle_disabled"));
        CHECK(c.find("next_send_at")->is_null());
        CHECK(c.find("next_send_reason")->as_string() == "throttle disabled");
    }
    SECTION("account error") {
        f.db.exec(fmt::format("INSERT INTO email_queue_companies (company_id, held_until,"
                              " hold_reason, held_since) VALUES ('{}', now() + interval '20 min',"
                              " 'authentication refused: 535 5.7.8 bad credentials',"
                              " now() - interval '10 min')",
                              f.company.str()));
        const auto c = only_company(f.json({"status"}));
        REQUIRE(has_hold(c, "account_error"));
        const auto& hold = c.find("holds")->as_array()[0];
        CHECK(hold.find("message")->as_string().find("535 5.7.8") != std::string::npos);
        CHECK_FALSE(hold.find("since")->is_null());
        CHECK(c.find("next_send_reason")->as_string() == "company held");
        CHECK(c.find("next_send_at")->as_string() == hold.find("until")->as_string());
        const auto text = f.admin({"status"});
        CHECK(text.out.find("held: account error since") != std::string::npos);
        CHECK(text.out.find("\x1b[") == std::string::npos); // no colour into a pipe
    }
    SECTION("hourly limit") {
        f.admin({"throttle", "set", f.company.str(), "--per-hour", "2"});
        f.add_row({.status = "sent", .processed_ago = 1800});
        f.add_row({.status = "sent", .processed_ago = 600});
        const auto c = only_company(f.json({"status"}));
        CHECK(c.find("next_send_reason")->as_string() == "hourly limit");
        // The oldest of the two sends leaves the window 30 minutes from now.
        const auto at = parse_timestamp(c.find("next_send_at")->as_string());
        const auto now = parse_timestamp(f.db.scalar("SELECT now()"));
        REQUIRE(at.ok());
        CHECK(*at - *now > std::chrono::minutes(29));
        CHECK(*at - *now < std::chrono::minutes(31));
    }
}

TEST_CASE("status of one company, of an unknown one, and human output", "[admin][status]") {
    AdminFixture f;
    const auto other = insert_company(f.conn, {.name = "Other Co"});
    f.add_row({.status = "pending", .scheduled_in = -5});
    const auto one = f.json({"status", "--company", other.str()});
    CHECK(only_company(one).find("company_name")->as_string() == "Other Co");
    CHECK(only_company(one).find("next_send_reason")->as_string() == "nothing queued");
    CHECK(f.json({"status"}).find("companies")->as_array().size() == 1);
    CHECK(f.admin({"status", "--company", Uuid::random().str()}).exit_code == 66);
    CHECK(f.admin({"status", "--company", "12345"}).exit_code == 64);
    const auto text = f.admin({"status"});
    CHECK(text.exit_code == 0);
    CHECK(text.out.find("COMPANY") == 0);
    CHECK(text.out.find("\nall 1 company" + std::string(9, ' ') + "1     0") != std::string::npos);
    for (const auto& line : split(text.out, '\n')) {
        CHECK(line.size() <= 80);
    }
}

TEST_CASE("colour only on a terminal, and never with NO_COLOR", "[admin][status]") {
    AdminFixture f;
    f.db.exec(fmt::format("INSERT INTO email_queue_companies (company_id, held_until, hold_reason)"
                          " VALUES ('{}', now() + interval '1 hour', '535 refused')",
                          f.company.str()));
    f.add_row({.status = "pending", .scheduled_in = -60});
    // script(1) gives the program a pseudo-terminal as stdout.
    const auto on_tty = [&](const std::string& no_colour) {
        RunOptions options;
        options.env = f.db.env();
        options.env["NO_COLOR"] = no_colour;
        options.env["TERM"] = "xterm";
        return run_process(
            {"/usr/bin/script", "-qec", program_path("queue-admin") + " status", "/dev/null"},
            options);
    };
    const auto coloured = on_tty("");
    CHECK(coloured.exit_code == 0);
    CHECK(coloured.out.find("\x1b[31m") != std::string::npos);
    CHECK(on_tty("1").out.find("\x1b[") == std::string::npos);
    CHECK(f.admin({"status"}).out.find("\x1b[") == std::string::npos);
}
