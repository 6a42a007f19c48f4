#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/time.hpp"

namespace eq::message {

// Header values come from leads, campaigns and generators: none of them may start a new
// header or an SMTP command. clean_header_value() makes any text safe to follow
// "Name: ": CR, LF, NUL, TAB and every other control character become a space, runs
// of spaces collapse, both ends are trimmed, and ill-formed UTF-8 is repaired (U+FFFD).
std::string clean_header_value(std::string_view value);

// "Name: value" for free text (Subject): the cleaned value folded at spaces into lines
// of at most 78 octets where the words allow. When the value is not ASCII, holds "=?",
// or has a word too long to fold, it is written as RFC 2047 encoded-words
// (=?UTF-8?B?...?=, whole characters in each) instead. Lines are joined with CRLF; no
// final CRLF.
std::string unstructured_header(std::string_view name, std::string_view value);

// "Name: <mailbox>" with an optional display name: a quoted string when the cleaned
// name is ASCII (at most 200 octets kept), encoded-words otherwise. The address must
// already be valid (address.hpp).
std::string mailbox_header(std::string_view name, std::string_view display_name,
                           std::string_view address);

// "Name: <id1> <id2> ..." folded between ids.
std::string message_ids_header(std::string_view name, const std::vector<std::string>& ids);

// RFC 5322 date-time in UTC: "Fri, 01 May 2026 07:00:00 +0000".
std::string rfc5322_date(Timestamp t);

// Message ids out of free text (email_queue.reference_ids): separated by white space or
// commas, with or without angle brackets. An id is kept when it is 3..900 printable
// ASCII octets with one '@' in its middle and none of < > " \ ( ) , ; : [ ] or space;
// others are dropped. Each comes back as "<id>".
std::vector<std::string> parse_message_ids(std::string_view text);

// The threading headers of a follow-up, as the web application's own processor writes
// them: a row whose message_id holds the Message-ID it answers gets
// "In-Reply-To: <message_id>" and "References: <reference_ids> <message_id>" (the
// answered id once, last); a row with reference_ids alone answers the last of them.
// Nothing when neither holds a usable id.
struct ThreadHeaders {
    std::string in_reply_to;
    std::string references;
};
std::optional<ThreadHeaders> thread_headers(const std::optional<std::string>& answered,
                                            const std::optional<std::string>& reference_ids);

} // namespace eq::message
