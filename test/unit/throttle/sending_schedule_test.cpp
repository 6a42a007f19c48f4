#include <catch2/catch.hpp>

#include "throttle/sending_schedule.hpp"

using namespace eq;
using namespace eq::throttle;

TEST_CASE("days are read as names, ranges and lists", "[sending_schedule]") {
    CHECK(parse_days("mon-fri").value() == 0b0011111);
    CHECK(parse_days("sat,sun").value() == 0b1100000);
    CHECK(parse_days("mon,wed,fri").value() == 0b0010101);
    CHECK(parse_days("sat-mon").value() == 0b1100001); // wraps over the week's end
    CHECK(parse_days("all").value() == 127);
    CHECK(parse_days("none").value() == 0);
    for (const auto* bad : {"", "monday", "mon-", "x-fri", "mon,,fri", "Mon"}) {
        INFO(bad);
        CHECK_FALSE(parse_days(bad).ok());
    }
}

TEST_CASE("days are written back as ranges", "[sending_schedule]") {
    CHECK(format_days(0b0011111) == "mon-fri");
    CHECK(format_days(0b0010101) == "mon,wed,fri");
    CHECK(format_days(127) == "mon-sun");
    CHECK(format_days(0) == "none");
    CHECK(format_days(0b1100001) == "mon,sat-sun");
}

TEST_CASE("a window is HH:MM-HH:MM within one local day", "[sending_schedule]") {
    CHECK(parse_window("08:00-17:00").value() == std::pair{480, 1020});
    CHECK(parse_window("00:00-24:00").value() == std::pair{0, 1440});
    CHECK(format_window(480, 1020) == "08:00-17:00");
    CHECK(format_window(0, 1440) == "00:00-24:00");
    for (const auto* bad : {"8:00-17:00", "08:00", "17:00-08:00", "08:00-08:00", "24:00-24:00",
                            "08:60-09:00", "08:00-24:01", "25:00-26:00"}) {
        INFO(bad);
        CHECK_FALSE(parse_window(bad).ok());
    }
    CHECK(parse_window("17:00-08:00").error().find("ends before it starts") != std::string::npos);
}
