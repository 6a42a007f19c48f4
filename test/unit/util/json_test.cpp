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

namespace {

// The parser's verdict on text: "" when it parses, else its error.
std::string refusal(std::string_view text) {
    const auto v = Json::parse(text);
    return v.ok() ? std::string() : v.error();
}

} // namespace

TEST_CASE("JSON numbers with leading zeros are refused", "[json]") {
    for (const char* bad : {"01", "-01", "00", "[007]", "{\"a\":00.5}", "-00e1"}) {
        INFO(bad);
        CHECK(refusal(bad).find("leading zero") != std::string::npos);
    }
    for (const char* good : {"0", "-0", "0.5", "-0.01", "0e3", "10", "[0,0]"}) {
        INFO(good);
        CHECK(refusal(good).empty());
    }
}

TEST_CASE("JSON input that is not well-formed UTF-8 is refused", "[json]") {
    for (const char* bad : {
             "\"\xc0\xaf\"",             // overlong '/'
             "\"\xe0\x80\xaf\"",         // overlong, three octets
             "\"\xf0\x80\x80\xaf\"",     // overlong, four octets
             "\"\xed\xa0\x80\"",         // U+D800 written in UTF-8
             "\"\xed\xbf\xbf\"",         // U+DFFF written in UTF-8
             "\"\xf4\x90\x80\x80\"",     // past U+10FFFF
             "\"\xf5\x80\x80\x80\"",     // lead octet past F4
             "\"\xff\"",                 // never in UTF-8
             "\"\x80\"",                 // continuation without a lead
             "\"\xc3\"",                 // truncated at the quote
             "\"\xe2\x82\"",             // truncated three-octet sequence
             "{\"k\xc3\":1}",            // in a key
             "[\"ok\",\"\xf0\x9f\x98\"]" // truncated four-octet sequence in an array
         }) {
        INFO(bad);
        CHECK(refusal(bad).find("UTF-8") != std::string::npos);
    }
    for (const char* good : {"\"\xc3\xa9\"", "\"\xe2\x82\xac\"", "\"\xf0\x9f\x98\x80\"",
                             "\"\xef\xbf\xbf\"", "\"\xf4\x8f\xbf\xbf\"", "\"\x7f\""}) {
        INFO(good);
        CHECK(refusal(good).empty());
    }
}

TEST_CASE("JSON surrogate escapes must pair a high with a low one", "[json]") {
    for (const char* bad : {"\"\\ud800\"", "\"\\udc00\"", "\"\\ud800x\"", "\"\\ud800\\u0041\"",
                            "\"\\ud800\\ud800\"", "\"\\udc00\\ud800\"", "\"\\ud800\\n\""}) {
        INFO(bad);
        CHECK(refusal(bad).find("surrogate") != std::string::npos);
    }
    const auto pair = Json::parse("\"\\uD834\\uDD1E\"");
    REQUIRE(pair.ok());
    CHECK(pair->as_string() == "\xf0\x9d\x84\x9e");
}

TEST_CASE("JSON strings refuse raw control characters", "[json]") {
    for (const char* bad : {"\"a\nb\"", "\"\t\"", "\"\x1f\"", "{\"\x01\":1}"}) {
        INFO(bad);
        CHECK(refusal(bad).find("control character") != std::string::npos);
    }
    CHECK(refusal(std::string_view("\"a\0b\"", 5)).find("control character") != std::string::npos);
}

TEST_CASE("JSON text after the value is refused", "[json]") {
    for (const char* bad :
         {"1 2", "{} {}", "[1]]", "null,", "\"a\"\"b\"", "true x", "0x10", "1.5.5"}) {
        INFO(bad);
        CHECK_FALSE(refusal(bad).empty());
    }
    CHECK(refusal(std::string_view("{}\0", 3)).find("after the value") != std::string::npos);
    CHECK(refusal(" {} \r\n\t").empty());
}

TEST_CASE("JSON nesting deeper than 200 levels is refused", "[json]") {
    const auto nested = [](std::size_t n) { return std::string(n, '[') + std::string(n, ']'); };
    CHECK(refusal(nested(200)).empty());
    CHECK(refusal(nested(202)).find("nesting too deep") != std::string::npos);
    // Deep enough to overflow the stack of a parser without a limit.
    CHECK(refusal(nested(1000000)).find("nesting too deep") != std::string::npos);
    CHECK(refusal(std::string(500, '[')).find("nesting too deep") != std::string::npos);
}

TEST_CASE("JSON objects with a repeated key are refused", "[json]") {
    CHECK(refusal(R"({"a":1,"a":2})").find("repeated key \"a\"") != std::string::npos);
    CHECK(refusal(R"({"x":{"b":1,"c":2,"b":3}})").find("repeated key \"b\"") != std::string::npos);
    // The same key in different objects is fine, and so are keys that differ only once
    // unescaped.
    CHECK(refusal(R"({"a":{"a":1},"b":[{"a":1},{"a":2}]})").empty());
    CHECK(refusal(R"({"a\u0062":1,"ab":2})").find("repeated key \"ab\"") != std::string::npos);
}

TEST_CASE("JSON objects keep insertion order and find any key of a large object", "[json]") {
    Json o = Json::object();
    for (int i = 0; i < 5000; ++i) {
        o.set("k" + std::to_string((i * 7919) % 5000), i);
    }
    REQUIRE(o.as_object().size() == 5000);
    CHECK(o.as_object().front().first == "k0");
    CHECK(o.as_object()[1].first == "k2919");
    for (int i = 0; i < 5000; ++i) {
        const auto* v = o.find("k" + std::to_string((i * 7919) % 5000));
        REQUIRE(v != nullptr);
        CHECK(v->as_int() == i);
    }
    CHECK(o.find("k5000") == nullptr);
    // Replacing keeps the key's place.
    o.set("k2919", "again");
    CHECK(o.as_object()[1].second.as_string() == "again");
    CHECK(o.find("k2919")->as_string() == "again");
    const auto back = Json::parse(o.dump());
    REQUIRE(back.ok());
    CHECK(*back == o);
    CHECK(back->find("k4999") != nullptr);
    // A copy answers from its own members.
    Json copy = o;
    copy.set("k0", false);
    CHECK(o.find("k0")->as_int() == 0);
    CHECK(copy.find("k0")->as_bool() == false);
}

TEST_CASE("a JSON object built from members keeps the last value of a repeated key", "[json]") {
    const Json o(Json::Object{{"a", 1}, {"b", 2}, {"a", 3}});
    CHECK(o.dump() == R"({"a":3,"b":2})");
    CHECK(o.find("a")->as_int() == 3);
}
