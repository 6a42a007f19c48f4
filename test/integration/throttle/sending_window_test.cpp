#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "support/seed_data.hpp"
#include "support/test_database.hpp"

using namespace eq;
using namespace eq::test;

// The window test of the claim, in SQL with PostgreSQL's tz database, at fixed instants
// instead of now(): the same functions queue-process and queue-admin use.

namespace {

struct Window {
    const TestDatabase& db;
    std::string company;
    std::string zone;
    int days = 127;
    std::string start = "08:00";
    std::string end = "17:00";

    std::string args(const std::string& at) const {
        return fmt::format("'{}'::timestamptz, '{}', {}::smallint, '{}'::time, '{}'::time, '{}'",
                           at, zone, days, start, end, company);
    }
    bool open(const std::string& at) const {
        return db.scalar("SELECT email_queue_window_open(" + args(at) + ")") == "t";
    }
    // When it next opens, in UTC ("" for never).
    std::string opens(const std::string& at) const {
        return db.scalar("SELECT to_char(email_queue_window_opens(" + args(at) +
                         ") AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')");
    }
};

struct Fixture {
    TestDatabase db;
    std::string company;
    Fixture() {
        auto conn = db.connect();
        company = insert_company(conn).str();
    }
    Window window(const std::string& zone) const { return Window{db, company, zone}; }
};

} // namespace

TEST_CASE("Berlin's spring-forward day: 08:00 local is 06:00 UTC from that morning",
          "[sending_window][dst]") {
    Fixture f;
    const auto w = f.window("Europe/Berlin");
    // Saturday 2026-03-28 is still CET (UTC+1).
    CHECK_FALSE(w.open("2026-03-28T06:59:59Z"));
    CHECK(w.open("2026-03-28T07:00:00Z"));
    CHECK(w.open("2026-03-28T15:59:59Z"));
    CHECK_FALSE(w.open("2026-03-28T16:00:00Z"));
    // Sunday 2026-03-29: clocks jump from 02:00 to 03:00 at 01:00 UTC; now UTC+2.
    CHECK_FALSE(w.open("2026-03-29T05:59:59Z"));
    CHECK(w.open("2026-03-29T06:00:00Z")); // 08:00 CEST
    CHECK(w.open("2026-03-29T06:30:00Z")); // 07:30 if the offset were still +1
    CHECK(w.open("2026-03-29T14:59:59Z"));
    CHECK_FALSE(w.open("2026-03-29T15:00:00Z")); // 17:00 CEST
    CHECK(w.opens("2026-03-28T20:00:00Z") == "2026-03-29T06:00:00Z");
    CHECK(w.opens("2026-03-29T00:30:00Z") == "2026-03-29T06:00:00Z");
    CHECK(w.opens("2026-03-29T06:30:00Z") == "2026-03-29T06:30:00Z"); // open now
}

TEST_CASE("Berlin's fall-back day: 08:00 local is 07:00 UTC from that morning",
          "[sending_window][dst]") {
    Fixture f;
    auto w = f.window("Europe/Berlin");
    // Saturday 2026-10-24 is still CEST (UTC+2).
    CHECK(w.open("2026-10-24T06:00:00Z"));
    CHECK_FALSE(w.open("2026-10-24T15:00:00Z"));
    // Sunday 2026-10-25: clocks go back from 03:00 to 02:00 at 01:00 UTC; now UTC+1.
    CHECK_FALSE(w.open("2026-10-25T06:30:00Z")); // 07:30 CET (08:30 if still +2)
    CHECK(w.open("2026-10-25T07:00:00Z"));
    CHECK(w.open("2026-10-25T15:59:59Z"));
    CHECK_FALSE(w.open("2026-10-25T16:00:00Z"));
    CHECK(w.opens("2026-10-24T20:00:00Z") == "2026-10-25T07:00:00Z");
    // The hour that happens twice is inside a 02:00-03:00 window both times.
    w.start = "02:00";
    w.end = "03:00";
    CHECK(w.open("2026-10-25T00:30:00Z")); // 02:30 CEST
    CHECK(w.open("2026-10-25T01:30:00Z")); // 02:30 CET
    CHECK_FALSE(w.open("2026-10-25T02:00:00Z"));
}

TEST_CASE("a start time the spring-forward gap skips opens after the gap",
          "[sending_window][dst]") {
    Fixture f;
    auto w = f.window("Europe/Berlin");
    w.start = "02:30";
    w.end = "04:00";
    // 02:30 does not exist on 2026-03-29: the local time passes it when the clocks jump
    // from 02:00 to 03:00 (01:00 UTC), and the window is open from then on. (PostgreSQL
    // reads '02:30' with the offset before the change, 01:30 UTC: half an hour late.)
    const auto opens = w.opens("2026-03-28T23:00:00Z");
    CHECK(opens == "2026-03-29T01:00:00Z");
    CHECK(w.open(opens));
    CHECK_FALSE(w.open("2026-03-29T00:59:59Z")); // 01:59 CET
    CHECK_FALSE(w.open("2026-03-29T02:00:00Z")); // 04:00 CEST
    // A window the change skips whole (02:15 to 02:45) does not open that day.
    w.start = "02:15";
    w.end = "02:45";
    CHECK(w.opens("2026-03-28T23:00:00Z") == "2026-03-30T00:15:00Z");
}

TEST_CASE("a start time that happens twice opens at the first, and again after the change",
          "[sending_window][dst]") {
    Fixture f;
    auto w = f.window("Europe/Berlin");
    w.start = "02:30";
    w.end = "04:00";
    // 2026-10-25: 02:30 CEST is 00:30 UTC; at 01:00 UTC the clocks go back to 02:00, the
    // local time is before the start again until 02:30 CET (01:30 UTC).
    CHECK(w.opens("2026-10-24T23:00:00Z") == "2026-10-25T00:30:00Z");
    CHECK(w.open("2026-10-25T00:30:00Z"));
    CHECK_FALSE(w.open("2026-10-25T01:10:00Z"));
    CHECK(w.opens("2026-10-25T01:10:00Z") == "2026-10-25T01:30:00Z");
}

TEST_CASE("New York's change days and zones without daylight saving", "[sending_window][dst]") {
    Fixture f;
    const auto ny = f.window("America/New_York");
    // 2026-03-08: EST (UTC-5) until 07:00 UTC, then EDT (UTC-4).
    CHECK(ny.open("2026-03-08T12:00:00Z"));       // 08:00 EDT (07:00 if still EST)
    CHECK_FALSE(ny.open("2026-03-08T11:59:59Z")); // 07:59 EDT
    CHECK(ny.opens("2026-03-08T03:00:00Z") == "2026-03-08T12:00:00Z");
    // 2026-11-01: back to EST.
    CHECK_FALSE(ny.open("2026-11-01T12:30:00Z")); // 07:30 EST
    CHECK(ny.opens("2026-11-01T05:00:00Z") == "2026-11-01T13:00:00Z");
    // Kolkata is UTC+05:30 all year.
    const auto in = f.window("Asia/Kolkata");
    CHECK(in.opens("2026-03-29T00:00:00Z") == "2026-03-29T02:30:00Z");
    CHECK(in.opens("2026-10-25T00:00:00Z") == "2026-10-25T02:30:00Z");
}

TEST_CASE("the days are the recipient's local days, and holidays close the window",
          "[sending_window]") {
    Fixture f;
    auto tokyo = f.window("Asia/Tokyo");
    tokyo.days = 0b0011111; // mon-fri
    // Friday 2026-05-01 23:30 UTC is Saturday 08:30 in Tokyo.
    CHECK(tokyo.open("2026-05-01T00:30:00Z")); // Friday 09:30 JST
    CHECK_FALSE(tokyo.open("2026-05-01T23:30:00Z"));
    CHECK(tokyo.opens("2026-05-01T23:30:00Z") == "2026-05-03T23:00:00Z"); // Monday 08:00
    // A holiday on Friday May 1st (a local date) and Monday May 4th.
    f.db.exec("INSERT INTO email_queue_holidays (company_id, day) VALUES ('" + f.company +
              "', '2026-05-01'), ('" + f.company + "', '2026-05-04')");
    CHECK_FALSE(tokyo.open("2026-05-01T00:30:00Z"));
    CHECK(tokyo.opens("2026-04-30T20:00:00Z") == "2026-05-04T23:00:00Z"); // Tuesday 08:00
    // No day chosen: never opens.
    tokyo.days = 0;
    CHECK_FALSE(tokyo.open("2026-05-05T00:30:00Z"));
    CHECK(tokyo.opens("2026-05-05T00:30:00Z").empty());
}

TEST_CASE("a lead's own known zone wins, an unknown one falls back to the company's",
          "[sending_window]") {
    Fixture f;
    auto conn = f.db.connect();
    const auto company = Uuid::parse(f.company).value();
    const auto tokyo = insert_lead(conn, company, "a@x.example");
    const auto bogus = insert_lead(conn, company, "b@x.example");
    const auto none = insert_lead(conn, company, "c@x.example");
    f.db.exec("UPDATE leads SET timezone = 'Asia/Tokyo' WHERE id = '" + tokyo.str() + "'");
    f.db.exec("UPDATE leads SET timezone = 'Mars/Olympus_Mons' WHERE id = '" + bogus.str() + "'");
    const auto zone = [&](const Uuid& lead, const std::string& company_zone) {
        return f.db.scalar("SELECT email_queue_send_zone('" + lead.str() + "', " + company_zone +
                           ")");
    };
    CHECK(zone(tokyo, "'Europe/Berlin'") == "Asia/Tokyo");
    CHECK(zone(bogus, "'Europe/Berlin'") == "Europe/Berlin");
    CHECK(zone(none, "'Europe/Berlin'") == "Europe/Berlin");
    // No company window: no window at all, whatever the lead's zone.
    CHECK(zone(tokyo, "NULL").empty());
    CHECK(f.db.scalar("SELECT email_queue_window_open(now(), NULL, 0::smallint, '08:00', "
                      "'09:00', '" +
                      f.company + "')") == "t");
}

TEST_CASE("when the window opens agrees with whether it is open, minute by minute, on the days "
          "the clocks change",
          "[sending_window][dst]") {
    // For every minute t of the two days around each change, email_queue_window_opens(t)
    // (queue-admin status and explain) is the first minute from t on at which
    // email_queue_window_open (the claim) is true.
    Fixture f;
    struct Case {
        const char* zone;
        const char* from; // UTC; the two days from here are checked
        const char* start;
        const char* end;
    };
    const Case cases[] = {
        {"Europe/Berlin", "2026-03-28T12:00:00Z", "02:30", "04:00"},
        {"Europe/Berlin", "2026-03-28T12:00:00Z", "02:00", "02:59"},
        {"Europe/Berlin", "2026-10-24T12:00:00Z", "02:30", "04:00"},
        {"Europe/Berlin", "2026-10-24T12:00:00Z", "08:00", "17:00"},
        {"America/New_York", "2026-03-07T12:00:00Z", "02:30", "17:00"},
        {"America/New_York", "2026-10-31T12:00:00Z", "01:15", "01:45"},
        {"Australia/Lord_Howe", "2026-10-03T00:00:00Z", "02:10", "09:00"}, // 30-minute change
        {"Australia/Lord_Howe", "2026-04-04T00:00:00Z", "01:40", "03:00"},
    };
    for (const auto& c : cases) {
        Window w = f.window(c.zone);
        w.start = c.start;
        w.end = c.end;
        INFO(c.zone << " " << c.from << " " << c.start << "-" << c.end);
        const auto args = [&](const std::string& at) {
            return fmt::format("{}, '{}', {}::smallint, '{}'::time, '{}'::time, '{}'", at, w.zone,
                               w.days, w.start, w.end, w.company);
        };
        // Each minute with the first open minute from it on (over three days, so that
        // every minute of the first two has one).
        const auto minutes = fmt::format(
            "minutes AS (SELECT t, min(t) FILTER (WHERE open) OVER (ORDER BY t DESC) AS first_open"
            " FROM (SELECT t, email_queue_window_open({}) AS open FROM generate_series("
            "'{}'::timestamptz, '{}'::timestamptz + interval '3 days', interval '1 minute') t) o)",
            args("t"), c.from, c.from);
        const auto disagreements = f.db.scalar(
            "WITH " + minutes +
            " SELECT count(*) || ' ' || COALESCE(min(t)::text, '-') FROM minutes WHERE t < '" +
            c.from + "'::timestamptz + interval '2 days' AND email_queue_window_opens(" +
            args("t") + ") IS DISTINCT FROM first_open");
        CHECK(disagreements == "0 -");
    }
}
