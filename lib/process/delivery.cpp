#include "process/delivery.hpp"

#include <fmt/format.h>

#include "process/fault_point.hpp"

namespace eq::process {

RowDecision decide(const policy::Classification& verdict, smtp::SmtpStage stage, int company_holds,
                   const DeliveryRules& rules) {
    switch (verdict.verdict) {
    case policy::Verdict::sent:
        return {RowAction::sent, verdict.reason};
    case policy::Verdict::retry_later:
        return {RowAction::retry, verdict.reason};
    case policy::Verdict::fail_row:
        return {RowAction::fail, verdict.reason, verdict.bad_recipient};
    case policy::Verdict::unknown:
        return {rules.resend_unknown ? RowAction::retry : RowAction::held, verdict.reason};
    case policy::Verdict::hold_company:
        break;
    }
    const bool in_transaction =
        stage == smtp::SmtpStage::mail_from || stage == smtp::SmtpStage::rcpt_to ||
        stage == smtp::SmtpStage::data || stage == smtp::SmtpStage::after_body;
    if (in_transaction && company_holds + 1 >= rules.max_row_holds) {
        auto why = fmt::format("{} (held the company {} times in a row: this message "
                               "no longer holds it)",
                               verdict.reason, company_holds + 1);
        return {verdict.permanent ? RowAction::fail : RowAction::retry, std::move(why)};
    }
    RowDecision hold{RowAction::hold_company, verdict.reason};
    hold.row_held_company = in_transaction;
    hold.quota = verdict.quota_exceeded;
    return hold;
}

RowDecision Delivery::send(std::string_view from, std::string_view to, std::string_view message,
                           int company_holds) {
    const auto sending = m_clock.now();
    const auto outcome = m_mailer.send(from, to, message);
    m_quick = m_clock.now() - sending < k_overlap_limit;
    fault_point("answered");
    return decide(policy::classify(outcome), outcome.stage, company_holds, m_rules);
}

} // namespace eq::process
