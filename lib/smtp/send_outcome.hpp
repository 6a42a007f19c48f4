#pragma once

#include <optional>
#include <string>

namespace eq::smtp {

// One complete SMTP reply ("550-..." continuation lines joined).
struct SmtpReply {
    int code = 0;                // 220, 250, 421, 550, ...
    std::string enhanced_status; // "5.1.1" (RFC 3463) when the reply starts with one, else ""
    std::string text;            // the reply text after the code (and enhanced status), lines
                                 // joined by " ", control characters removed, at most 500
                                 // octets, secrets redacted
};

// Which step of the SMTP transaction a failure happened in, as far as it is known.
enum class SmtpStage {
    session,    // before MAIL FROM: connect, greeting, EHLO, STARTTLS, AUTH
    mail_from,  // the server refused MAIL FROM (libcurl's "MAIL failed: <code>")
    rcpt_to,    // the server refused RCPT TO ("RCPT failed: <code>")
    data,       // the server refused the DATA command ("DATA failed: <code>")
    after_body, // the whole message had been handed to libcurl
    unknown,    // none of the above can be told (also after success)
};

// What one Session::send() produced: the raw facts, not a verdict (policy/classify.hpp
// turns them into one). Plain data, so the classifier is tested without a server.
struct SendOutcome {
    int curl_code = 0;      // the CURLcode of curl_easy_perform (0: accepted); -1 when
                            // the send was refused locally (local_error)
    std::string curl_error; // libcurl's message for it (error buffer or curl_easy_strerror)
    // The last complete reply the server sent during this send, if it sent any; the
    // "221" answering the QUIT libcurl sends after a failure is skipped, so this is the
    // reply that explains the failure. A reply from an earlier send is never reported.
    std::optional<SmtpReply> last_reply;
    int replies_received = 0;      // during this send (0 on a new connection: no greeting)
    bool body_handed_over = false; // libcurl read the message to its end
    long new_connections = 0;      // CURLINFO_NUM_CONNECTS, summed over the attempts:
                                   // 0 when an open connection was reused
    SmtpStage stage = SmtpStage::unknown;
    // Non-empty: the send was refused before any network use (an invalid address, a
    // message that breaks SMTP line rules); curl_code is then -1 and nothing was sent.
    std::string local_error;
};

} // namespace eq::smtp
