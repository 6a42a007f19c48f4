#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_ca.hpp"
#include "util/json.hpp"

namespace eq::test {

// The interpreter with Debian's python3-aiosmtpd and python3-cryptography (not the first
// python3 on PATH, which may be another installation).
inline constexpr const char* k_system_python = "/usr/bin/python3";

// An aiosmtpd server (test/support/smtp_server.py) on a free port of 127.0.0.1, started
// for one test and killed with this object: implicit TLS, STARTTLS or plain text, AUTH
// PLAIN/LOGIN checked against one username and password, an optional delay before the
// reply to the message. It records what it saw, so a test checks the server's side:
// whether AUTH was attempted, with which credentials, over TLS or not, and the exact
// bytes of each message (CRLF kept, dot-stuffing undone).
//
//     TempDir dir;
//     TestCa ca(dir.path());
//     SmtpServerOptions o;
//     o.tls = SmtpServerOptions::Tls::implicit;
//     o.certificate = ca.issue_server();
//     o.auth = {{"jack.doe@acme.example", "s3cret"}};
//     SmtpServer server(o);
//     auto provider = server.provider(config::Security::tls, ca.cert_file());
struct SmtpServerOptions {
    enum class Tls { none, implicit, starttls };
    Tls tls = Tls::none;
    TestCa::Issued certificate; // required for implicit and starttls
    bool require_starttls = false;
    struct Credentials {
        std::string username;
        std::string password;
    };
    std::optional<Credentials> auth;         // offer AUTH and accept exactly these
    std::string auth_mechanisms;             // e.g. "LOGIN"; empty: PLAIN and LOGIN
    bool auth_required = false;              // refuse MAIL before AUTH
    std::chrono::milliseconds data_delay{0}; // before answering the end of the message
    std::string data_reply;                  // e.g. "452 4.2.2 Mailbox full"; empty: 250
    // Per recipient address: the reply to its RCPT TO, and the reply to the end of DATA
    // of a message to it (not recorded), e.g. {"a@x.example", "451 4.7.1 Greylisted"}.
    std::map<std::string, std::string> rcpt_replies;
    std::map<std::string, std::string> data_replies_for;
};

class SmtpServer {
public:
    explicit SmtpServer(const SmtpServerOptions& options);
    SmtpServer(const SmtpServer&) = delete;
    SmtpServer& operator=(const SmtpServer&) = delete;

    int port() const { return m_port; }
    // The server process (it holds the listening socket).
    pid_t pid() const { return m_process->pid(); }
    // A provider pointing here with the given security; verification on, trusting ca_file.
    config::Provider provider(config::Security security, const std::string& ca_file = {}) const;

    // The events recorded so far (see smtp_server.py), optionally only one kind:
    // "connect", "starttls", "auth", "message".
    std::vector<Json> events(std::string_view kind = {}) const;
    // The bytes of each message received, in order.
    std::vector<std::string> messages() const;
    // The server's own output (for failure messages).
    std::string log() const;

private:
    TempDir m_dir;
    int m_port = 0;
    std::unique_ptr<BackgroundProcess> m_process;
};

} // namespace eq::test
