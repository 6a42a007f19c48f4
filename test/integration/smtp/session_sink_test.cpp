#include <catch2/catch.hpp>
#include <curl/curl.h>

#include <chrono>
#include <thread>

#include "message/encoding.hpp"
#include "message/message.hpp"
#include "policy/classify.hpp"
#include "smtp/session.hpp"
#include "support/smtp_sink.hpp"
#include "util/strings.hpp"

using namespace eq;
using namespace eq::test;
using namespace std::chrono_literals;
using policy::Verdict;

namespace {

constexpr const char* k_from = "jack.doe@acme.example";
constexpr const char* k_to = "ann@lead.example";

smtp::SessionOptions options_for(const config::Provider& provider) {
    smtp::SessionOptions o;
    o.provider = provider;
    o.ehlo_name = "client.acme.example";
    o.timeouts = {2s, 1s, 10s};
    return o;
}

std::string message_with(std::string subject, std::string html) {
    message::OutgoingMessage m;
    m.date = *parse_timestamp("2026-05-01T07:00:00Z");
    m.from = {"Jack Doe", k_from};
    m.to = {"Ann Lee", k_to};
    m.subject = std::move(subject);
    m.message_id = *message::make_message_id(k_from);
    m.html_body = std::move(html);
    return *message::build_message(m);
}

std::string simple_message() {
    return message_with("Hello", "<p>Hi Ann</p>");
}

Verdict verdict_of(const smtp::SendOutcome& o) {
    return policy::classify(o).verdict;
}

std::string lf_only(const std::string& crlf) {
    std::string out;
    for (std::size_t i = 0; i < crlf.size(); ++i) {
        if (crlf[i] == '\r' && i + 1 < crlf.size() && crlf[i + 1] == '\n') {
            continue;
        }
        out.push_back(crlf[i]);
    }
    return out;
}

} // namespace

TEST_CASE("a message reaches smtp-sink intact: headers, lines, dots, no injection",
          "[smtp][sink]") {
    SmtpSink sink;
    smtp::Session session(options_for(sink.provider()));
    const std::string html =
        "<p>" + std::string(3000, 'w') + "</p>\n.\n..\n.hidden\n" + "<p>caf\xc3\xa9</p>\n";
    const auto message = message_with("Hi\r\nBcc: victim@evil.example\r\n\r\n.", html);
    const auto out = session.send(k_from, k_to, message);
    INFO(out.curl_error << "\n" << sink.log());
    REQUIRE(out.curl_code == CURLE_OK);
    CHECK(verdict_of(out) == Verdict::sent);
    CHECK(out.body_handed_over);
    CHECK(out.new_connections == 1);
    REQUIRE(out.last_reply.has_value());
    CHECK(out.last_reply->code == 250);

    const auto received = sink.wait_for_messages(1);
    REQUIRE(received.size() == 1);
    const auto& m = received.front();
    CHECK(m.helo == "client.acme.example");
    CHECK(m.mail_from == "<jack.doe@acme.example>");
    CHECK(m.rcpt_to == std::vector<std::string>{"<ann@lead.example>"});
    // smtp-sink stores lines with LF and undoes dot-stuffing: what arrived is exactly what
    // was built, including lines that are a lone dot.
    CHECK(m.content == lf_only(message));
    for (const auto& line : split(m.content, '\n')) {
        CHECK(line.size() <= 998);
        CHECK_FALSE(line.starts_with("Bcc:"));
    }
    CHECK(m.content.find("\nSubject: Hi Bcc: victim@evil.example .\n") != std::string::npos);
    CHECK(m.content.find("\n.\n..\n.hidden\n") != std::string::npos);
}

TEST_CASE("one connection carries a batch", "[smtp][sink]") {
    SmtpSink sink;
    smtp::Session session(options_for(sink.provider()));
    for (int i = 0; i < 5; ++i) {
        const auto out = session.send(k_from, k_to, simple_message());
        INFO(i << ": " << out.curl_error);
        REQUIRE(out.curl_code == CURLE_OK);
        CHECK(out.new_connections == (i == 0 ? 1 : 0));
    }
    CHECK(sink.wait_for_messages(5).size() == 5);
}

TEST_CASE("a soft refusal at RCPT is retried later, on a fresh connection", "[smtp][sink]") {
    SmtpSink sink({"-r", "RCPT"});
    smtp::Session session(options_for(sink.provider()));
    const auto first = session.send(k_from, k_to, simple_message());
    CHECK(first.curl_code == CURLE_SEND_ERROR);
    REQUIRE(first.last_reply.has_value());
    CHECK(first.last_reply->code == 450);
    CHECK(first.last_reply->enhanced_status == "4.3.0");
    CHECK(first.stage == smtp::SmtpStage::rcpt_to);
    CHECK_FALSE(first.body_handed_over);
    CHECK(verdict_of(first) == Verdict::retry_later);
    const auto second = session.send(k_from, k_to, simple_message());
    CHECK(second.new_connections == 1);
    CHECK(sink.messages().empty());
}

TEST_CASE("a hard refusal of the recipient fails the row and flags the address", "[smtp][sink]") {
    SmtpSink sink({"-f", "RCPT", "-B", "550 5.1.1 No such user"});
    smtp::Session session(options_for(sink.provider()));
    const auto out = session.send(k_from, k_to, simple_message());
    CHECK(out.curl_code == CURLE_SEND_ERROR);
    REQUIRE(out.last_reply.has_value());
    CHECK(out.last_reply->code == 550);
    CHECK(out.last_reply->enhanced_status == "5.1.1");
    CHECK(out.last_reply->text == "No such user");
    const auto c = policy::classify(out);
    CHECK(c.verdict == Verdict::fail_row);
    CHECK(c.bad_recipient);
    CHECK(c.reason == "recipient address rejected: 550 5.1.1 No such user at RCPT TO");
}

TEST_CASE("a hard refusal of the sender holds the company", "[smtp][sink]") {
    SmtpSink sink({"-f", "MAIL"});
    smtp::Session session(options_for(sink.provider()));
    const auto out = session.send(k_from, k_to, simple_message());
    CHECK(out.curl_code == CURLE_SEND_ERROR);
    CHECK(out.stage == smtp::SmtpStage::mail_from);
    CHECK(verdict_of(out) == Verdict::hold_company);
}

TEST_CASE("421 and a hang-up hold the company", "[smtp][sink]") {
    SmtpSink sink({"-Q", "MAIL"});
    smtp::Session session(options_for(sink.provider()));
    const auto out = session.send(k_from, k_to, simple_message());
    REQUIRE(out.last_reply.has_value());
    CHECK(out.last_reply->code == 421);
    CHECK(verdict_of(out) == Verdict::hold_company);
}

TEST_CASE("a 421 greeting holds the company", "[smtp][sink]") {
    SmtpSink sink({"-Q", "CONNECT"});
    smtp::Session session(options_for(sink.provider()));
    const auto out = session.send(k_from, k_to, simple_message());
    CHECK(out.curl_code == CURLE_WEIRD_SERVER_REPLY);
    CHECK(out.stage == smtp::SmtpStage::session);
    CHECK(verdict_of(out) == Verdict::hold_company);
}

TEST_CASE("a hang-up without a reply before the message is retried", "[smtp][sink]") {
    SmtpSink sink({"-q", "RCPT"});
    smtp::Session session(options_for(sink.provider()));
    const auto out = session.send(k_from, k_to, simple_message());
    CHECK(out.curl_code != CURLE_OK);
    CHECK_FALSE(out.body_handed_over);
    CHECK(verdict_of(out) == Verdict::retry_later);
}

TEST_CASE("a server that hangs up without greeting holds the company", "[smtp][sink]") {
    SmtpSink sink({"-q", "CONNECT"});
    smtp::Session session(options_for(sink.provider()));
    const auto out = session.send(k_from, k_to, simple_message());
    CHECK(out.curl_code != CURLE_OK);
    CHECK(out.replies_received == 0);
    CHECK(verdict_of(out) == Verdict::hold_company);
}

TEST_CASE("a hang-up after the message leaves the outcome unknown", "[smtp][sink]") {
    SmtpSink sink({"-q", "."});
    smtp::Session session(options_for(sink.provider()));
    const auto out = session.send(k_from, k_to, simple_message());
    CHECK(out.curl_code != CURLE_OK);
    CHECK(out.body_handed_over);
    CHECK(out.stage == smtp::SmtpStage::after_body);
    CHECK(verdict_of(out) == Verdict::unknown);
}

TEST_CASE("refusals after the message are trusted: 5xx fails, 4xx retries", "[smtp][sink]") {
    {
        SmtpSink sink({"-f", "."});
        smtp::Session session(options_for(sink.provider()));
        const auto out = session.send(k_from, k_to, simple_message());
        CHECK(out.curl_code == CURLE_WEIRD_SERVER_REPLY);
        CHECK(out.body_handed_over);
        REQUIRE(out.last_reply.has_value());
        CHECK(out.last_reply->code == 500);
        CHECK(verdict_of(out) == Verdict::fail_row);
    }
    {
        SmtpSink sink({"-r", "."});
        smtp::Session session(options_for(sink.provider()));
        const auto out = session.send(k_from, k_to, simple_message());
        CHECK(out.curl_code == CURLE_WEIRD_SERVER_REPLY);
        CHECK(verdict_of(out) == Verdict::retry_later);
    }
}

TEST_CASE("a slow answer to DATA times out before the message and is retried", "[smtp][sink]") {
    SmtpSink sink({"-w", "4"});
    const auto start = std::chrono::steady_clock::now();
    {
        smtp::Session session(options_for(sink.provider()));
        const auto out = session.send(k_from, k_to, simple_message());
        CHECK(out.curl_code == CURLE_OPERATION_TIMEDOUT);
        CHECK_FALSE(out.body_handed_over);
        CHECK(verdict_of(out) == Verdict::retry_later);
    }
    // The reply timeout also bounds closing the broken connection.
    CHECK(std::chrono::steady_clock::now() - start < 3500ms);
}

TEST_CASE("a slow final reply times out after the message: outcome unknown", "[smtp][sink]") {
    SmtpSink sink({"-W", ".:4"});
    const auto start = std::chrono::steady_clock::now();
    {
        smtp::Session session(options_for(sink.provider()));
        const auto out = session.send(k_from, k_to, simple_message());
        CHECK(out.curl_code == CURLE_OPERATION_TIMEDOUT);
        CHECK(out.body_handed_over);
        CHECK(verdict_of(out) == Verdict::unknown);
    }
    CHECK(std::chrono::steady_clock::now() - start < 3500ms);
}

TEST_CASE("a server that is not there holds the company", "[smtp][sink]") {
    config::Provider nowhere{"127.0.0.1", free_port(), config::Security::none, false, {}};
    smtp::Session session(options_for(nowhere));
    const auto out = session.send(k_from, k_to, simple_message());
    CHECK(out.curl_code == CURLE_COULDNT_CONNECT);
    CHECK(verdict_of(out) == Verdict::hold_company);
}

TEST_CASE("an invalid address or message never touches the network", "[smtp][sink]") {
    SmtpSink sink;
    smtp::Session session(options_for(sink.provider()));
    const auto bad_to =
        session.send(k_from, "ann@lead.example>\r\nRCPT TO:<x@evil.example", simple_message());
    CHECK(bad_to.curl_code == -1);
    CHECK(bad_to.local_error == "invalid recipient address: it contains '>'");
    CHECK(bad_to.new_connections == 0);
    const auto c = policy::classify(bad_to);
    CHECK(c.verdict == Verdict::fail_row);
    CHECK(session.send("x", k_to, simple_message()).local_error.starts_with("invalid sender"));
    CHECK(session.send(k_from, k_to, "Subject: x\n\nbare LF\n")
              .local_error.starts_with("the message breaks SMTP line rules"));
    // Nothing reached the server: the first real send opens the first connection.
    const auto good = session.send(k_from, k_to, simple_message());
    CHECK(good.curl_code == CURLE_OK);
    CHECK(good.new_connections == 1);
    CHECK(sink.wait_for_messages(1).size() == 1);
}

TEST_CASE("a connection the server closed while idle is replaced", "[smtp][sink]") {
    SmtpSink sink({"-t", "1"});
    smtp::Session session(options_for(sink.provider()));
    REQUIRE(session.send(k_from, k_to, simple_message()).curl_code == CURLE_OK);
    std::this_thread::sleep_for(1500ms);
    const auto out = session.send(k_from, k_to, simple_message());
    INFO(out.curl_error);
    CHECK(out.curl_code == CURLE_OK);
    CHECK(out.new_connections == 1);
    CHECK(sink.wait_for_messages(2).size() == 2);
}

TEST_CASE("the session URL names scheme, host, port and EHLO name", "[smtp][sink]") {
    config::Provider tls{"smtp.gmail.com", 465, config::Security::tls, true, {}};
    smtp::SessionOptions o;
    o.provider = tls;
    o.username = "jack.doe@acme.example";
    o.password = "not-in-the-url";
    CHECK(smtp::Session(o).url() == "smtps://smtp.gmail.com:465/acme.example");
    o.provider.security = config::Security::starttls;
    o.provider.port = 587;
    o.ehlo_name = "mx.sender.example";
    CHECK(smtp::Session(o).url() == "smtp://smtp.gmail.com:587/mx.sender.example");
    o.provider.host = "::1";
    o.ehlo_name = "bad name/with slash";
    CHECK(smtp::Session(o).url() == "smtp://[::1]:587/localhost");
}
