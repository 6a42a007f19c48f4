#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "util/expected.hpp"
#include "util/time.hpp"

namespace eq::message {

struct Mailbox {
    std::string display_name; // may be empty; any text (cleaned and encoded as needed)
    std::string address;      // must pass address_problem()
};

// Every header value of one email; the builder invents nothing but the MIME boundary.
struct OutgoingMessage {
    Timestamp date;
    Mailbox from; // display name: display_name_for(account_email, company name)
    Mailbox to;
    std::optional<std::string> reply_to;    // a bare address: reply_to_address()
    std::string subject;                    // any text: cleaned, encoded, folded
    std::string message_id;                 // "<id@domain>": make_message_id(), stored per row
    std::optional<std::string> in_reply_to; // message ids as free text (parse_message_ids)
    std::optional<std::string> references;
    // An https URL: adds "List-Unsubscribe: <url>" and
    // "List-Unsubscribe-Post: List-Unsubscribe=One-Click" (RFC 8058).
    std::optional<std::string> list_unsubscribe;
    std::string html_body; // the HTML part as sent (tracking pixel included)
    std::string boundary;  // empty: a random one (tests pin it)
};

// The whole message as SMTP DATA: headers Date, From, To, Reply-To, Subject,
// Message-ID, In-Reply-To, References, List-Unsubscribe(-Post), MIME-Version,
// Content-Type; then multipart/alternative with a text/plain part derived from the
// HTML (html_to_text) and the text/html part, both UTF-8 and quoted-printable.
// Every line ends in CRLF and none exceeds 998 octets (body lines stay within 76); no
// header value can contain CR, LF or NUL. Headers whose value is absent or empty
// (Reply-To, In-Reply-To, References with no usable id, List-Unsubscribe) are left out.
// Fails, naming the field, when an address is invalid, the Message-ID is not one id,
// or the unsubscribe URL is not an https URL that fits on one line; the row then fails
// permanently without touching the network.
Expected<std::string> build_message(const OutgoingMessage& message);

// A new Message-ID for the account: "<32 random hex digits@account-domain>". Generated
// once per queue row and stored (email_queue.sent_message_id), so a retry sends the same
// one.
Expected<std::string> make_message_id(std::string_view account_email);

} // namespace eq::message
