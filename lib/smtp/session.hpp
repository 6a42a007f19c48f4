#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "net/curl_easy.hpp"
#include "smtp/mailer.hpp"
#include "smtp/send_outcome.hpp"

namespace eq::smtp {

struct Timeouts {
    std::chrono::seconds connect{30};  // TCP connect, greeting and TLS handshake
    std::chrono::seconds reply{30};    // each SMTP reply; also caps the QUIT at close
    std::chrono::seconds message{120}; // one whole send, a new connection included

    static Timeouts from_config(const config::Config::Smtp& smtp);
};

struct SessionOptions {
    config::Provider provider; // host, port, security, verify_peer, ca_file
    std::string username;      // the account address; empty: no AUTH
    std::string password;      // the decrypted password; never logged, wiped on close
    std::string ehlo_name;     // EHLO name; empty: the domain of username, else "localhost"
    Timeouts timeouts;
};

// One company account's SMTP session: ONE libcurl easy handle kept across sends, so a
// batch reuses one connection (EHLO, STARTTLS and AUTH happen once per connection).
// After any failed send the next send opens a fresh connection.
//
// Transport: security tls -> smtps:// (implicit TLS, e.g. 465); starttls -> smtp://
// with STARTTLS required (CURLUSESSL_ALL: a server that does not offer it fails with
// 64); none -> smtp:// in clear text, only when configured so. Each session allows
// only its own scheme (CURLOPT_PROTOCOLS_STR), TLS 1.2 or later, certificate and host
// name verified unless verify_peer is false, ca_file trusted instead of the system store
// when set. No signals (CURLOPT_NOSIGNAL; the process ignores SIGPIPE), libcurl's
// verbose log is never enabled, and server replies and libcurl messages are scrubbed of
// the password in every form AUTH sends it.
//
// Not thread-safe: one Session per thread. curl_global_init must have run.
class Session final : public Mailer {
public:
    // Opens nothing yet: the first send connects.
    explicit Session(SessionOptions options);
    Session(Session&&) noexcept;
    Session& operator=(Session&&) noexcept;
    ~Session() override; // closes the connection (QUIT), waiting at most the reply timeout

    // Sends one message from `from` (MAIL FROM) to `to` (RCPT TO). The message must be
    // the builder's output: CRLF line breaks only, no line over 998 octets; addresses
    // must pass message::address_problem(). Otherwise nothing touches the network and
    // the outcome carries local_error. Never throws for network or server failures.
    // When a reused connection turns out to be closed before the server answered
    // anything, the send is tried once more on a fresh connection (nothing can have
    // been accepted).
    SendOutcome send(std::string_view from, std::string_view to, std::string_view message) override;

    // Where this session sends, e.g. "smtps://smtp.gmail.com:465/acme.example" (no secret).
    const std::string& url() const;

private:
    struct State;
    SendOutcome attempt(std::string_view from, std::string_view to, std::string_view message,
                        bool fresh_connection);

    std::unique_ptr<State> m_state; // declared first: the handle's close may call back
    net::CurlEasy m_easy;
};

} // namespace eq::smtp
