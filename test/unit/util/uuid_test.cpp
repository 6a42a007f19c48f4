#include <catch2/catch.hpp>

#include <set>

#include "util/error.hpp"
#include "util/uuid.hpp"

using namespace eq;

TEST_CASE("UUIDs parse in canonical form and are lowercased", "[uuid]") {
    const auto u = Uuid::parse("123E4567-E89B-12D3-A456-426614174000");
    REQUIRE(u.ok());
    CHECK(u->str() == "123e4567-e89b-12d3-a456-426614174000");
    CHECK(Uuid::parse("{123e4567-e89b-12d3-a456-426614174000}")->str() ==
          "123e4567-e89b-12d3-a456-426614174000");
}

TEST_CASE("malformed UUIDs are refused with a clear message", "[uuid]") {
    for (const char* bad :
         {"", "123", "123e4567e89b12d3a456426614174000", "123e4567-e89b-12d3-a456-42661417400g",
          "123e4567-e89b-12d3-a456-4266141740000", "'; DROP TABLE email_queue; --",
          "123e4567-e89b-12d3-a456_426614174000"}) {
        INFO(bad);
        const auto u = Uuid::parse(bad);
        REQUIRE_FALSE(u.ok());
        CHECK(u.error().find("malformed UUID") == 0);
    }
}

TEST_CASE("from_arg throws a usage error naming the argument", "[uuid]") {
    try {
        Uuid::from_arg("nope", "company id");
        FAIL("no exception");
    } catch (const Error& e) {
        CHECK(e.code() == ExitCode::usage);
        CHECK(std::string(e.what()).find("company id: malformed UUID 'nope'") == 0);
    }
}

TEST_CASE("random UUIDs are version 4 and distinct", "[uuid]") {
    std::set<std::string> seen;
    for (int i = 0; i < 100; ++i) {
        const auto u = Uuid::random();
        CHECK(u.str()[14] == '4');
        CHECK(std::string("89ab").find(u.str()[19]) != std::string::npos);
        CHECK(Uuid::parse(u.str()).ok());
        seen.insert(u.str());
    }
    CHECK(seen.size() == 100);
}
