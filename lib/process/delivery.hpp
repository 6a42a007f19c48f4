#pragma once

#include <string>
#include <string_view>

#include "policy/classify.hpp"
#include "process/clock.hpp"
#include "smtp/mailer.hpp"
#include "smtp/send_outcome.hpp"

namespace eq::process {

// What the batch does with a row once its message was handed to the SMTP server.
enum class RowAction {
    sent,         // record it sent
    retry,        // try again later (or fail it, its tries spent: policy::retries_exhausted)
    fail,         // fail the row
    held,         // hold the row for an operator: the server may have accepted it
    hold_company, // hold the company; the row and the rest of the batch go back to pending
};

struct RowDecision {
    RowAction action = RowAction::sent;
    std::string reason;            // for the row's error_message or the company's hold
    bool bounce = false;           // fail: the address goes on the company's do_not_email
    bool row_held_company = false; // hold_company: the row's own transaction was refused
                                   // (counted in email_queue.company_holds)
    bool quota = false;            // hold_company: the account's quota (held for a day)
};

struct DeliveryRules {
    bool resend_unknown = false; // processing.resend_unknown
    int max_row_holds = 3;       // processing.max_row_holds
};

// The batch's decision on one classified outcome. A refusal the classifier takes for
// the account's holds the company, unless this row's own transaction (MAIL, RCPT, DATA)
// has held it `max_row_holds` times in a row (`company_holds` before this one): then the
// message is what the server refuses, failed when the refusal is permanent, else
// retried behind the others, and the company goes on sending. A failure before MAIL
// (connection, TLS, AUTH) is never one message's doing. An unknown outcome holds the
// row, or retries it with resend_unknown. A permanent recipient failure (5.1.x) bounces.
RowDecision decide(const policy::Classification& verdict, smtp::SmtpStage stage, int company_holds,
                   const DeliveryRules& rules);

// A server that answered within this time gets the next message's mark sent before its
// dialogue (the batch works ahead, holding a database connection through it); a slower
// one never holds a connection while it answers.
inline constexpr auto k_overlap_limit = std::chrono::milliseconds(20);

// Hands messages to a Mailer, times its answers on a Clock and decides (decide()).
class Delivery {
public:
    Delivery(smtp::Mailer& mailer, Clock& clock, DeliveryRules rules)
        : m_mailer(mailer), m_clock(clock), m_rules(rules) {}

    // Sends one message; `company_holds` is the row's count of company holds so far.
    RowDecision send(std::string_view from, std::string_view to, std::string_view message,
                     int company_holds);

    // Whether the server answered the last message within k_overlap_limit.
    bool quick() const { return m_quick; }

private:
    smtp::Mailer& m_mailer;
    Clock& m_clock;
    DeliveryRules m_rules;
    bool m_quick = false;
};

} // namespace eq::process
