#include <catch2/catch.hpp>

#include <set>

#include "util/exit_code.hpp"
#include "util/strings.hpp"

using namespace eq;

TEST_CASE("closest_match suggests plausible typos only", "[strings]") {
    const std::vector<std::string> words{"throttle", "status", "db", "retry", "run"};
    CHECK(closest_match("thrtotle", words) == "throttle");
    CHECK(closest_match("stauts", words) == "status");
    CHECK(closest_match("retyr", words) == "retry");
    CHECK_FALSE(closest_match("completely-different", words).has_value());
}

TEST_CASE("parse_integer refuses junk, negatives and out-of-range values", "[strings]") {
    CHECK(*parse_integer("42", "limit", 0, 100) == 42);
    CHECK(parse_integer("-1", "limit", 0, 100).error() ==
          "limit: -1 is negative; it must be at least 0");
    CHECK_FALSE(parse_integer("4x", "limit", 0, 100).ok());
    CHECK_FALSE(parse_integer("", "limit", 0, 100).ok());
    CHECK_FALSE(parse_integer("101", "limit", 0, 100).ok());
}

TEST_CASE("split, join and trim", "[strings]") {
    CHECK(split("a,b,,c", ',') == std::vector<std::string>{"a", "b", "", "c"});
    const std::vector<std::string> parts{"x", "y"};
    CHECK(join(parts, ", ") == "x, y");
    CHECK(trim("  a b \n") == "a b");
}

TEST_CASE("exit codes are unique and in the documented table", "[exit-code]") {
    std::set<int> seen;
    for (const auto& e : exit_code_table()) {
        CHECK(seen.insert(to_int(e.code)).second);
        CHECK_FALSE(e.meaning.empty());
    }
    CHECK(to_int(ExitCode::usage) == 64);
    CHECK(to_int(ExitCode::config) == 78);
    CHECK(to_int(ExitCode::unavailable) == 69);
    CHECK(to_int(ExitCode::interrupted) == 130);
}
