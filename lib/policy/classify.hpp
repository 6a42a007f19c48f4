#pragma once

#include <string>
#include <string_view>

#include "smtp/send_outcome.hpp"

namespace eq::policy {

// What to do with a queue row (and its company) after one send attempt.
enum class Verdict {
    sent,         // the server accepted the message
    retry_later,  // a transient failure before the message was accepted: back to pending
    fail_row,     // a permanent failure about this row: failed, not retried
    unknown,      // the message was handed over and no final reply came: the server may
                  // have accepted it; never resent on its own (held for an operator)
    hold_company, // about the sending account or its server, not this row: hold the
                  // company's batch without spending the row's retries
};

// "sent", "retry", "fail", "unknown", "hold".
std::string_view to_string(Verdict v);

struct Classification {
    Verdict verdict = Verdict::retry_later;
    // A 5.1.x reply about the recipient (no such user, bad mailbox): the address may be
    // added to do_not_email.
    bool bad_recipient = false;
    // The account's sending quota is exhausted (5.4.5): hold the company for about a day.
    bool quota_exceeded = false;
    // The server's reply was permanent (5xx): a row that keeps holding its company is
    // failed rather than retried (lib/process, processing.max_row_holds).
    bool permanent = false;
    // For error_message / hold_reason: what happened, with the server's reply or libcurl's
    // message. Never holds a secret (SendOutcome is already scrubbed).
    std::string reason;
};

// The one classification of SMTP outcomes (tested as a table in
// test/unit/policy/classify_test.cpp). A reply code is trusted only when libcurl says
// the server answered (CURLcode 0, 8, 55, 67, 94) and the reply came during this send.
//
//   refused locally (invalid address, bad message)        -> fail_row
//   0                                                      -> sent
//   67 LOGIN_DENIED, 94 AUTH_ERROR (also a transient 454)  -> hold_company
//   TLS: 35, 53, 54, 58, 59, 60, 64, 66, 77, 80, 82, 83, 90, 91, 98 -> hold_company
//   5, 6, 7 (proxy, resolve, connection refused)           -> hold_company
//   1-4, 27, 43, 48, 49 (protocol or options refused)      -> hold_company
//   8 / 55 with a reply of 400 or more:
//     421                                                  -> hold_company
//     refused before MAIL FROM (greeting, EHLO, AUTH)      -> hold_company
//     x.7.x at MAIL FROM, or naming authentication, relaying, the sender or a
//       sending rate (about the account)                   -> hold_company
//     x.7.x at RCPT, DATA or after the message (greylisting, content or recipient
//       policy: about this message)                        -> retry_later (4xx), fail_row (5xx)
//     5.4.5 (quota exceeded)                   -> hold_company, quota_exceeded
//     x.1.7, x.1.8 (the sender's address)                  -> hold_company
//     x.2.2 (mailbox full)                                 -> retry_later
//     5xx at MAIL FROM (the sender refused)                -> hold_company
//     530, 534, 535, 538 (authentication)                  -> hold_company
//     4xx                                                  -> retry_later
//     5.1.x (the recipient's address)          -> fail_row, bad_recipient
//     other 5xx (at RCPT, DATA or after the message)       -> fail_row
//   anything else (timeout 28, disconnect 52/55/56, ...):
//     the body had been handed over                        -> unknown
//     a new connection that never got a reply (no greeting) -> hold_company
//     otherwise                                            -> retry_later
Classification classify(const smtp::SendOutcome& outcome);

} // namespace eq::policy
