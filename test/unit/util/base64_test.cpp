#include <catch2/catch.hpp>

#include "util/base64.hpp"
#include "util/utf8.hpp"

using namespace eq;

TEST_CASE("base64 encodes the RFC 4648 test vectors", "[base64]") {
    CHECK(base64_encode("") == "");
    CHECK(base64_encode("f") == "Zg==");
    CHECK(base64_encode("fo") == "Zm8=");
    CHECK(base64_encode("foo") == "Zm9v");
    CHECK(base64_encode("foob") == "Zm9vYg==");
    CHECK(base64_encode("fooba") == "Zm9vYmE=");
    CHECK(base64_encode("foobar") == "Zm9vYmFy");
    CHECK(base64_encode("\xfb\xff", Base64Alphabet::standard) == "+/8=");
    CHECK(base64_encode("\xfb\xff", Base64Alphabet::url_safe) == "-_8=");
}

TEST_CASE("base64 decoding is strict", "[base64]") {
    CHECK(*base64_decode("Zm9vYmFy") == "foobar");
    CHECK(*base64_decode("Zm9vYg==") == "foob");
    CHECK(*base64_decode("Zm9vYg") == "foob"); // padding may be left out
    CHECK(*base64_decode("-_8=", Base64Alphabet::url_safe) == "\xfb\xff");
    CHECK_FALSE(base64_decode("-_8=", Base64Alphabet::standard).ok());
    CHECK_FALSE(base64_decode("+/8=", Base64Alphabet::url_safe).ok());
    CHECK_FALSE(base64_decode("Zm9v YmFy").ok());
    CHECK_FALSE(base64_decode("Zm=9v").ok());
    CHECK_FALSE(base64_decode("Zm9vY").ok());    // a lone sixth of a byte
    CHECK_FALSE(base64_decode("Zm9vYh==").ok()); // non-zero leftover bits
    CHECK_FALSE(base64_decode("Zg=").ok());      // wrong padding
    CHECK(base64_decode("%%%%").error().find("%") == std::string::npos);
}

TEST_CASE("UTF-8 is validated and repaired", "[utf8]") {
    CHECK(is_valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
    CHECK_FALSE(is_valid_utf8("\xc3"));             // truncated
    CHECK_FALSE(is_valid_utf8("\xc0\xaf"));         // overlong
    CHECK_FALSE(is_valid_utf8("\xed\xa0\x80"));     // surrogate
    CHECK_FALSE(is_valid_utf8("\xf4\x90\x80\x80")); // past U+10FFFF
    CHECK(repair_utf8("a\xffz") == "a\xef\xbf\xbdz");
    CHECK(repair_utf8("caf\xc3\xa9") == "caf\xc3\xa9");
    CHECK(is_ascii("plain"));
    CHECK_FALSE(is_ascii("caf\xc3\xa9"));
    std::string s;
    append_utf8(s, 0x1F600);
    CHECK(s == "\xf0\x9f\x98\x80");
}
