#include <catch2/catch.hpp>

#include "integration/admin/admin_fixture.hpp"

using namespace eq;
using namespace eq::test;

TEST_CASE("throttle set stores a sending schedule and throttle show explains it",
          "[admin][throttle][schedule]") {
    AdminFixture f;
    const auto id = f.company.str();
    const auto r = f.admin({"throttle",
                            "set",
                            id,
                            "--timezone",
                            "Europe/Berlin",
                            "--days",
                            "mon-fri",
                            "--window",
                            "08:00-17:00",
                            "--min-gap",
                            "60s",
                            "--jitter",
                            "2m",
                            "--ramp-start",
                            "20",
                            "--ramp-step",
                            "15",
                            "--ramp-from",
                            "2026-01-01",
                            "--pause-failure-rate",
                            "5",
                            "--pause-after",
                            "20",
                            "--holiday",
                            "2026-12-24",
                            "--holiday",
                            "2026-12-25"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.empty());
    // A schedule change alone leaves the web application's settings table alone.
    CHECK(f.db.count("SELECT count(*) FROM email_throttle_settings") == 0);
    CHECK(f.db.scalar("SELECT timezone || ' ' || days || ' ' || window_start || ' ' || "
                      "window_end || ' ' || min_gap_seconds || ' ' || jitter_seconds || ' ' || "
                      "ramp_start || ' ' || ramp_step || ' ' || ramp_started_on || ' ' || "
                      "pause_failure_percent || ' ' || pause_min_attempts "
                      "FROM email_queue_schedules") ==
          "Europe/Berlin 31 08:00:00 17:00:00 60 120 20 15 2026-01-01 5 20");
    CHECK(f.db.count("SELECT count(*) FROM email_queue_holidays") == 2);

    const auto j = f.json({"throttle", "show", id});
    const auto* s = j.find("schedule");
    REQUIRE(s != nullptr);
    CHECK(s->find("timezone")->as_string() == "Europe/Berlin");
    CHECK(s->find("days")->as_string() == "mon-fri");
    CHECK(s->find("window")->as_string() == "08:00-17:00");
    CHECK(s->find("holidays")->as_array().size() == 2);
    CHECK(s->find("min_gap_seconds")->as_int() == 60);
    CHECK(s->find("jitter_seconds")->as_int() == 120);
    CHECK(s->find("ramp_start")->as_int() == 20);
    // Far past the ramp's end: the full daily limit.
    CHECK(s->find("daily_limit_now")->as_int() == 500);
    CHECK(s->find("pause_failure_percent")->as_int() == 5);

    const auto text = f.admin({"throttle", "show", id});
    CHECK(text.out.find("window    mon-fri 08:00-17:00 Europe/Berlin") != std::string::npos);
    CHECK(text.out.find("holidays  2026-12-24, 2026-12-25") != std::string::npos);
    CHECK(text.out.find("pacing    at least 1m between sends, plus up to 2m at random") !=
          std::string::npos);
    CHECK(text.out.find("pause     a run with more than 5% failed after 20 attempts") !=
          std::string::npos);

    // Clearing: no window, no ramp, no auto-pause; a holiday removed.
    REQUIRE(f.admin({"throttle", "set", id, "--timezone", "none", "--ramp-start", "none",
                     "--pause-failure-rate", "none", "--no-holiday", "2026-12-24"})
                .exit_code == 0);
    CHECK(f.db.scalar("SELECT (timezone IS NULL) || ' ' || (ramp_start IS NULL) || ' ' || "
                      "(ramp_started_on IS NULL) || ' ' || (pause_failure_percent IS NULL) "
                      "FROM email_queue_schedules") == "true true true true");
    CHECK(f.db.scalar("SELECT string_agg(day::text, ',') FROM email_queue_holidays") ==
          "2026-12-25");
    CHECK(f.admin({"throttle", "show", id}).out.find("window    none") != std::string::npos);
}

TEST_CASE("a ramp set without a date starts today", "[admin][throttle][schedule]") {
    AdminFixture f;
    const auto j = f.json({"throttle", "set", f.company.str(), "--ramp-start", "30", "--ramp-step",
                           "10", "--per-day", "200"});
    const auto* s = j.find("schedule");
    CHECK(s->find("ramp_started_on")->as_string() ==
          f.db.scalar("SELECT to_char(current_date, 'YYYY-MM-DD')"));
    CHECK(s->find("daily_limit_now")->as_int() == 30);
    CHECK(j.find("max_emails_per_day")->as_int() == 200);
}

TEST_CASE("bad schedule options are refused and nothing is written",
          "[admin][throttle][schedule]") {
    AdminFixture f;
    const auto id = f.company.str();
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
        {{"--timezone", "Europe/Atlantis"}, "unknown time zone 'Europe/Atlantis'"},
        {{"--days", "weekdays"}, "--days: days 'weekdays' are not understood"},
        {{"--window", "17:00-08:00"}, "--window: window '17:00-08:00' ends before it starts"},
        {{"--window", "8-17"}, "is not HH:MM-HH:MM"},
        {{"--min-gap", "60"}, "--min-gap:"},
        {{"--jitter", "5x"}, "--jitter:"},
        {{"--ramp-start", "-1"}, "--ramp-start"},
        {{"--ramp-from", "2026-02-30", "--ramp-start", "5"}, "'2026-02-30' is not a date"},
        {{"--holiday", "tomorrow"}, "holiday 'tomorrow' is not a date"},
        {{"--pause-failure-rate", "0"}, "--pause-failure-rate"},
        {{"--pause-after", "0"}, "--pause-after"},
    };
    for (const auto& [args, message] : cases) {
        std::vector<std::string> full{"throttle", "set", id, "--per-hour", "7"};
        full.insert(full.end(), args.begin(), args.end());
        const auto r = f.admin(full);
        INFO(args.front() << ": " << r.err);
        CHECK(r.exit_code == 64);
        CHECK(r.err.find(message) != std::string::npos);
    }
    CHECK(f.db.count("SELECT count(*) FROM email_queue_schedules") == 0);
    CHECK(f.db.count("SELECT count(*) FROM email_throttle_settings") == 0);
    CHECK(f.db.count("SELECT count(*) FROM email_queue_holidays") == 0);
}
