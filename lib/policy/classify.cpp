#include "policy/classify.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <initializer_list>

namespace eq::policy {

std::string_view to_string(Verdict v) {
    switch (v) {
    case Verdict::sent:
        return "sent";
    case Verdict::retry_later:
        return "retry";
    case Verdict::fail_row:
        return "fail";
    case Verdict::unknown:
        return "unknown";
    case Verdict::hold_company:
        return "hold";
    }
    return "retry";
}

namespace {

bool in(int code, std::initializer_list<int> codes) {
    return std::find(codes.begin(), codes.end(), code) != codes.end();
}

std::string describe(const smtp::SmtpReply& r) {
    std::string out = std::to_string(r.code);
    if (!r.enhanced_status.empty()) {
        out += " " + r.enhanced_status;
    }
    if (!r.text.empty()) {
        out += " " + r.text;
    }
    return out;
}

std::string curl_part(const smtp::SendOutcome& o) {
    return fmt::format("curl {}: {}", o.curl_code,
                       o.curl_error.empty() ? curl_easy_strerror(static_cast<CURLcode>(o.curl_code))
                                            : o.curl_error);
}

std::string_view stage_words(smtp::SmtpStage s) {
    switch (s) {
    case smtp::SmtpStage::session:
        return " before MAIL FROM";
    case smtp::SmtpStage::mail_from:
        return " at MAIL FROM";
    case smtp::SmtpStage::rcpt_to:
        return " at RCPT TO";
    case smtp::SmtpStage::data:
        return " at DATA";
    case smtp::SmtpStage::after_body:
        return " after the message";
    case smtp::SmtpStage::unknown:
        return "";
    }
    return "";
}

// The parts of an enhanced status "C.S.D" (class, subject, detail); -1 when absent.
struct Enhanced {
    int cls = -1, subject = -1, detail = -1;
};

Enhanced parse_enhanced(std::string_view s) {
    Enhanced e;
    if (s.empty()) {
        return e;
    }
    int parts[3] = {-1, -1, -1};
    int idx = 0, value = 0;
    bool digits = false;
    for (const char c : s) {
        if (c == '.') {
            if (!digits || idx >= 2) {
                return {};
            }
            parts[idx++] = value;
            value = 0;
            digits = false;
        } else if (c >= '0' && c <= '9') {
            value = value * 10 + (c - '0');
            digits = true;
        } else {
            return {};
        }
    }
    if (!digits || idx != 2) {
        return {};
    }
    parts[2] = value;
    return {parts[0], parts[1], parts[2]};
}

Classification verdict(Verdict v, std::string reason) {
    Classification c;
    c.verdict = v;
    c.reason = std::move(reason);
    return c;
}

// Words with which servers say that a policy refusal is about the sending account, not
// the message: "5.7.0 Authentication required", "5.7.1 Relaying denied", "sender
// address rejected", "sending rate exceeded".
bool names_the_account(std::string_view text) {
    std::string lower(text);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const std::string_view word :
         {"authenticat", "relay", "sender", "not authorized to send", "rate limit", "sending limit",
          "too many messages", "quota"}) {
        if (lower.find(word) != std::string::npos) {
            return true;
        }
    }
    return false;
}

// Where in the transaction a reply was about one message rather than the session.
bool about_the_message(smtp::SmtpStage stage) {
    return stage == smtp::SmtpStage::rcpt_to || stage == smtp::SmtpStage::data ||
           stage == smtp::SmtpStage::after_body;
}

Classification classify_refusal(const smtp::SendOutcome& o, const smtp::SmtpReply& r) {
    const auto e = parse_enhanced(r.enhanced_status);
    const auto said = fmt::format("{}{}", describe(r), stage_words(o.stage));
    if (r.code == 421) {
        return verdict(Verdict::hold_company, "server is closing the connection: " + said);
    }
    if (o.stage == smtp::SmtpStage::session) {
        return verdict(Verdict::hold_company, "server refused the session: " + said);
    }
    if (e.subject == 7 && about_the_message(o.stage) && !names_the_account(r.text)) {
        // Greylisting (451 4.7.1), content filters (552 5.7.0, 554 5.7.1), a recipient's
        // policy: this message, not the account.
        return verdict(r.code >= 500 ? Verdict::fail_row : Verdict::retry_later,
                       "refused for policy or security reasons, about this message: " + said);
    }
    if (e.subject == 7) {
        return verdict(Verdict::hold_company,
                       "refused for policy or security reasons, about the account: " + said);
    }
    if (e.cls == 5 && e.subject == 4 && e.detail == 5) {
        auto c = verdict(Verdict::hold_company, "the account's sending quota is exceeded: " + said);
        c.quota_exceeded = true;
        return c;
    }
    if (e.subject == 1 && (e.detail == 7 || e.detail == 8)) {
        return verdict(Verdict::hold_company, "server refused the sender's address: " + said);
    }
    if (e.subject == 2 && e.detail == 2) {
        return verdict(Verdict::retry_later, "recipient's mailbox is full: " + said);
    }
    const bool permanent = r.code >= 500;
    if (o.stage == smtp::SmtpStage::mail_from && permanent) {
        return verdict(Verdict::hold_company, "server refused the sender: " + said);
    }
    if (in(r.code, {530, 534, 535, 538})) {
        return verdict(Verdict::hold_company, "authentication required or refused: " + said);
    }
    if (!permanent) {
        return verdict(Verdict::retry_later, "temporary failure: " + said);
    }
    if (e.cls == 5 && e.subject == 1) {
        auto c = verdict(Verdict::fail_row, "recipient address rejected: " + said);
        c.bad_recipient = true;
        return c;
    }
    return verdict(Verdict::fail_row, "rejected: " + said);
}

Classification classify_reply(const smtp::SendOutcome& o, const smtp::SmtpReply& r) {
    auto c = classify_refusal(o, r);
    c.permanent = r.code >= 500;
    return c;
}

} // namespace

Classification classify(const smtp::SendOutcome& o) {
    if (!o.local_error.empty()) {
        return verdict(Verdict::fail_row, "not sent: " + o.local_error);
    }
    const int code = o.curl_code;
    if (code == CURLE_OK) {
        return verdict(Verdict::sent,
                       o.last_reply ? "accepted: " + describe(*o.last_reply) : "accepted");
    }
    if (in(code, {CURLE_LOGIN_DENIED, CURLE_AUTH_ERROR})) {
        return verdict(Verdict::hold_company,
                       o.last_reply ? "authentication refused: " + describe(*o.last_reply) + " (" +
                                          curl_part(o) + ")"
                                    : "authentication refused (" + curl_part(o) + ")");
    }
    if (in(code,
           {CURLE_SSL_CONNECT_ERROR, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED,
            CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_PEER_FAILED_VERIFICATION,
            CURLE_USE_SSL_FAILED, CURLE_SSL_ENGINE_INITFAILED, CURLE_SSL_CACERT_BADFILE,
            CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR,
            CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT})) {
        return verdict(Verdict::hold_company, "TLS failure: " + curl_part(o));
    }
    if (in(code,
           {CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT})) {
        return verdict(Verdict::hold_company, "cannot connect to the server: " + curl_part(o));
    }
    if (in(code, {CURLE_UNSUPPORTED_PROTOCOL, CURLE_FAILED_INIT, CURLE_URL_MALFORMAT,
                  CURLE_NOT_BUILT_IN, CURLE_OUT_OF_MEMORY, CURLE_BAD_FUNCTION_ARGUMENT,
                  CURLE_UNKNOWN_OPTION, CURLE_SETOPT_OPTION_SYNTAX})) {
        return verdict(Verdict::hold_company,
                       "cannot send with this provider's settings: " + curl_part(o));
    }
    if (in(code, {CURLE_WEIRD_SERVER_REPLY, CURLE_SEND_ERROR}) && o.last_reply &&
        o.last_reply->code >= 400) {
        return classify_reply(o, *o.last_reply);
    }
    if (o.body_handed_over) {
        return verdict(Verdict::unknown,
                       "no final reply after the message was handed over; the server may "
                       "have accepted it (" +
                           curl_part(o) + ")");
    }
    if (o.new_connections > 0 && o.replies_received == 0) {
        return verdict(Verdict::hold_company,
                       "the server did not greet a new connection (" + curl_part(o) + ")");
    }
    return verdict(Verdict::retry_later,
                   fmt::format("connection lost or timed out{} before the message was sent ({})",
                               stage_words(o.stage), curl_part(o)));
}

} // namespace eq::policy
