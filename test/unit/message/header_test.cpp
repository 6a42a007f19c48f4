#include <catch2/catch.hpp>

#include "message/encoding.hpp"
#include "message/header.hpp"
#include "util/base64.hpp"
#include "util/strings.hpp"

using namespace eq;
using namespace eq::message;

namespace {

// The text of a header's encoded-words, decoded (for checks).
std::string decode_words(const std::string& header) {
    std::string out;
    std::size_t pos = 0;
    while ((pos = header.find("=?UTF-8?B?", pos)) != std::string::npos) {
        const auto end = header.find("?=", pos + 10);
        out += *base64_decode(header.substr(pos + 10, end - pos - 10));
        pos = end + 2;
    }
    return out;
}

// Header lines after splitting at CRLF; the first holds "Name:".
std::vector<std::string> lines_of(const std::string& header) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (true) {
        const auto end = header.find("\r\n", start);
        out.push_back(header.substr(start, end - start));
        if (end == std::string::npos) {
            return out;
        }
        start = end + 2;
    }
}

} // namespace

TEST_CASE("CR, LF, NUL and controls in a header value never start a new header", "[header]") {
    CHECK(clean_header_value("Hi\r\nBcc: victim@x.example") == "Hi Bcc: victim@x.example");
    CHECK(clean_header_value(std::string("a\0b\tc\x01\x7f"
                                         "d",
                                         8)) == "a b c d");
    CHECK(clean_header_value("  lots   of\n\n space ") == "lots of space");
    CHECK(clean_header_value("bad \xff utf8") == "bad \xef\xbf\xbd utf8");
    const auto h = unstructured_header("Subject", "Hello\r\nBcc: victim@x.example\r\n\r\nbody");
    CHECK(h == "Subject: Hello Bcc: victim@x.example body");
    CHECK(h.find('\n') == std::string::npos);
    const auto m = mailbox_header("From", "Evil\r\nBcc: x@y.example", "a@b.example");
    CHECK(m == "From: \"Evil Bcc: x@y.example\" <a@b.example>");
}

TEST_CASE("ASCII subjects fold at spaces within 78 octets", "[header]") {
    CHECK(unstructured_header("Subject", "Short one") == "Subject: Short one");
    std::string words;
    for (int i = 0; i < 30; ++i) {
        words += "word" + std::to_string(i) + " ";
    }
    const auto h = unstructured_header("Subject", words);
    for (const auto& line : lines_of(h)) {
        CHECK(line.size() <= 78);
        CHECK_FALSE(line.empty());
    }
    CHECK(lines_of(h).size() > 1);
    // Unfolding gives the words back.
    std::string unfolded = h;
    for (auto p = unfolded.find("\r\n"); p != std::string::npos; p = unfolded.find("\r\n")) {
        unfolded.erase(p, 2);
    }
    CHECK(unfolded == "Subject: " + std::string(trim(words)));
}

TEST_CASE("non-ASCII subjects and names become RFC 2047 encoded-words", "[header]") {
    const std::string subject = "Gr\xc3\xbc\xc3\x9f"
                                "e aus K\xc3\xb6ln \xe2\x80\x94 caf\xc3\xa9 "
                                "\xf0\x9f\x98\x80 " +
                                std::string(60, 'x');
    const auto h = unstructured_header("Subject", subject);
    CHECK(h.starts_with("Subject: =?UTF-8?B?"));
    CHECK(decode_words(h) == subject);
    for (const auto& line : lines_of(h)) {
        CHECK(line.size() <= 78);
    }
    CHECK(is_clean_crlf(h + "\r\n"));
    const auto from = mailbox_header("From", "J\xc3\xb6rg M\xc3\xbcller", "j@x.example");
    CHECK(from == "From: =?UTF-8?B?SsO2cmcgTcO8bGxlcg==?= <j@x.example>");
}

TEST_CASE("text that looks like an encoded-word or cannot fold is encoded", "[header]") {
    CHECK(unstructured_header("Subject", "=?UTF-8?B?eA==?=").starts_with("Subject: =?UTF-8?B?"));
    const std::string word(300, 'y');
    const auto h = unstructured_header("Subject", word);
    CHECK(decode_words(h) == word);
    for (const auto& line : lines_of(h)) {
        CHECK(line.size() <= 78);
    }
}

TEST_CASE("display names are quoted with escapes and capped", "[header]") {
    CHECK(mailbox_header("To", "", "a@b.example") == "To: <a@b.example>");
    CHECK(mailbox_header("From", "Jack \"JD\" Doe\\", "a@b.example") ==
          "From: \"Jack \\\"JD\\\" Doe\\\\\" <a@b.example>");
    const auto long_name = mailbox_header("From", std::string(500, 'n'), "a@b.example");
    CHECK(long_name.find(std::string(200, 'n')) != std::string::npos);
    CHECK(long_name.find(std::string(201, 'n')) == std::string::npos);
}

TEST_CASE("dates are RFC 5322 in UTC", "[header]") {
    CHECK(rfc5322_date(*parse_timestamp("2026-05-01T09:03:04.5+02:00")) ==
          "Fri, 01 May 2026 07:03:04 +0000");
    CHECK(rfc5322_date(*parse_timestamp("2024-02-29T23:59:59Z")) ==
          "Thu, 29 Feb 2024 23:59:59 +0000");
}

TEST_CASE("message ids are read from free text and folded between ids", "[header]") {
    CHECK(parse_message_ids("<a@x.example> b@y.example,<c@z.example><d@w.example>") ==
          std::vector<std::string>{"<a@x.example>", "<b@y.example>", "<c@z.example>",
                                   "<d@w.example>"});
    // Malformed ids are dropped; what remains can only ever be ids on a References line.
    CHECK(parse_message_ids("noat <> <a@b@c> <x@y>\r\n<Bcc: z@q.example>") ==
          std::vector<std::string>{"<x@y>", "<z@q.example>"});
    std::vector<std::string> many;
    for (int i = 0; i < 20; ++i) {
        many.push_back("<" + std::to_string(i) + "-0123456789abcdef@mail.example>");
    }
    const auto h = message_ids_header("References", many);
    for (const auto& line : lines_of(h)) {
        CHECK(line.size() <= 78);
    }
}
