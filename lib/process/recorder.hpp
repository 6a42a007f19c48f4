#pragma once

#include <optional>
#include <string>
#include <vector>

#include "campaign/company_account.hpp"
#include "config/config.hpp"
#include "process/company_batch.hpp"
#include "process/composer.hpp"
#include "queue/email_queue_item.hpp"
#include "queue/outcome_writer.hpp"
#include "util/uuid.hpp"

namespace eq::process {

// Records what became of a batch's rows: each outcome goes to the OutcomeWriter (written
// with the batch's next database step), and once it is applied the batch's count goes up
// and the row's log line is written; so are the company's hold and the rows given back.
// A dry run writes nothing: it counts and logs at once.
class Recorder {
public:
    Recorder(queue::OutcomeWriter& writer, CompanyResult& result, const BatchContext& context,
             const Uuid& company)
        : m_writer(writer), m_result(result), m_ctx(context), m_company(company) {}

    // The message was accepted; `touch_company`: the company's last_sent_at is written too.
    void sent(const Prepared& p, const campaign::CompanyAccount& account, bool touch_company);

    // Failed, skipped or held for an operator, with the reason.
    void final_status(const queue::EmailQueueItem& item, queue::QueueStatus status,
                      const std::string& reason);
    void fail(const queue::EmailQueueItem& item, const std::string& reason) {
        final_status(item, queue::QueueStatus::failed, reason);
    }

    // Tried again later with exponential backoff and jitter (policy/retry.hpp), or failed
    // when its tries are spent.
    void retry(const queue::EmailQueueItem& item, const std::string& reason);

    // A row that is not sent (row_refusal(), Composer::compose()).
    void refuse(const queue::EmailQueueItem& item, const Refusal& refusal);

    // A permanent recipient failure: the address goes on the company's do_not_email.
    void bounce(const std::string& to);

    // The row's own transaction held the company (email_queue.company_holds).
    void company_hold(const queue::EmailQueueItem& item);

    // Holds the company for `reason` (an account-level failure): for a day when the
    // account's quota is spent, else for the hold delay its consecutive holds give
    // (policy::company_hold_delay). The outcomes waiting are written first.
    void hold(const std::string& reason, bool quota);

    // Gives claimed rows back (pending, unsent), with the reason as error_message when
    // there is one. The outcomes waiting are written first.
    void release(const std::vector<Uuid>& ids, const std::optional<std::string>& reason);

private:
    queue::OutcomeWriter& m_writer;
    CompanyResult& m_result;
    const BatchContext& m_ctx;
    Uuid m_company;
};

} // namespace eq::process
