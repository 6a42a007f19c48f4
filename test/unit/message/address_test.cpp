#include <catch2/catch.hpp>

#include "message/address.hpp"

using namespace eq;
using namespace eq::message;

TEST_CASE("valid addresses pass the one address rule", "[address]") {
    for (const char* a :
         {"a@b.co", "jack.doe@acme.example", "x+tag@sub.domain-1.example", "o'neil@x.example",
          "UPPER@EXAMPLE.COM", "a!#$%&*/=?^_`{|}~-@x.example", "1@2.3"}) {
        INFO(a);
        CHECK(is_valid_address(a));
    }
    const std::string local64(64, 'l');
    CHECK(is_valid_address(local64 + "@x.example"));
    // 254 octets in all: 64 + 1 + 189.
    const std::string domain =
        std::string(63, 'd') + "." + std::string(63, 'd') + "." + std::string(61, 'd');
    CHECK((local64 + "@" + domain).size() == 254);
    CHECK(is_valid_address(local64 + "@" + domain));
}

TEST_CASE("invalid addresses are refused with a reason", "[address]") {
    const auto why = [](std::string_view a) { return address_problem(a).value_or("valid"); };
    CHECK(why("a@") == "an address is 3 to 254 octets long, not 2");
    CHECK(why("ann.example.com") == "it must contain exactly one '@'");
    CHECK(why("a@b@c.example") == "it must contain exactly one '@'");
    CHECK(why("@x.example") == "the part before '@' must be 1 to 64 octets");
    CHECK(why(std::string(65, 'l') + "@x.example") == "the part before '@' must be 1 to 64 octets");
    CHECK(why(".a@x.example") == "the part before '@' starts or ends with '.' or contains '..'");
    CHECK(why("a.@x.example") == "the part before '@' starts or ends with '.' or contains '..'");
    CHECK(why("a..b@x.example") == "the part before '@' starts or ends with '.' or contains '..'");
    CHECK(why("a@localhost") == "the domain needs at least two labels (like example.com)");
    CHECK(why("a@x..example") == "a domain label is empty or longer than 63 octets");
    CHECK(why("a@x.example.") == "a domain label is empty or longer than 63 octets");
    CHECK(why("a@" + std::string(64, 'd') + ".example") ==
          "a domain label is empty or longer than 63 octets");
    CHECK(why("a@-x.example") == "a domain label starts or ends with '-'");
    CHECK(why("a@x-.example") == "a domain label starts or ends with '-'");
    CHECK(why("a@x_y.example") == "the domain may only hold letters, digits, '-' and '.'");
    CHECK(why("a b@x.example") == "it contains a space or a control character");
    CHECK(why(std::string(300, 'a')) == "an address is 3 to 254 octets long, not 300");
    CHECK(why("caf\xc3\xa9@x.example") == "it contains a non-ASCII character");
    CHECK(why("a\x7f@x.example") == "it contains a space or a control character");
    for (const char c : std::string_view("<>(),;:\\\"[]")) {
        INFO(c);
        CHECK(why(std::string("a") + c + "b@x.example") == std::string("it contains '") + c + "'");
    }
}

TEST_CASE("CR, LF and NUL in an address are refused, so none reaches SMTP", "[address]") {
    for (const std::string& a :
         {std::string("victim@x.example\r\nRCPT TO:<other@y.example>"),
          std::string("victim@x.example\n"), std::string("vic\0tim@x.example", 18),
          std::string("victim@x.example\r"), std::string("\tvictim@x.example")}) {
        CHECK_FALSE(is_valid_address(a));
    }
}

TEST_CASE("the display name comes from the account's local part, else the company", "[address]") {
    CHECK(display_name_for("jack.doe@x.example", "Acme") == "Jack Doe");
    CHECK(display_name_for("JACK_doe-smith@x.example", "Acme") == "Jack Doe Smith");
    CHECK(display_name_for("jack.doe+sales@x.example", "Acme") == "Jack Doe");
    CHECK(display_name_for("info@x.example", "Acme Ltd") == "Acme Ltd");
    CHECK(display_name_for("info@x.example", "  ") == "Info");
    CHECK(display_name_for(".jack.@x.example", "Acme") == "Acme");
}

TEST_CASE("Reply-To carries the email log id", "[address]") {
    const auto id = *Uuid::parse("0f8fad5b-d9cb-469f-a165-70867728950e");
    CHECK(*reply_to_address("jack.doe@acme.example", id) ==
          "jack.doe+0f8fad5b-d9cb-469f-a165-70867728950e@acme.example");
    const auto too_long = reply_to_address(std::string(30, 'j') + "@acme.example", id);
    REQUIRE_FALSE(too_long.ok());
    CHECK(too_long.error() == "no Reply-To address: the part before '@' must be 1 to 64 octets");
}
