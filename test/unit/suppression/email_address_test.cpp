#include <catch2/catch.hpp>

#include <string>

#include "suppression/email_address.hpp"

using eq::suppression::check_email_address;
using eq::suppression::is_valid_email_address;

TEST_CASE("ordinary addresses are valid", "[email_address]") {
    for (const char* a : {"ann@example.com", "a.b+tag@sub.example.co.uk", "x@a-b.io", "A@B.CD",
                          "o'neil@example.org", "a@b.c"}) {
        INFO(a);
        CHECK(is_valid_email_address(a));
    }
}

TEST_CASE("the address rule rejects each broken part", "[email_address]") {
    const auto why = [](const std::string& a) {
        const auto f = check_email_address(a);
        return f ? f->message : std::string("valid");
    };
    CHECK(why("ab") == "2 octets; an address has 3 to 254");
    CHECK(why("no-at-sign") == "no '@'");
    CHECK(why("a@b@example.com") == "more than one '@'");
    CHECK(why("@example.com").find("the local part has 0 octets") == 0);
    CHECK(why(std::string(65, 'a') + "@example.com").find("the local part has 65") == 0);
    CHECK(why(".ann@example.com") == "the local part starts or ends with '.'");
    CHECK(why("ann.@example.com") == "the local part starts or ends with '.'");
    CHECK(why("a..b@example.com") == "the local part contains '..'");
    CHECK(why("a b@example.com") == "spaces and control characters are not allowed");
    CHECK(why("a\x7f@example.com") == "spaces and control characters are not allowed");
    CHECK(why("j\xc3\xb6rg@example.com") == "non-ASCII characters are not allowed");
    for (const char c : std::string("<>(),;:\\\"[]")) {
        INFO(c);
        CHECK(why(std::string("a") + c + "b@example.com").find("is not allowed") !=
              std::string::npos);
    }
    CHECK(why("ann@localhost") == "the domain needs at least two labels (like example.com)");
    CHECK(why("ann@example..com").find("a domain label has 0 octets") == 0);
    CHECK(why("ann@example.com.").find("a domain label has 0 octets") == 0);
    CHECK(why("ann@-example.com") == "the domain label '-example' starts or ends with '-'");
    CHECK(why("ann@example-.com") == "the domain label 'example-' starts or ends with '-'");
    CHECK(why("ann@ex_ample.com").find("other than letters, digits and '-'") != std::string::npos);
    CHECK(why("ann@" + std::string(64, 'a') + ".com").find("a domain label has 64") == 0);
    // 254 octets is the most.
    const std::string label(60, 'a');
    const std::string long_ok =
        "a@" + label + "." + label + "." + label + "." + label + ".abcdefgh";
    REQUIRE(long_ok.size() == 254);
    CHECK(why(long_ok) == "valid");
    CHECK(why(long_ok + "h").find("255 octets") == 0);
}
