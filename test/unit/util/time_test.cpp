#include <catch2/catch.hpp>

#include "util/time.hpp"

using namespace eq;
using namespace std::chrono;

TEST_CASE("timestamps parse from ISO 8601 with a zone", "[time]") {
    const auto t = parse_timestamp("2026-05-01T09:00:00+02:00");
    REQUIRE(t.ok());
    CHECK(format_timestamp(*t) == "2026-05-01T07:00:00Z");
    CHECK(format_timestamp(*parse_timestamp("2026-05-01T07:00:00Z")) == "2026-05-01T07:00:00Z");
    CHECK(format_timestamp(*parse_timestamp("2026-12-31T23:30:00-01:30")) ==
          "2027-01-01T01:00:00Z");
}

TEST_CASE("timestamps parse from PostgreSQL's ISO output", "[time]") {
    const auto t = parse_timestamp("2026-11-29 14:21:29.123456+00");
    REQUIRE(t.ok());
    CHECK(format_timestamp(*t, true) == "2026-11-29T14:21:29.123456Z");
    CHECK(format_timestamp(*parse_timestamp("2026-11-29 14:21:29.5+00"), true) ==
          "2026-11-29T14:21:29.500000Z");
}

TEST_CASE("a time without a zone is refused unless allowed", "[time]") {
    CHECK_FALSE(parse_timestamp("2026-05-01T09:00:00").ok());
    CHECK(parse_timestamp("2026-05-01T09:00:00").error().find("missing time zone") !=
          std::string::npos);
    CHECK(format_timestamp(*parse_timestamp("2026-05-01T09:00:00", true)) ==
          "2026-05-01T09:00:00Z");
}

TEST_CASE("malformed times are refused with the reason", "[time]") {
    for (const char* bad : {"", "tomorrow", "2026-02-30T10:00:00Z", "2026-13-01T00:00:00Z",
                            "2026-05-01", "2026-05-01T25:00:00Z", "2026-05-01T10:00:00+2",
                            "2026-05-01T10:00:00Zjunk", "2026-05-01T10:61:00Z"}) {
        INFO(bad);
        const auto t = parse_timestamp(bad);
        REQUIRE_FALSE(t.ok());
        CHECK(t.error().find("cannot parse time") == 0);
    }
}

TEST_CASE("durations need a unit and add up", "[time]") {
    CHECK(parse_duration("90s")->count() == 90);
    CHECK(parse_duration("15m")->count() == 900);
    CHECK(parse_duration("2h")->count() == 7200);
    CHECK(parse_duration("7d")->count() == 7 * 86400);
    CHECK(parse_duration("1w")->count() == 7 * 86400);
    CHECK(parse_duration("1h30m")->count() == 5400);
    CHECK_FALSE(parse_duration("90").ok());
    CHECK_FALSE(parse_duration("").ok());
    CHECK_FALSE(parse_duration("-5m").ok());
    CHECK_FALSE(parse_duration("5x").ok());
    CHECK_FALSE(parse_duration("m").ok());
}

TEST_CASE("durations and years are bounded so arithmetic on them cannot overflow", "[time]") {
    CHECK(parse_duration("36500d")->count() == 36500LL * 86400);
    CHECK(parse_duration("5214w")->count() == 5214LL * 7 * 86400);
    for (const char* big : {"36501d", "5215w", "876001h", "20000000w", "100000000w",
                            "100000000w100000000w100000000w", "99999999999h", "36500d1s"}) {
        INFO(big);
        const auto d = parse_duration(big);
        REQUIRE_FALSE(d.ok());
        CHECK(d.error().find("too large") != std::string::npos);
    }
    // A cutoff of now minus the largest duration is still a time PostgreSQL can take.
    const auto now = *parse_timestamp("2026-05-01T00:00:00Z");
    CHECK(format_timestamp(now - k_max_duration).starts_with("1926-"));
    CHECK(parse_timestamp("0001-01-01T00:00:00Z").ok());
    CHECK(parse_timestamp("9999-12-31T23:59:59Z").ok());
    const auto year0 = parse_timestamp("0000-01-01T00:00:00Z");
    REQUIRE_FALSE(year0.ok());
    CHECK(year0.error().find("year before 1") != std::string::npos);
}

TEST_CASE("durations print with their two largest units", "[time]") {
    CHECK(format_duration(seconds{45}) == "45s");
    CHECK(format_duration(seconds{725}) == "12m 5s");
    CHECK(format_duration(seconds{3 * 3600 + 1200}) == "3h 20m");
    CHECK(format_duration(seconds{2 * 86400 + 4 * 3600 + 59}) == "2d 4h");
    CHECK(format_duration(seconds{3600}) == "1h");
}
