#include <catch2/catch.hpp>

#include "integration/admin/admin_fixture.hpp"

using namespace eq;
using namespace eq::test;

TEST_CASE("throttle show gives the defaults for a company without settings", "[admin][throttle]") {
    AdminFixture f;
    const auto j = f.json({"throttle", "show", f.company.str()});
    CHECK(keys(j) == std::vector<std::string>{"company_id", "company_name", "max_emails_per_hour",
                                              "max_emails_per_day", "enabled", "is_default",
                                              "created_at", "updated_at", "schedule", "usage",
                                              "warnings"});
    CHECK(j.find("max_emails_per_hour")->as_int() == 50);
    CHECK(j.find("max_emails_per_day")->as_int() == 500);
    CHECK(j.find("is_default")->as_bool());
    CHECK(j.find("created_at")->is_null());
    CHECK(keys(*j.find("usage")) ==
          std::vector<std::string>{"sent_last_hour", "sent_last_day", "in_flight"});
    CHECK(f.db.count("SELECT count(*) FROM email_throttle_settings") == 0);
}

TEST_CASE("throttle set creates the row, then changes only what is given", "[admin][throttle]") {
    AdminFixture f;
    const auto r = f.admin({"throttle", "set", f.company.str(), "--per-hour", "20"});
    CHECK(r.exit_code == 0);
    CHECK(r.out.empty()); // quiet when not on a terminal
    CHECK(f.db.scalar("SELECT max_emails_per_hour || '/' || max_emails_per_day || '/' || enabled"
                      " FROM email_throttle_settings") == "20/500/true");
    f.db.exec("UPDATE email_throttle_settings SET updated_at = now() - interval '1 day'");
    const auto j = f.json({"throttle", "set", f.company.str(), "--per-day", "100", "--disable"});
    CHECK(j.find("max_emails_per_hour")->as_int() == 20);
    CHECK(j.find("max_emails_per_day")->as_int() == 100);
    CHECK_FALSE(j.find("enabled")->as_bool());
    CHECK_FALSE(j.find("is_default")->as_bool());
    CHECK(f.db.count("SELECT count(*) FROM email_throttle_settings WHERE updated_at > now() - "
                     "interval '1 hour'") == 1);
    f.admin({"throttle", "set", f.company.str(), "--enable"});
    CHECK(f.db.scalar("SELECT enabled FROM email_throttle_settings") == "t");
}

TEST_CASE("throttle set warns when the hourly limit exceeds the daily one", "[admin][throttle]") {
    AdminFixture f;
    const auto r = f.admin(
        {"throttle", "set", f.company.str(), "--per-hour", "80", "--per-day", "60", "--json"});
    CHECK(r.exit_code == 0);
    CHECK(r.err.find("queue-admin: warning: the hourly limit (80) exceeds the daily limit (60)") !=
          std::string::npos);
    const auto j = Json::parse(r.out);
    REQUIRE(j.ok());
    CHECK(j->find("warnings")->as_array().size() == 1);
}

TEST_CASE("throttle set refuses bad input and changes nothing", "[admin][throttle]") {
    AdminFixture f;
    const auto negative = f.admin({"throttle", "set", f.company.str(), "--per-hour=-5"});
    CHECK(negative.exit_code == 64);
    CHECK(negative.err.find("--per-hour: -5 is negative") != std::string::npos);
    const auto word = f.admin({"throttle", "set", f.company.str(), "--per-day", "lots"});
    CHECK(word.exit_code == 64);
    CHECK(word.err.find("'lots' is not a whole number") != std::string::npos);
    const auto nothing = f.admin({"throttle", "set", f.company.str()});
    CHECK(nothing.exit_code == 64);
    CHECK(nothing.err.find("nothing to change") != std::string::npos);
    const auto both = f.admin({"throttle", "set", f.company.str(), "--enable", "--disable"});
    CHECK(both.exit_code == 64);
    const auto bad_uuid = f.admin({"throttle", "set", "not-a-uuid", "--per-hour", "5"});
    CHECK(bad_uuid.exit_code == 64);
    CHECK(bad_uuid.err.find("company id: malformed UUID 'not-a-uuid'") != std::string::npos);
    const auto unknown = f.admin({"throttle", "set", Uuid::random().str(), "--per-hour", "5"});
    CHECK(unknown.exit_code == 66);
    CHECK(unknown.err.find("no company ") != std::string::npos);
    const auto show_unknown = f.admin({"throttle", "show", Uuid::random().str()});
    CHECK(show_unknown.exit_code == 66);
    CHECK(f.db.count("SELECT count(*) FROM email_throttle_settings") == 0);
}

TEST_CASE("throttle list shows every company with its limits", "[admin][throttle]") {
    AdminFixture f;
    const auto other = insert_company(f.conn, {.name = "Zeta Corp"});
    f.admin({"throttle", "set", other.str(), "--per-hour", "7"});
    const auto j = f.json({"throttle", "list"});
    const auto& list = j.find("companies")->as_array();
    REQUIRE(list.size() == 2);
    CHECK(list[0].find("company_name")->as_string() == "Acme Ltd");
    CHECK(list[0].find("is_default")->as_bool());
    CHECK(list[1].find("max_emails_per_hour")->as_int() == 7);
    const auto text = f.admin({"throttle", "list"});
    CHECK(text.exit_code == 0);
    CHECK(text.out.find("Zeta Corp") != std::string::npos);
    CHECK(text.out.find("* the default") != std::string::npos);
}
