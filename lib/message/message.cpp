#include "message/message.hpp"

#include <fmt/format.h>
#include <openssl/rand.h>

#include <array>

#include "message/address.hpp"
#include "message/encoding.hpp"
#include "message/header.hpp"
#include "util/error.hpp"
#include "util/html.hpp"

namespace eq::message {

namespace {

constexpr std::size_t k_max_line = 998;

std::string random_hex(std::size_t bytes) {
    std::array<unsigned char, 32> b{};
    if (bytes > b.size() || RAND_bytes(b.data(), static_cast<int>(bytes)) != 1) {
        throw Error(ExitCode::internal, "cannot read random bytes for a message");
    }
    std::string out;
    for (std::size_t i = 0; i < bytes; ++i) {
        out += fmt::format("{:02x}", b[i]);
    }
    return out;
}

std::optional<std::string> unsubscribe_problem(std::string_view url) {
    if (!url.starts_with("https://")) {
        return "the unsubscribe URL is not an https URL";
    }
    if (url.size() > 900) {
        return "the unsubscribe URL is longer than 900 octets";
    }
    for (const char ch : url) {
        const auto c = static_cast<unsigned char>(ch);
        if (c <= 0x20 || c >= 0x7f || ch == '<' || ch == '>' || ch == '"') {
            return "the unsubscribe URL holds a space, a control character, a quote or <>";
        }
    }
    return std::nullopt;
}

void add_header(std::string& out, const std::string& header) {
    out += header;
    out += "\r\n";
}

void add_part(std::string& out, std::string_view boundary, std::string_view type,
              std::string_view text) {
    out += fmt::format("--{}\r\n", boundary);
    out += fmt::format("Content-Type: {}; charset=utf-8\r\n", type);
    out += "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
    out += quoted_printable(normalize_crlf(text));
    out += "\r\n";
}

} // namespace

Expected<std::string> make_message_id(std::string_view account_email) {
    if (const auto problem = address_problem(account_email)) {
        return fail("cannot make a Message-ID: the account address is invalid: " + *problem);
    }
    return fmt::format("<{}@{}>", random_hex(16), domain_of(account_email));
}

Expected<std::string> build_message(const OutgoingMessage& m) {
    if (const auto p = address_problem(m.from.address)) {
        return fail("invalid From address: " + *p);
    }
    if (const auto p = address_problem(m.to.address)) {
        return fail("invalid recipient address: " + *p);
    }
    if (m.reply_to && !m.reply_to->empty()) {
        if (const auto p = address_problem(*m.reply_to)) {
            return fail("invalid Reply-To address: " + *p);
        }
    }
    const auto ids = parse_message_ids(m.message_id);
    if (ids.size() != 1 || !m.message_id.starts_with('<') || ids.front() != m.message_id) {
        return fail("invalid Message-ID: expected one <id@domain>");
    }
    if (m.list_unsubscribe && !m.list_unsubscribe->empty()) {
        if (const auto p = unsubscribe_problem(*m.list_unsubscribe)) {
            return fail(*p);
        }
    }
    const std::string boundary = m.boundary.empty() ? "=_eq_" + random_hex(12) : m.boundary;

    std::string out;
    out.reserve(m.html_body.size() * 2 + 2048);
    add_header(out, "Date: " + rfc5322_date(m.date));
    add_header(out, mailbox_header("From", m.from.display_name, m.from.address));
    add_header(out, mailbox_header("To", m.to.display_name, m.to.address));
    if (m.reply_to && !m.reply_to->empty()) {
        add_header(out, mailbox_header("Reply-To", "", *m.reply_to));
    }
    add_header(out, unstructured_header("Subject", m.subject));
    add_header(out, "Message-ID: " + m.message_id);
    if (m.in_reply_to) {
        if (const auto r = parse_message_ids(*m.in_reply_to); !r.empty()) {
            add_header(out, message_ids_header("In-Reply-To", r));
        }
    }
    if (m.references) {
        if (const auto r = parse_message_ids(*m.references); !r.empty()) {
            add_header(out, message_ids_header("References", r));
        }
    }
    if (m.list_unsubscribe && !m.list_unsubscribe->empty()) {
        add_header(out, fmt::format("List-Unsubscribe: <{}>", *m.list_unsubscribe));
        add_header(out, "List-Unsubscribe-Post: List-Unsubscribe=One-Click");
    }
    add_header(out, "MIME-Version: 1.0");
    add_header(out, fmt::format("Content-Type: multipart/alternative; boundary=\"{}\"", boundary));
    out += "\r\n";
    add_part(out, boundary, "text/plain", html_to_text(m.html_body));
    add_part(out, boundary, "text/html", m.html_body);
    out += fmt::format("--{}--\r\n", boundary);

    // The builder's own guarantee, checked rather than assumed.
    if (!is_clean_crlf(out) || longest_line(out) > k_max_line) {
        return fail("internal error: the message would break SMTP line rules");
    }
    return out;
}

} // namespace eq::message
