#include <catch2/catch.hpp>

#include "util/json.hpp"

using namespace eq;

TEST_CASE("JSON output keeps field order and escapes strings", "[json]") {
    Json o = Json::object();
    o.set("b", 1);
    o.set("a", "x\"y\\z\n\x01");
    o.set("list", Json(Json::Array{true, nullptr, 2.5}));
    CHECK(o.dump() == R"({"b":1,"a":"x\"y\\z\n\u0001","list":[true,null,2.5]})");
    o.set("b", 2);
    CHECK(o.dump().starts_with(R"({"b":2,)"));
}

TEST_CASE("JSON parses what it writes", "[json]") {
    Json o = Json::object();
    o.set("subject", "Grüße \"x\"");
    o.set("n", -42);
    o.set("nested", Json(Json::Object{{"k", Json::array()}}));
    const auto back = Json::parse(o.dump());
    REQUIRE(back.ok());
    CHECK(*back == o);
    CHECK(Json::parse(o.pretty())->dump() == o.dump());
}

TEST_CASE("JSON parser handles escapes and surrogate pairs", "[json]") {
    const auto v = Json::parse(R"({"s":"a\u00e9\ud83d\ude00\/","x":1e3})");
    REQUIRE(v.ok());
    CHECK(v->find("s")->as_string() == "a\xc3\xa9\xf0\x9f\x98\x80/");
    CHECK(v->find("x")->as_double() == 1000.0);
    CHECK(v->find("missing") == nullptr);
}

TEST_CASE("malformed JSON is refused with an offset", "[json]") {
    for (const char* bad : {"", "{", "{\"a\":}", "[1,]", "\"unterminated", "{\"a\":1} x", "nul",
                            "\"\\ud800\"", "{1:2}", "\"\x01\""}) {
        INFO(bad);
        const auto v = Json::parse(bad);
        REQUIRE_FALSE(v.ok());
        CHECK(v.error().find("invalid JSON at offset") == 0);
    }
}
