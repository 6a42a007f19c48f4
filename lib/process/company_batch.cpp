#include "process/company_batch.hpp"

#include <fmt/format.h>

#include <set>
#include <type_traits>

#include "campaign/company_account.hpp"
#include "campaign/completion.hpp"
#include "campaign/run_control.hpp"
#include "process/claim.hpp"
#include "process/clock.hpp"
#include "process/composer.hpp"
#include "process/delivery.hpp"
#include "process/fault_point.hpp"
#include "process/leases.hpp"
#include "process/pacer.hpp"
#include "process/recorder.hpp"
#include "process/row_reader.hpp"
#include "process/work_ahead.hpp"
#include "queue/lease.hpp"
#include "queue/outcome.hpp"
#include "queue/outcome_writer.hpp"
#include "smtp/session.hpp"
#include "suppression/suppression_repository.hpp"

namespace eq::process {

namespace {

// What the rest of the batch should do after one row.
enum class Next { go_on, hold_company };

class Batch {
public:
    Batch(const BatchContext& context, const Uuid& company_id, Clock& clock)
        : m_ctx(context), m_config(context.config), m_company(company_id), m_clock(clock),
          m_writer(context.pool, [] { fault_point("recorded"); }),
          m_record(m_writer, m_result, context, company_id),
          m_leases(clock, context.config.processing.lease, context.dry_run, [this] {
              return with_db([&](db::Connection& c) {
                  return queue::extend_leases(c, m_company, m_ctx.worker,
                                              m_config.processing.lease);
              });
          }) {}

    CompanyResult run() {
        auto claim = with_db([&](db::Connection& c) {
            return claim_rows(c, m_config, m_company, m_ctx.worker, m_ctx.dry_run, m_clock);
        });
        if (claim.held) {
            m_result.company_held = true;
            m_result.hold_reason = std::move(*claim.held);
            return m_result;
        }
        m_pacer = Pacer(std::move(claim.plan), claim.claimed_at);
        m_leases.claimed(claim.claimed_at); // the claim's leases start after this
        m_rows.emplace(std::move(claim.ids), [this](const std::vector<Uuid>& chunk) {
            return with_db([&](db::Connection& c) { return queue::load_claimed_rows(c, chunk); });
        });
        if (m_rows->ids().empty()) {
            return m_result;
        }
        fault_point("claimed");
        auto account = with_db(
            [&](db::Connection& c) { return campaign::find_company_account(c, m_company); });
        if (!account) {
            m_record.release(m_rows->ids(), "the company no longer exists");
            return m_result;
        }
        m_composer.emplace(m_config, std::move(*account));
        std::string password;
        if (const auto problem =
                account_problem(m_config, m_composer->account(), m_ctx.key, password)) {
            m_record.hold(*problem, false);
            m_record.release(m_rows->ids(), "company held: " + *problem);
            return m_result;
        }
        if (m_ctx.dry_run) {
            while (prepare_next()) {
                ++m_result.would_send;
            }
            return finish();
        }
        const auto& account_email = m_composer->account().account_email;
        smtp::Session session(smtp::SessionOptions{
            *m_config.provider(m_composer->account().account_type), account_email,
            std::move(password), std::string(), smtp::Timeouts::from_config(m_config.smtp)});
        Delivery delivery(session, m_clock,
                          {m_config.processing.resend_unknown, m_config.processing.max_row_holds});
        return send_all(delivery);
    }

private:
    using Work = WorkAhead<Prepared>;

    // The sending loop: one turn a row (work_ahead.hpp).
    CompanyResult send_all(Delivery& delivery) {
        Work work(next_marked(std::nullopt));
        while (work.current() != nullptr) {
            // To a server that answers quickly, the next message's mark goes out before
            // this message's dialogue, with the outcomes waiting to be written: the
            // database writes while the SMTP server and this program work.
            if (work.mark_next_first(delivery.quick(), m_pacer.paced())) {
                if (work.next() == nullptr) {
                    work.next_built(prepare_next());
                }
                work.next_marked_ahead(work.next() != nullptr && mark_ahead(*work.next()));
            }
            fault_point("send-started");
            const auto verdict = deliver(*work.current(), delivery);
            // The outcome just learnt and the mark of the message after next go out
            // before the next message's mark is read back, so the database goes on to
            // them at once instead of waiting for this program.
            if (work.look_after(verdict == Next::go_on)) {
                auto after = prepare_next();
                const bool sent = after && delivery.quick() && mark_ahead(*after);
                work.after_built(std::move(after), sent);
            }
            const bool next_took = work.next_in_flight() && accept_mark(*work.next());
            if (verdict == Next::hold_company) {
                m_record.release(m_rows->rest_of(work.current()->row.item.id),
                                 "company held: " + m_result.hold_reason);
                return finish();
            }
            if (m_stopped || m_ctx.stop.stop_requested()) {
                const auto* unsent = work.first_unsent();
                m_record.release(unsent != nullptr ? m_rows->rest_of(unsent->row.item.id)
                                                   : m_rows->unread(),
                                 std::nullopt);
                return finish();
            }
            switch (work.move(next_took)) {
            case Work::Move::next_up:
                work.advance();
                break;
            case Work::Move::after_up: {
                // The next row was no longer this run's; the one after it may be.
                auto after = work.take_after();
                work.restart(accept_mark(*after) ? std::move(after) : next_marked(std::nullopt));
                break;
            }
            case Work::Move::find_next:
                work.restart(next_marked(work.take_candidate()));
                break;
            }
        }
        return finish();
    }

    template <class F> std::invoke_result_t<F, db::Connection&> with_db(F&& f) {
        m_writer.settle();
        auto lease = m_ctx.pool.acquire();
        return f(*lease);
    }

    db::Call mark_call(const Prepared& p) const {
        return queue::start_send_call(p.row.item.id, m_ctx.worker, p.message_id, p.to,
                                      m_config.processing.lease, p.email_log_id);
    }

    // The row's mark sent ahead (with the outcomes waiting) once its slot has come;
    // false when a stop was requested meanwhile.
    bool mark_ahead(const Prepared& p) {
        if (!wait_for_slot()) {
            return false;
        }
        fault_point("composed");
        m_writer.send_ahead(mark_call(p), p.row.item.id);
        return true;
    }

    // The next row that can be sent, `candidate` first, with its send-started mark
    // committed (written with the outcomes waiting, in one transaction); nothing when
    // none is left or a stop was requested.
    std::optional<Prepared> next_marked(std::optional<Prepared> candidate) {
        while (candidate || (candidate = prepare_next())) {
            auto prepared = std::move(candidate);
            candidate.reset();
            if (!wait_for_slot()) {
                m_stopped = true;
                m_record.release(m_rows->rest_of(prepared->row.item.id), std::nullopt);
                return std::nullopt;
            }
            fault_point("composed");
            m_writer.send_ahead(mark_call(*prepared), prepared->row.item.id);
            if (accept_mark(*prepared)) {
                return prepared;
            }
        }
        return std::nullopt;
    }

    // Whether the row's mark (sent ahead, read back now) took: the row is still this
    // run's to send, its message built with the Message-ID and email log the row stores.
    bool accept_mark(Prepared& p) {
        const auto mark = m_writer.read_mark(p.row.item.id);
        const auto stored = queue::started(mark);
        if (!stored) {
            if (!release_unmarked(p.row.item) && suppressed_since_loaded(p)) {
                m_record.final_status(
                    p.row.item, queue::QueueStatus::skipped,
                    "the address is on the do-not-email list (added before the send)");
            }
            return false; // no longer ours (recovered, cancelled), suppressed, or unmarked
        }
        const auto log = queue::started_log(mark).value_or(p.email_log_id);
        if (const auto error = m_composer->adopt(p, *stored, log)) {
            m_record.fail(p.row.item, error->message);
            return false;
        }
        return true;
    }

    // Releases the row when its mark's transaction failed, with the reason; it is not
    // sent. False when the mark's transaction committed (the mark did not take for
    // another reason).
    bool release_unmarked(const queue::EmailQueueItem& item) {
        const auto reason = m_writer.take_unmarked(item.id);
        if (!reason) {
            return false;
        }
        note(log::Level::warn, about(m_company, item), "not sent, released: " + *reason);
        m_record.release({item.id}, *reason);
        return true;
    }

    // Whether the row's address went on the do-not-email list after its chunk was loaded:
    // its mark then does not take (the mark checks the list right before the send).
    bool suppressed_since_loaded(const Prepared& p) {
        return with_db(
            [&](db::Connection& c) { return suppression::is_suppressed(c, m_company, p.to); });
    }

    // The next row that can be sent, built; the rows before it that cannot are recorded
    // as failed, skipped or retried. Nothing when none is left or a stop was requested
    // (the unsent rows are then released).
    std::optional<Prepared> prepare_next() {
        while (true) {
            if (m_ctx.stop.stop_requested()) {
                m_stopped = true;
                m_record.release(m_rows->unread(), std::nullopt);
                return std::nullopt;
            }
            auto row = m_rows->next();
            if (!row) {
                return std::nullopt;
            }
            m_runs.insert(row->item.campaign_run_id);
            m_leases.renew_if_due();
            if (auto prepared = prepare(std::move(*row))) {
                return prepared;
            }
        }
    }

    // Builds the row's message, or records why it cannot be sent and returns nothing.
    std::optional<Prepared> prepare(queue::ClaimedRow row) {
        if (auto refusal = row_refusal(row)) {
            m_record.refuse(row.item, *refusal);
            return std::nullopt;
        }
        // The generator may take seconds: the outcomes waiting are written first, so a
        // crash meanwhile leaves no delivered row without its outcome. Each generator
        // run is a step the leases must outlast (m_leases.cover()).
        const bool generates = m_composer->generates(row);
        if (generates || m_composer->hands_off_a_call(row)) {
            m_writer.flush();
        }
        if (generates) {
            m_leases.cover(m_config.content.timeout);
        }
        auto composed = m_composer->compose(std::move(row),
                                            [this] { m_leases.cover(m_config.content.timeout); });
        if (auto* refusal = std::get_if<Refusal>(&composed)) {
            m_record.refuse(row.item, *refusal); // not moved from: nothing was built
            return std::nullopt;
        }
        return std::get<Prepared>(std::move(composed));
    }

    // Hands the marked message to the SMTP server and records what its answer means.
    Next deliver(const Prepared& p, Delivery& delivery) {
        const auto& item = p.row.item;
        m_leases.cover(m_config.longest_send());
        if (!m_leases.still_held(item.id)) {
            // The run was held up longer than the lease (stopped, starved of CPU): another
            // run may have recovered the row, and may send it. Not sent here.
            note(log::Level::warn, about(m_company, item),
                 "not sent: its lease passed before its send and the row is no longer this "
                 "run's");
            return Next::go_on;
        }
        const auto& account = m_composer->account();
        const auto decision =
            delivery.send(account.account_email, p.to, p.bytes, item.company_holds);
        switch (decision.action) {
        case RowAction::sent:
            m_record.sent(p, account, m_touch.due(m_clock.now()));
            return Next::go_on;
        case RowAction::retry:
            m_record.retry(item, decision.reason);
            return Next::go_on;
        case RowAction::fail:
            if (decision.bounce) {
                // The address does not exist: no other campaign of the company tries it.
                m_record.bounce(p.to);
            }
            m_record.fail(item, decision.reason);
            return Next::go_on;
        case RowAction::held:
            m_record.final_status(item, queue::QueueStatus::held, decision.reason);
            return Next::go_on;
        case RowAction::hold_company:
            if (decision.row_held_company) {
                m_record.company_hold(item);
            }
            m_record.hold(decision.reason, decision.quota);
            return Next::hold_company;
        }
        return Next::go_on;
    }

    // Paced: waits until this send's planned slot, renewing the leases of the rows still
    // waiting; false when a stop was requested meanwhile.
    bool wait_for_slot() {
        const auto due = m_pacer.take_slot();
        if (!due) {
            return true;
        }
        if (m_clock.now() < *due) {
            // The outcomes waiting are written before the wait, not with the next mark
            // after it: a crash during the gap leaves no delivered row without its outcome.
            m_writer.flush();
        }
        return wait_until(m_clock, *due, m_ctx.stop, [this] { m_leases.renew_if_due(); });
    }

    CompanyResult finish() {
        m_writer.flush();
        if (!m_ctx.dry_run && !m_runs.empty()) {
            fault_point("finishing");
            const std::vector<Uuid> runs(m_runs.begin(), m_runs.end());
            with_db([&](db::Connection& c) {
                for (const auto& paused : campaign::auto_pause_failing_runs(c, m_company, runs)) {
                    m_result.auto_paused.push_back(
                        fmt::format("run {} {}", paused.run_id.str(), paused.reason));
                }
                return campaign::complete_finished_runs(c, runs);
            });
            fault_point("completed");
        }
        return m_result;
    }

    const BatchContext& m_ctx;
    const config::Config& m_config;
    Uuid m_company;
    Clock& m_clock;
    CompanyResult m_result;
    queue::OutcomeWriter m_writer;
    Recorder m_record;
    std::optional<Composer> m_composer; // once the account is read
    std::optional<RowReader> m_rows;    // once claimed
    std::set<Uuid> m_runs;
    Pacer m_pacer;
    LeaseKeeper m_leases;
    TouchGate m_touch;
    bool m_stopped = false; // a stop was requested; the unsent rows are released
};

} // namespace

CompanyResult run_company_batch(const BatchContext& context, const Uuid& company_id) {
    SteadyClock clock;
    return Batch(context, company_id, clock).run();
}

} // namespace eq::process
