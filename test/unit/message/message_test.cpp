#include <catch2/catch.hpp>

#include <regex>

#include "message/encoding.hpp"
#include "message/message.hpp"
#include "util/strings.hpp"

using namespace eq;
using namespace eq::message;

namespace {

OutgoingMessage sample() {
    OutgoingMessage m;
    m.date = *parse_timestamp("2026-05-01T07:00:00Z");
    m.from = {"Jack Doe", "jack.doe@acme.example"};
    m.to = {"", "ann@lead.example"};
    m.reply_to = "jack.doe+0f8fad5b-d9cb-469f-a165-70867728950e@acme.example";
    m.subject = "Hello Ann";
    m.message_id = "<0123456789abcdef0123456789abcdef@acme.example>";
    m.html_body = "<p>Hi Ann,</p><p>Caf\xc3\xa9?</p>";
    m.boundary = "=_eq_test";
    return m;
}

// Decodes quoted-printable (for checks).
std::string qp_decode(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '=' && i + 2 < s.size() && s[i + 1] == '\r' && s[i + 2] == '\n') {
            i += 2;
        } else if (s[i] == '=' && i + 2 < s.size()) {
            out.push_back(
                static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
            i += 2;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

// The body of the part with the given Content-Type, decoded.
std::string part(const std::string& message, std::string_view type) {
    const auto at = message.find(std::string("Content-Type: ") + std::string(type));
    const auto start = message.find("\r\n\r\n", at) + 4;
    const auto end = message.find("\r\n--=_eq_test", start);
    return qp_decode(message.substr(start, end - start));
}

std::string headers_of(const std::string& message) {
    return message.substr(0, message.find("\r\n\r\n") + 2);
}

} // namespace

TEST_CASE("a message is built exactly, with CRLF line breaks", "[message]") {
    const auto m = build_message(sample());
    REQUIRE(m.ok());
    CHECK(*m == "Date: Fri, 01 May 2026 07:00:00 +0000\r\n"
                "From: \"Jack Doe\" <jack.doe@acme.example>\r\n"
                "To: <ann@lead.example>\r\n"
                "Reply-To: <jack.doe+0f8fad5b-d9cb-469f-a165-70867728950e@acme.example>\r\n"
                "Subject: Hello Ann\r\n"
                "Message-ID: <0123456789abcdef0123456789abcdef@acme.example>\r\n"
                "MIME-Version: 1.0\r\n"
                "Content-Type: multipart/alternative; boundary=\"=_eq_test\"\r\n"
                "\r\n"
                "--=_eq_test\r\n"
                "Content-Type: text/plain; charset=utf-8\r\n"
                "Content-Transfer-Encoding: quoted-printable\r\n"
                "\r\n"
                "Hi Ann,\r\n"
                "\r\n"
                "Caf=C3=A9?\r\n"
                "\r\n"
                "--=_eq_test\r\n"
                "Content-Type: text/html; charset=utf-8\r\n"
                "Content-Transfer-Encoding: quoted-printable\r\n"
                "\r\n"
                "<p>Hi Ann,</p><p>Caf=C3=A9?</p>\r\n"
                "--=_eq_test--\r\n");
}

TEST_CASE("threading and unsubscribe headers are added when given", "[message]") {
    auto s = sample();
    s.in_reply_to = "<first@acme.example>";
    s.references = "<root@acme.example> <first@acme.example>";
    s.list_unsubscribe = "https://app.example.com/unsubscribe?lead=1&company=2";
    const auto h = headers_of(*build_message(s));
    CHECK(h.find("\r\nIn-Reply-To: <first@acme.example>\r\n") != std::string::npos);
    CHECK(h.find("\r\nReferences: <root@acme.example> <first@acme.example>\r\n") !=
          std::string::npos);
    CHECK(h.find("\r\nList-Unsubscribe: <https://app.example.com/unsubscribe?lead=1&company=2>"
                 "\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n") != std::string::npos);
    s.references = "garbage without ids";
    s.list_unsubscribe.reset();
    const auto h2 = headers_of(*build_message(s));
    CHECK(h2.find("References:") == std::string::npos);
    CHECK(h2.find("List-Unsubscribe") == std::string::npos);
}

TEST_CASE("no header value can inject a header", "[message]") {
    auto s = sample();
    s.subject = "Hi\r\nBcc: victim@x.example\r\n\r\nfake body";
    s.from.display_name = "Jack\nX-Injected: 1";
    s.to.display_name = std::string("Ann\0Lee\rX-Other: 2", 19);
    s.in_reply_to = "<a@b.example>\r\nX-Thread: 3";
    const auto m = build_message(s);
    REQUIRE(m.ok());
    const auto h = headers_of(*m);
    for (const auto& line : split(h, '\n')) {
        for (const char* injected : {"Bcc:", "X-Injected:", "X-Other:", "X-Thread:"}) {
            CHECK_FALSE(line.starts_with(injected));
        }
    }
    CHECK(h.find("\r\nSubject: Hi Bcc: victim@x.example fake body\r\n") != std::string::npos);
    CHECK(is_clean_crlf(*m));
}

TEST_CASE("invalid addresses, ids and URLs fail the build", "[message]") {
    auto s = sample();
    s.to.address = "ann@lead.example\r\nRCPT TO:<x@y.example>";
    CHECK(build_message(s).error() ==
          "invalid recipient address: it contains a space or a control character");
    s = sample();
    s.from.address = "not-an-address";
    CHECK(build_message(s).error() == "invalid From address: it must contain exactly one '@'");
    s = sample();
    s.reply_to = "a@@b";
    CHECK(build_message(s).error().starts_with("invalid Reply-To address:"));
    s = sample();
    s.message_id = "<a@b> <c@d>";
    CHECK(build_message(s).error() == "invalid Message-ID: expected one <id@domain>");
    s = sample();
    s.list_unsubscribe = "http://plain.example/u";
    CHECK(build_message(s).error() == "the unsubscribe URL is not an https URL");
    s.list_unsubscribe = "https://x.example/u\r\nBcc: y";
    CHECK_FALSE(build_message(s).ok());
}

TEST_CASE("long lines, bare LF and CR, and lone dots survive the encoding", "[message]") {
    auto s = sample();
    const std::string html = "<p>" + std::string(5000, 'w') + "</p>\n.\n..\r.x\rend\n" +
                             std::string(1200, '\xc3') + "\n";
    s.html_body = html;
    const auto m = build_message(s);
    REQUIRE(m.ok());
    CHECK(longest_line(*m) <= 76);
    CHECK(is_clean_crlf(*m));
    CHECK(part(*m, "text/html") == normalize_crlf(html));
    CHECK(part(*m, "text/plain").find(std::string(5000, 'w')) != std::string::npos);
}

TEST_CASE("Message-IDs are random and use the account's domain", "[message]") {
    const auto a = make_message_id("jack.doe@acme.example");
    const auto b = make_message_id("jack.doe@acme.example");
    REQUIRE(a.ok());
    CHECK(std::regex_match(*a, std::regex("<[0-9a-f]{32}@acme\\.example>")));
    CHECK(*a != *b);
    CHECK_FALSE(make_message_id("bad").ok());
}

TEST_CASE("random boundaries cannot occur in quoted-printable text", "[message]") {
    auto s = sample();
    s.boundary.clear();
    const auto m = *build_message(s);
    const std::regex boundary("boundary=\"(=_eq_[0-9a-f]{24})\"");
    std::smatch match;
    REQUIRE(std::regex_search(m, match, boundary));
    // "=_" is never produced by quoted-printable ('=' is always followed by hex or CRLF).
    CHECK(m.find("--" + match[1].str() + "--\r\n") != std::string::npos);
}
