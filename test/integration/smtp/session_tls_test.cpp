#include <catch2/catch.hpp>
#include <curl/curl.h>

#include "crypto/fernet.hpp"
#include "message/message.hpp"
#include "policy/classify.hpp"
#include "smtp/session.hpp"
#include "support/python_fernet.hpp"
#include "support/smtp_server.hpp"
#include "support/test_ca.hpp"

using namespace eq;
using namespace eq::test;
using namespace std::chrono_literals;
using policy::Verdict;
using Tls = SmtpServerOptions::Tls;

namespace {

constexpr const char* k_account = "jack.doe@acme.example";
constexpr const char* k_to = "ann@lead.example";
constexpr const char* k_password = "correct horse battery staple";

std::string a_message() {
    message::OutgoingMessage m;
    m.date = *parse_timestamp("2026-05-01T07:00:00Z");
    m.from = {"Jack Doe", k_account};
    m.to = {"", k_to};
    m.subject = "Gr\xc3\xbc\xc3\x9f"
                "e";
    m.message_id = *message::make_message_id(k_account);
    m.html_body = "<p>Hello</p>\n.\n";
    return *message::build_message(m);
}

smtp::SessionOptions options(const config::Provider& provider, std::string password = k_password) {
    smtp::SessionOptions o;
    o.provider = provider;
    o.username = k_account;
    o.password = std::move(password);
    o.timeouts = {3s, 2s, 10s};
    return o;
}

struct TlsFixture {
    TempDir dir;
    TestCa ca{dir.path(), "trusted"};
    TestCa stranger{dir.path(), "stranger"};

    SmtpServerOptions server_options(Tls tls, bool trusted = true) {
        SmtpServerOptions o;
        o.tls = tls;
        o.certificate = (trusted ? ca : stranger).issue_server();
        o.require_starttls = tls == Tls::starttls;
        o.auth = SmtpServerOptions::Credentials{k_account, k_password};
        o.auth_required = true;
        return o;
    }
};

} // namespace

TEST_CASE("implicit TLS with AUTH: the password decrypted from a Python Fernet token",
          "[smtp][tls]") {
    TlsFixture f;
    SmtpServer server(f.server_options(Tls::implicit));
    const std::string key = "application ENCRYPTION_KEY", salt = "application salt";
    const auto token = python_fernet_token(key, salt, k_password);
    const auto password = crypto::fernet_decrypt(*crypto::FernetKey::derive(key, salt), token);
    REQUIRE(password.ok());

    smtp::Session session(
        options(server.provider(config::Security::tls, f.ca.cert_file()), *password));
    const auto message = a_message();
    const auto out = session.send(k_account, k_to, message);
    INFO(out.curl_error << "\n" << server.log());
    REQUIRE(out.curl_code == CURLE_OK);
    CHECK(policy::classify(out).verdict == Verdict::sent);

    const auto auths = server.events("auth");
    REQUIRE(auths.size() == 1);
    CHECK(auths[0].find("username")->as_string() == k_account);
    CHECK(auths[0].find("password")->as_string() == k_password);
    CHECK(auths[0].find("accepted")->as_bool());
    CHECK(auths[0].find("tls")->as_bool());
    const auto delivered = server.events("message");
    REQUIRE(delivered.size() == 1);
    CHECK(delivered[0].find("tls")->as_bool());
    CHECK(delivered[0].find("authenticated")->as_bool());
    CHECK(delivered[0].find("mail_from")->as_string() == k_account);
    // The server got exactly the bytes built: CRLF line breaks, the lone dot unstuffed.
    CHECK(server.messages() == std::vector<std::string>{message});
}

TEST_CASE("one TLS connection and one AUTH serve a batch", "[smtp][tls]") {
    TlsFixture f;
    SmtpServer server(f.server_options(Tls::implicit));
    smtp::Session session(options(server.provider(config::Security::tls, f.ca.cert_file())));
    for (int i = 0; i < 3; ++i) {
        const auto out = session.send(k_account, k_to, a_message());
        REQUIRE(out.curl_code == CURLE_OK);
        CHECK(out.new_connections == (i == 0 ? 1 : 0));
    }
    CHECK(server.events("connect").size() == 1);
    CHECK(server.events("auth").size() == 1);
    CHECK(server.events("message").size() == 3);
}

TEST_CASE("an untrusted certificate is refused before AUTH", "[smtp][tls]") {
    TlsFixture f;
    for (const auto tls : {Tls::implicit, Tls::starttls}) {
        SmtpServer server(f.server_options(tls, false));
        const auto security =
            tls == Tls::implicit ? config::Security::tls : config::Security::starttls;
        smtp::Session session(options(server.provider(security, f.ca.cert_file())));
        const auto out = session.send(k_account, k_to, a_message());
        CHECK(out.curl_code == CURLE_PEER_FAILED_VERIFICATION);
        const auto c = policy::classify(out);
        CHECK(c.verdict == Verdict::hold_company);
        CHECK(c.reason.starts_with("TLS failure: curl 60: "));
        // The server's side: no AUTH, no message. (A STARTTLS server saw the connection
        // and the plain-text EHLO; an implicit-TLS one never completed the handshake.)
        CHECK(server.events("connect").size() == (tls == Tls::starttls ? 1 : 0));
        CHECK(server.events("starttls").empty());
        CHECK(server.events("auth").empty());
        CHECK(server.events("message").empty());
    }
}

TEST_CASE("without the private CA the system trust store refuses the test server", "[smtp][tls]") {
    TlsFixture f;
    SmtpServer server(f.server_options(Tls::implicit));
    smtp::Session session(options(server.provider(config::Security::tls)));
    CHECK(session.send(k_account, k_to, a_message()).curl_code == CURLE_PEER_FAILED_VERIFICATION);
    CHECK(server.events("auth").empty());
}

TEST_CASE("STARTTLS with a trusted certificate: TLS first, then AUTH", "[smtp][tls]") {
    TlsFixture f;
    SmtpServer server(f.server_options(Tls::starttls));
    smtp::Session session(options(server.provider(config::Security::starttls, f.ca.cert_file())));
    const auto out = session.send(k_account, k_to, a_message());
    INFO(out.curl_error << "\n" << server.log());
    REQUIRE(out.curl_code == CURLE_OK);
    const auto all = server.events();
    std::vector<std::string> kinds;
    for (const auto& e : all) {
        kinds.push_back(e.find("event")->as_string());
    }
    CHECK(kinds == std::vector<std::string>{"connect", "starttls", "auth", "message"});
    CHECK(server.events("auth")[0].find("tls")->as_bool());
}

TEST_CASE("a server without STARTTLS never gets the password in clear", "[smtp][tls]") {
    SmtpServerOptions o;
    o.tls = Tls::none;
    o.auth = SmtpServerOptions::Credentials{k_account, k_password};
    SmtpServer server(o);
    smtp::Session session(options(server.provider(config::Security::starttls)));
    const auto out = session.send(k_account, k_to, a_message());
    CHECK(out.curl_code == CURLE_USE_SSL_FAILED);
    CHECK(policy::classify(out).verdict == Verdict::hold_company);
    CHECK(server.events("auth").empty());
    CHECK(server.events("message").empty());
}

TEST_CASE("implicit TLS to a plain-text server fails as TLS", "[smtp][tls]") {
    SmtpServer server(SmtpServerOptions{});
    smtp::Session session(options(server.provider(config::Security::tls)));
    const auto out = session.send(k_account, k_to, a_message());
    CHECK(out.curl_code == CURLE_SSL_CONNECT_ERROR);
    CHECK(policy::classify(out).verdict == Verdict::hold_company);
}

TEST_CASE("a wrong password holds the company and is never printed", "[smtp][tls]") {
    TlsFixture f;
    SmtpServer server(f.server_options(Tls::implicit));
    const std::string wrong = "wrong password 12345";
    smtp::Session session(options(server.provider(config::Security::tls, f.ca.cert_file()), wrong));
    const auto out = session.send(k_account, k_to, a_message());
    CHECK(out.curl_code == CURLE_LOGIN_DENIED);
    const auto c = policy::classify(out);
    CHECK(c.verdict == Verdict::hold_company);
    CHECK(c.reason.starts_with("authentication refused: 535"));
    CHECK(c.reason.find(wrong) == std::string::npos);
    CHECK(out.curl_error.find(wrong) == std::string::npos);
    const auto auths = server.events("auth");
    REQUIRE(auths.size() == 1);
    CHECK_FALSE(auths[0].find("accepted")->as_bool());
}

TEST_CASE("AUTH LOGIN works when it is the only mechanism", "[smtp][tls]") {
    TlsFixture f;
    auto o = f.server_options(Tls::implicit);
    o.auth_mechanisms = "LOGIN";
    SmtpServer server(o);
    smtp::Session session(options(server.provider(config::Security::tls, f.ca.cert_file())));
    REQUIRE(session.send(k_account, k_to, a_message()).curl_code == CURLE_OK);
    CHECK(server.events("auth")[0].find("mechanism")->as_string() == "LOGIN");
}

TEST_CASE("a reply that quotes the password is redacted", "[smtp][tls]") {
    TlsFixture f;
    auto o = f.server_options(Tls::implicit);
    o.data_reply = std::string("554 5.6.0 rejected, your password is ") + k_password;
    SmtpServer server(o);
    smtp::Session session(options(server.provider(config::Security::tls, f.ca.cert_file())));
    const auto out = session.send(k_account, k_to, a_message());
    CHECK(out.curl_code == CURLE_WEIRD_SERVER_REPLY);
    REQUIRE(out.last_reply.has_value());
    CHECK(out.last_reply->text == "rejected, your password is [redacted]");
    const auto c = policy::classify(out);
    CHECK(c.verdict == Verdict::fail_row);
    CHECK(c.reason.find(k_password) == std::string::npos);
}

TEST_CASE("a slow final reply from aiosmtpd leaves the outcome unknown", "[smtp][tls]") {
    SmtpServerOptions o;
    o.data_delay = 3s;
    SmtpServer server(o);
    auto opts = options(server.provider(config::Security::none), "");
    opts.username.clear();
    opts.timeouts.reply = 1s;
    smtp::Session session(opts);
    const auto out = session.send(k_account, k_to, a_message());
    CHECK(out.curl_code == CURLE_OPERATION_TIMEDOUT);
    CHECK(policy::classify(out).verdict == Verdict::unknown);
}
