#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <string_view>

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

namespace {

// The encodings written one octet at a time, straight from their definitions: the
// library's faster versions must give the same octets.
std::string reference_normalize_crlf(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r') {
            out += "\r\n";
            if (i + 1 < text.size() && text[i + 1] == '\n') {
                ++i;
            }
        } else if (text[i] == '\n') {
            out += "\r\n";
        } else {
            out.push_back(text[i]);
        }
    }
    return out;
}

std::string reference_quoted_printable(std::string_view text) {
    std::string out;
    std::size_t start = 0;
    while (true) {
        auto end = text.find("\r\n", start);
        const bool last = end == std::string_view::npos;
        end = last ? text.size() : end;
        std::size_t width = 0;
        for (std::size_t i = start; i < end; ++i) {
            const auto c = static_cast<unsigned char>(text[i]);
            const bool at_end = i + 1 == end;
            std::string piece;
            if (((c == ' ' || c == '\t') && !at_end) || (c >= 33 && c <= 126 && c != '=')) {
                piece.push_back(static_cast<char>(c));
            } else {
                constexpr std::string_view hex = "0123456789ABCDEF";
                piece = {'=', hex[c >> 4], hex[c & 0x0f]};
            }
            if (width + piece.size() > (at_end ? 76U : 75U)) {
                out += "=\r\n";
                width = 0;
            }
            out += piece;
            width += piece.size();
        }
        if (last) {
            return out;
        }
        out += "\r\n";
        start = end + 2;
    }
}

bool reference_is_clean_crlf(std::string_view text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        const bool bad_cr = text[i] == '\r' && (i + 1 == text.size() || text[i + 1] != '\n');
        const bool bad_lf = text[i] == '\n' && (i == 0 || text[i - 1] != '\r');
        if (text[i] == '\0' || bad_cr || bad_lf) {
            return false;
        }
    }
    return true;
}

} // namespace

TEST_CASE("the encodings match their one-octet-at-a-time definitions", "[encoding]") {
    std::mt19937 random(20261130);
    // Octets that matter to the encodings, often; any octet, sometimes.
    constexpr char k_special[] = "\r\n \t=.\0\x7f\x80\xff~!a";
    const std::string special(k_special, sizeof k_special - 1);
    for (int round = 0; round < 3000; ++round) {
        const auto size = random() % 400;
        std::string text;
        for (std::size_t i = 0; i < size; ++i) {
            text.push_back(random() % 3 == 0 ? static_cast<char>(random() % 256)
                                             : special[random() % special.size()]);
        }
        INFO("round " << round);
        CHECK(normalize_crlf(text) == reference_normalize_crlf(text));
        const auto crlf = normalize_crlf(text);
        CHECK(quoted_printable(crlf) == reference_quoted_printable(crlf));
        CHECK(quoted_printable(text) == reference_quoted_printable(text));
        CHECK(is_clean_crlf(text) == reference_is_clean_crlf(text));
        CHECK(is_clean_crlf(crlf) == reference_is_clean_crlf(crlf));
    }
    // The worst case for the encoder's buffer: every octet a triple.
    const std::string high(5000, '\xff');
    CHECK(quoted_printable(high) == reference_quoted_printable(high));
}
