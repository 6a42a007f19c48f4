#include "process/recorder.hpp"

#include <fmt/format.h>

#include "message/address.hpp"
#include "policy/retry.hpp"
#include "process/jitter.hpp"
#include "queue/lease.hpp"
#include "queue/outcome.hpp"
#include "queue/queue_repository.hpp"
#include "suppression/suppression_repository.hpp"
#include "throttle/company_state.hpp"

namespace eq::process {

namespace {
// A quota exceeded (5.4.5) holds the account for a day: the provider's own window.
constexpr Seconds k_quota_hold{std::chrono::hours(24)};
} // namespace

void Recorder::sent(const Prepared& p, const campaign::CompanyAccount& account,
                    bool touch_company) {
    const auto& item = p.row.item;
    m_writer.defer(queue::sent_call({item.id, m_ctx.worker, p.content.subject, p.content.html_body,
                                     message::display_name_for(account.account_email, account.name),
                                     account.account_email, p.to, touch_company,
                                     m_ctx.config.processing.call_handoff, p.call_script}),
                   [&result = m_result, ctx = about(m_company, item), message_id = p.message_id] {
                       ++result.sent;
                       if (log::enabled(log::Level::debug)) {
                           note(log::Level::debug, ctx, "sent as " + message_id);
                       }
                   });
}

void Recorder::final_status(const queue::EmailQueueItem& item, queue::QueueStatus status,
                            const std::string& reason) {
    auto* counter = status == queue::QueueStatus::failed    ? &m_result.failed
                    : status == queue::QueueStatus::skipped ? &m_result.skipped
                                                            : &m_result.held_rows;
    // A held row waits for an operator; failed and skipped rows are ordinary outcomes.
    const auto level = status == queue::QueueStatus::held ? log::Level::warn : log::Level::info;
    auto applied = [counter, level, ctx = about(m_company, item),
                    line = fmt::format("{}: {}", to_string(status), reason)] {
        ++*counter;
        note(level, ctx, line);
    };
    if (m_ctx.dry_run) {
        applied();
    } else {
        m_writer.defer(queue::final_call(item.id, m_ctx.worker, status, reason),
                       std::move(applied));
    }
}

void Recorder::retry(const queue::EmailQueueItem& item, const std::string& reason) {
    const int count = item.retry_count + 1;
    const bool exhausted = policy::retries_exhausted(count, item.max_retries);
    const auto delay =
        policy::retry_delay(count, jitter_draw(), m_ctx.config.processing.max_retry_delay);
    auto* counter = exhausted ? &m_result.failed : &m_result.retried;
    auto applied = [counter, ctx = about(m_company, item),
                    line = exhausted ? fmt::format("failed after {} tries: {}", count, reason)
                                     : fmt::format("try {} failed, next in {}: {}", count,
                                                   format_duration(delay), reason)] {
        ++*counter;
        note(log::Level::info, ctx, line);
    };
    if (m_ctx.dry_run) {
        applied();
    } else {
        m_writer.defer(queue::retry_call(item.id, m_ctx.worker, count, exhausted, delay, reason),
                       std::move(applied));
    }
}

void Recorder::refuse(const queue::EmailQueueItem& item, const Refusal& refusal) {
    switch (refusal.kind) {
    case Refusal::Kind::fail:
        fail(item, refusal.reason);
        break;
    case Refusal::Kind::skip:
        final_status(item, queue::QueueStatus::skipped, refusal.reason);
        break;
    case Refusal::Kind::retry:
        retry(item, refusal.reason);
        break;
    }
}

void Recorder::bounce(const std::string& to) {
    m_writer.defer(suppression::bounce_call(m_company, to), [] {});
}

void Recorder::company_hold(const queue::EmailQueueItem& item) {
    if (!m_ctx.dry_run) {
        m_writer.defer(queue::company_hold_call(item.id, m_ctx.worker), [] {});
    }
}

void Recorder::hold(const std::string& reason, bool quota) {
    m_result.company_held = true;
    m_result.newly_held = true;
    m_result.hold_reason = reason;
    if (m_ctx.dry_run) {
        return;
    }
    m_writer.flush();
    auto lease = m_ctx.pool.acquire();
    const auto state = throttle::get_company_state(*lease, m_company);
    const auto& processing = m_ctx.config.processing;
    const auto delay =
        quota ? k_quota_hold
              : policy::company_hold_delay(state.consecutive_holds, processing.hold_delay,
                                           processing.max_hold_delay);
    throttle::hold_company(*lease, m_company, reason, delay);
}

void Recorder::release(const std::vector<Uuid>& ids, const std::optional<std::string>& reason) {
    if (m_ctx.dry_run || ids.empty()) {
        return;
    }
    m_writer.flush();
    auto lease = m_ctx.pool.acquire();
    m_result.released += queue::release_rows(*lease, ids, m_ctx.worker, reason);
}

} // namespace eq::process
