#include <catch2/catch.hpp>

#include "message/encoding.hpp"

using namespace eq::message;

TEST_CASE("every line break becomes CRLF", "[encoding]") {
    CHECK(normalize_crlf("a\nb\r\nc\rd\r\r\ne\n\n") == "a\r\nb\r\nc\r\nd\r\n\r\ne\r\n\r\n");
    CHECK(normalize_crlf("") == "");
    CHECK(is_clean_crlf("a\r\nb\r\n"));
    CHECK_FALSE(is_clean_crlf("a\nb"));
    CHECK_FALSE(is_clean_crlf("a\rb"));
    CHECK_FALSE(is_clean_crlf("a\r"));
    CHECK_FALSE(is_clean_crlf(std::string("a\0b", 3)));
}

TEST_CASE("quoted-printable encodes specials and keeps lines within 76 octets", "[encoding]") {
    CHECK(quoted_printable("a=b caf\xc3\xa9") == "a=3Db caf=C3=A9");
    CHECK(quoted_printable("trailing \r\ntab\t\r\n") == "trailing=20\r\ntab=09\r\n");
    CHECK(quoted_printable(".\r\n..dots\r\n") == ".\r\n..dots\r\n");
    const std::string long_line(200, 'x');
    const auto qp = quoted_printable(long_line);
    CHECK(longest_line(qp) <= 76);
    CHECK(qp.substr(0, 77) == std::string(75, 'x') + "=\r");
    // A soft break never splits an =XX triple.
    const std::string accents = std::string(74, 'a') + "\xc3\xa9\xc3\xa9";
    const auto q2 = quoted_printable(accents);
    CHECK(q2 == std::string(74, 'a') + "=\r\n=C3=A9=C3=A9");
    // 10,000 octets in one line still come out as short lines.
    CHECK(longest_line(quoted_printable(std::string(10000, '\xe2'))) <= 76);
}

TEST_CASE("longest_line measures without the line break", "[encoding]") {
    CHECK(longest_line("ab\r\nabcd\r\nabc") == 4);
    CHECK(longest_line("") == 0);
}
