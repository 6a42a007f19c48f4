#include <catch2/catch.hpp>
#include <curl/curl.h>

#include "policy/classify.hpp"

using namespace eq;
using policy::Verdict;
using smtp::SendOutcome;
using smtp::SmtpStage;

namespace {

SendOutcome reply(int curl, int code, std::string enhanced, SmtpStage stage, bool body = false,
                  std::string text = "server text") {
    SendOutcome o;
    o.curl_code = curl;
    o.curl_error = curl == 0 ? "" : "libcurl says so";
    o.last_reply = smtp::SmtpReply{code, std::move(enhanced), std::move(text)};
    o.replies_received = 3;
    o.stage = stage;
    o.body_handed_over = body;
    return o;
}

SendOutcome transport(int curl, bool body, long new_connections, int replies) {
    SendOutcome o;
    o.curl_code = curl;
    o.curl_error = "libcurl says so";
    o.body_handed_over = body;
    o.new_connections = new_connections;
    o.replies_received = replies;
    o.stage = body ? SmtpStage::after_body : SmtpStage::unknown;
    if (replies > 0) {
        // A stale reply from earlier in the session: not to be trusted.
        o.last_reply = smtp::SmtpReply{250, "2.1.0", "Ok"};
    }
    return o;
}

struct Row {
    const char* what;
    SendOutcome outcome;
    Verdict verdict;
    bool bad_recipient = false;
    bool quota = false;
};

} // namespace

TEST_CASE("the classification table", "[classify]") {
    SendOutcome local;
    local.curl_code = -1;
    local.local_error = "invalid recipient address: it contains '<'";
    const std::vector<Row> rows = {
        {"accepted", reply(0, 250, "2.0.0", SmtpStage::unknown, true), Verdict::sent},
        {"invalid address, refused locally", local, Verdict::fail_row},
        // The account.
        {"AUTH refused", reply(CURLE_LOGIN_DENIED, 535, "5.7.8", SmtpStage::session),
         Verdict::hold_company},
        {"AUTH temporarily refused", reply(CURLE_LOGIN_DENIED, 454, "4.7.0", SmtpStage::session),
         Verdict::hold_company},
        {"AUTH error without a reply", transport(CURLE_AUTH_ERROR, false, 1, 2),
         Verdict::hold_company},
        {"untrusted certificate", transport(CURLE_PEER_FAILED_VERIFICATION, false, 1, 0),
         Verdict::hold_company},
        {"STARTTLS not offered", transport(CURLE_USE_SSL_FAILED, false, 1, 2),
         Verdict::hold_company},
        {"TLS to a plain server", transport(CURLE_SSL_CONNECT_ERROR, false, 1, 0),
         Verdict::hold_company},
        {"bad CA file", transport(CURLE_SSL_CACERT_BADFILE, false, 0, 0), Verdict::hold_company},
        {"connection refused", transport(CURLE_COULDNT_CONNECT, false, 0, 0),
         Verdict::hold_company},
        {"host not found", transport(CURLE_COULDNT_RESOLVE_HOST, false, 0, 0),
         Verdict::hold_company},
        {"protocol disabled", transport(CURLE_UNSUPPORTED_PROTOCOL, false, 0, 0),
         Verdict::hold_company},
        {"greeting 554", reply(CURLE_WEIRD_SERVER_REPLY, 554, "5.3.2", SmtpStage::session),
         Verdict::hold_company},
        {"greeting 450", reply(CURLE_WEIRD_SERVER_REPLY, 450, "4.3.0", SmtpStage::session),
         Verdict::hold_company},
        {"421 at MAIL", reply(CURLE_SEND_ERROR, 421, "4.3.0", SmtpStage::mail_from),
         Verdict::hold_company},
        {"421 after the message",
         reply(CURLE_WEIRD_SERVER_REPLY, 421, "", SmtpStage::after_body, true),
         Verdict::hold_company},
        {"5.7.1 at RCPT (relay denied)",
         reply(CURLE_SEND_ERROR, 550, "5.7.1", SmtpStage::rcpt_to, false, "Relaying denied"),
         Verdict::hold_company},
        {"5.7.0 at RCPT (authentication required)",
         reply(CURLE_SEND_ERROR, 530, "5.7.0", SmtpStage::rcpt_to, false,
               "Authentication required"),
         Verdict::hold_company},
        {"4.7.0 at MAIL (rate limited)",
         reply(CURLE_SEND_ERROR, 450, "4.7.0", SmtpStage::mail_from), Verdict::hold_company},
        {"5.7.26 after the message (DMARC)",
         reply(CURLE_WEIRD_SERVER_REPLY, 550, "5.7.26", SmtpStage::after_body, true,
               "Unauthenticated email from acme.example is not accepted due to domain's DMARC "
               "policy"),
         Verdict::hold_company},
        {"5.7.1 at MAIL (policy, about the sender)",
         reply(CURLE_SEND_ERROR, 550, "5.7.1", SmtpStage::mail_from), Verdict::hold_company},
        // One message's policy refusal, not the account's.
        {"greylisting 451 4.7.1 at RCPT",
         reply(CURLE_SEND_ERROR, 451, "4.7.1", SmtpStage::rcpt_to, false,
               "Greylisted, please try again later"),
         Verdict::retry_later},
        {"Microsoft's content restriction 554 5.7.1 after the message",
         reply(CURLE_WEIRD_SERVER_REPLY, 554, "5.7.1", SmtpStage::after_body, true,
               "Your message can't be delivered because of content restrictions"),
         Verdict::fail_row},
        {"Gmail's content block 552 5.7.0 after the message",
         reply(CURLE_WEIRD_SERVER_REPLY, 552, "5.7.0", SmtpStage::after_body, true,
               "This message was blocked because its content presents a potential security "
               "issue"),
         Verdict::fail_row},
        {"Gmail's daily quota", reply(CURLE_SEND_ERROR, 550, "5.4.5", SmtpStage::mail_from),
         Verdict::hold_company, false, true},
        {"bad sender address 5.1.8", reply(CURLE_SEND_ERROR, 553, "5.1.8", SmtpStage::mail_from),
         Verdict::hold_company},
        {"bad sender address 5.1.7 at RCPT",
         reply(CURLE_SEND_ERROR, 550, "5.1.7", SmtpStage::rcpt_to), Verdict::hold_company},
        {"5xx at MAIL without enhanced status",
         reply(CURLE_SEND_ERROR, 550, "", SmtpStage::mail_from), Verdict::hold_company},
        {"5.3.0 at MAIL", reply(CURLE_SEND_ERROR, 500, "5.3.0", SmtpStage::mail_from),
         Verdict::hold_company},
        {"530 authentication required", reply(CURLE_SEND_ERROR, 530, "", SmtpStage::rcpt_to),
         Verdict::hold_company},
        // The row, later.
        {"4xx at MAIL", reply(CURLE_SEND_ERROR, 450, "4.3.0", SmtpStage::mail_from),
         Verdict::retry_later},
        {"4xx at RCPT", reply(CURLE_SEND_ERROR, 450, "4.3.0", SmtpStage::rcpt_to),
         Verdict::retry_later},
        {"451 at DATA", reply(CURLE_SEND_ERROR, 451, "", SmtpStage::data), Verdict::retry_later},
        {"4xx after the message",
         reply(CURLE_WEIRD_SERVER_REPLY, 452, "4.3.1", SmtpStage::after_body, true),
         Verdict::retry_later},
        {"mailbox full 4.2.2", reply(CURLE_SEND_ERROR, 452, "4.2.2", SmtpStage::rcpt_to),
         Verdict::retry_later},
        {"mailbox full 5.2.2", reply(CURLE_SEND_ERROR, 552, "5.2.2", SmtpStage::rcpt_to),
         Verdict::retry_later},
        {"4.4.5 congestion", reply(CURLE_SEND_ERROR, 451, "4.4.5", SmtpStage::rcpt_to),
         Verdict::retry_later},
        {"timeout before the body", transport(CURLE_OPERATION_TIMEDOUT, false, 0, 2),
         Verdict::retry_later},
        {"disconnect at RCPT", transport(CURLE_RECV_ERROR, false, 0, 1), Verdict::retry_later},
        {"55 from a write error (stale 250)", transport(CURLE_SEND_ERROR, false, 0, 1),
         Verdict::retry_later},
        {"nothing from a reused connection", transport(CURLE_GOT_NOTHING, false, 0, 0),
         Verdict::retry_later},
        // The row, now.
        {"no such user", reply(CURLE_SEND_ERROR, 550, "5.1.1", SmtpStage::rcpt_to),
         Verdict::fail_row, true},
        {"bad destination syntax", reply(CURLE_SEND_ERROR, 501, "5.1.3", SmtpStage::rcpt_to),
         Verdict::fail_row, true},
        {"550 at RCPT without enhanced status",
         reply(CURLE_SEND_ERROR, 550, "", SmtpStage::rcpt_to), Verdict::fail_row},
        {"mailbox disabled", reply(CURLE_SEND_ERROR, 550, "5.2.1", SmtpStage::rcpt_to),
         Verdict::fail_row},
        {"message too big after the body",
         reply(CURLE_WEIRD_SERVER_REPLY, 552, "5.3.4", SmtpStage::after_body, true),
         Verdict::fail_row},
        {"554 at DATA", reply(CURLE_SEND_ERROR, 554, "5.5.1", SmtpStage::data), Verdict::fail_row},
        {"5xx with the stage unknown", reply(CURLE_SEND_ERROR, 550, "5.0.0", SmtpStage::unknown),
         Verdict::fail_row},
        // Unknown.
        {"timeout after the body", transport(CURLE_OPERATION_TIMEDOUT, true, 0, 3),
         Verdict::unknown},
        {"hang-up after the body", transport(CURLE_RECV_ERROR, true, 0, 3), Verdict::unknown},
        {"55 after the body with a stale reply", transport(CURLE_SEND_ERROR, true, 0, 3),
         Verdict::unknown},
        // No greeting on a new connection.
        {"connect timeout", transport(CURLE_OPERATION_TIMEDOUT, false, 1, 0),
         Verdict::hold_company},
        {"hang-up at connect", transport(CURLE_RECV_ERROR, false, 1, 0), Verdict::hold_company},
        {"weird reply without any reply", transport(CURLE_WEIRD_SERVER_REPLY, false, 1, 0),
         Verdict::hold_company},
    };
    for (const auto& row : rows) {
        INFO(row.what);
        const auto c = policy::classify(row.outcome);
        CHECK(policy::to_string(c.verdict) == policy::to_string(row.verdict));
        CHECK(c.bad_recipient == row.bad_recipient);
        CHECK(c.quota_exceeded == row.quota);
        CHECK_FALSE(c.reason.empty());
    }
}

TEST_CASE("the reason names the reply, the step and libcurl's message", "[classify]") {
    auto o = reply(CURLE_SEND_ERROR, 550, "5.1.1", SmtpStage::rcpt_to);
    o.last_reply->text = "No such user here";
    CHECK(policy::classify(o).reason ==
          "recipient address rejected: 550 5.1.1 No such user here at RCPT TO");
    CHECK(policy::classify(transport(CURLE_OPERATION_TIMEDOUT, true, 0, 2)).reason ==
          "no final reply after the message was handed over; the server may have accepted it "
          "(curl 28: libcurl says so)");
    CHECK(policy::classify(reply(0, 250, "2.0.0", SmtpStage::unknown, true)).reason ==
          "accepted: 250 2.0.0 server text");
    SendOutcome bare;
    bare.curl_code = CURLE_COULDNT_CONNECT;
    CHECK(policy::classify(bare).reason ==
          "cannot connect to the server: curl 7: Couldn't connect to server");
}

TEST_CASE("verdicts have stable names", "[classify]") {
    CHECK(policy::to_string(Verdict::sent) == "sent");
    CHECK(policy::to_string(Verdict::retry_later) == "retry");
    CHECK(policy::to_string(Verdict::fail_row) == "fail");
    CHECK(policy::to_string(Verdict::unknown) == "unknown");
    CHECK(policy::to_string(Verdict::hold_company) == "hold");
}
