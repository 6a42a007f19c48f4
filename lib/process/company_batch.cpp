#include "process/company_batch.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <functional>
#include <random>
#include <set>
#include <thread>
#include <type_traits>

#include "campaign/company_account.hpp"
#include "campaign/completion.hpp"
#include "campaign/run_control.hpp"
#include "content/compose.hpp"
#include "content/generator.hpp"
#include "content/links.hpp"
#include "log/log.hpp"
#include "message/address.hpp"
#include "message/header.hpp"
#include "message/message.hpp"
#include "policy/budget.hpp"
#include "policy/classify.hpp"
#include "policy/pacing.hpp"
#include "policy/ramp_up.hpp"
#include "policy/retry.hpp"
#include "process/fault_point.hpp"
#include "queue/claimed_row.hpp"
#include "queue/lease.hpp"
#include "queue/outcome.hpp"
#include "queue/queue_repository.hpp"
#include "smtp/session.hpp"
#include "suppression/suppression_repository.hpp"
#include "throttle/company_state.hpp"
#include "throttle/sending_schedule.hpp"
#include "throttle/throttle_repository.hpp"
#include "util/strings.hpp"

namespace eq::process {

namespace {

using Clock = std::chrono::steady_clock;

// Rows are read from the database in chunks so a large batch never sits in memory.
constexpr std::size_t k_chunk = 100;
// A quota exceeded (5.4.5) holds the account for a day: the provider's own window.
constexpr Seconds k_quota_hold{std::chrono::hours(24)};

content::Fields to_fields(const Json& object) {
    content::Fields fields;
    if (!object.is_object()) {
        return fields;
    }
    for (const auto& [key, value] : object.as_object()) {
        if (value.is_null()) {
            fields[key] = std::nullopt;
        } else if (value.is_string()) {
            fields[key] = value.as_string();
        } else if (value.is_bool()) {
            fields[key] = value.as_bool() ? "true" : "false";
        } else if (value.is_int()) {
            fields[key] = std::to_string(value.as_int());
        } else {
            fields[key] = value.dump();
        }
    }
    return fields;
}

double jitter_draw() {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

// What the rest of the batch should do after one row.
enum class Next { go_on, hold_company };

// How often a paced batch waiting for its next slot looks at the stop flag.
constexpr auto k_wait_step = std::chrono::milliseconds(200);
// A batch whose SMTP server answered the last message within this time sends the next
// message's mark, with the outcomes waiting, before the dialogue and keeps its database
// connection through it, so that the database writes meanwhile; a slower server never
// holds a connection while it answers.
constexpr auto k_overlap_limit = std::chrono::milliseconds(20);
// Room left between the end of the longest step and the end of a row's lease, for the
// clocks of this host and the database's (leases_cover()).
constexpr auto k_lease_margin = std::chrono::seconds(1);
// How often a batch's sent messages refresh the company's last_sent_at.
constexpr auto k_company_touch_interval = std::chrono::seconds(1);

class Batch {
public:
    Batch(const BatchContext& context, const Uuid& company_id)
        : m_ctx(context), m_config(context.config), m_company(company_id) {}

    CompanyResult run() {
        m_ids = claim();
        if (m_result.company_held || m_ids.empty()) {
            return m_result;
        }
        fault_point("claimed");
        auto account = with_db(
            [&](db::Connection& c) { return campaign::find_company_account(c, m_company); });
        if (!account) {
            release(m_ids, "the company no longer exists");
            return m_result;
        }
        m_account = std::move(*account);
        m_company_fields = to_fields(m_account.fields);
        std::string password;
        if (const auto problem = account_problem(password)) {
            hold(*problem, false);
            release(m_ids, "company held: " + *problem);
            return m_result;
        }
        if (m_ctx.dry_run) {
            while (prepare_next()) {
                ++m_result.would_send;
            }
            return finish();
        }
        smtp::Session session(smtp::SessionOptions{
            *m_config.provider(m_account.account_type), m_account.account_email,
            std::move(password), std::string(), smtp::Timeouts::from_config(m_config.smtp)});
        // `current` is marked and about to be sent; `next`, when there is one, is built,
        // and `next_sent` says whether its mark is on its way to the database.
        auto current = next_marked(std::nullopt);
        std::optional<Prepared> next;
        bool next_sent = false;
        while (current) {
            // To a server that answers quickly, the next message's mark goes out before
            // this message's dialogue, with the outcomes waiting to be written: the
            // database writes while the SMTP server and this program work.
            if (!next_sent && m_overlap && !m_plan.paced) {
                if (!next) {
                    next = prepare_next();
                }
                next_sent = next && mark_ahead(*next);
            }
            fault_point("send-started");
            const auto verdict = deliver(*current, session);
            // The outcome just learnt and the mark of the message after next go out
            // before the next message's mark is read back, so the database goes on to
            // them at once instead of waiting for this program.
            std::optional<Prepared> after;
            bool after_sent = false;
            if (next_sent && verdict == Next::go_on) {
                after = prepare_next();
                after_sent = after && m_overlap && mark_ahead(*after);
            }
            const bool next_marked_now = next_sent && accept_mark(*next, read_mark(*next));
            if (verdict == Next::hold_company) {
                release(rest_of(m_ids, current->row.item.id),
                        "company held: " + m_result.hold_reason);
                return finish();
            }
            if (m_stopped || m_ctx.stop.stop_requested()) {
                release(next    ? rest_of(m_ids, next->row.item.id)
                        : after ? rest_of(m_ids, after->row.item.id)
                                : unread_ids(),
                        std::nullopt);
                return finish();
            }
            if (next_marked_now) {
                current = std::move(next);
                next = std::move(after);
                next_sent = after_sent;
            } else if (after_sent) {
                // The next row was no longer this run's; the one after it may be.
                current = accept_mark(*after, read_mark(*after)) ? std::move(after)
                                                                 : next_marked(std::nullopt);
                next.reset();
                next_sent = false;
            } else {
                current = next_marked(next_sent ? std::move(after) : std::move(next));
                next.reset();
                next_sent = false;
            }
        }
        return finish();
    }

private:
    // A row ready to send: its message built, its Message-ID and email log chosen.
    struct Prepared {
        queue::ClaimedRow row;
        std::string to;
        content::Content content;
        std::string message_id;
        Uuid email_log_id;
        std::string bytes;
        // The script of the call this first email hands its lead to, when the content
        // generator wrote one (processing.call_handoff).
        std::optional<std::string> call_script;
    };

    template <class F> std::invoke_result_t<F, db::Connection&> with_db(F&& f) {
        settle();
        auto lease = m_ctx.pool.acquire();
        return f(*lease);
    }

    // Sends the outcomes waiting to be written and a row's send-started mark, not waiting
    // for them: read back by settle(). Each outcome is thus written with a later row's
    // mark: a crash leaves a sent row 'processing' with its send started, recovered as
    // held, never lost or resent. At most two marks are on their way at a time (run()).
    void send_ahead(const Prepared& p) { send_outcomes(mark_call(p), p.row.item.id); }

    // send_ahead() once the row's slot has come; false when a stop was requested meanwhile.
    bool mark_ahead(const Prepared& p) {
        if (!wait_for_slot()) {
            return false;
        }
        fault_point("composed");
        send_ahead(p);
        return true;
    }

    // One transaction per outcome waiting, the last with `mark` (if any), sent without
    // waiting. One outcome a transaction: record_sent locks its campaign run's row and
    // then the company's; two in one transaction could lock two runs' rows in the order
    // opposite to another invocation's, and deadlock.
    void send_outcomes(std::optional<db::Call> mark, std::optional<Uuid> marked) {
        if (!m_held) {
            m_held.emplace(m_ctx.pool.acquire());
        }
        auto outcomes = std::move(m_deferred);
        m_deferred.clear();
        const std::size_t count = std::max<std::size_t>(outcomes.size(), mark ? 1 : 0);
        for (std::size_t i = 0; i < count; ++i) {
            Flight flight;
            if (i < outcomes.size()) {
                flight.outcomes.push_back(std::move(outcomes[i]));
            }
            flight.calls = calls_of(flight.outcomes);
            if (i + 1 == count && mark) {
                flight.marked = marked;
                // A sent outcome and the mark, the common case, go as one statement.
                auto shared = flight.calls.size() == 1
                                  ? queue::sent_with_mark(flight.calls.front(), *mark)
                                  : std::nullopt;
                if (shared) {
                    flight.calls = {std::move(*shared)};
                    flight.shared = true;
                } else {
                    flight.calls.push_back(std::move(*mark));
                }
            }
            (*m_held)->send(flight.calls);
            m_flights.push_back(std::move(flight));
        }
    }

    // Reads back the oldest transaction send_ahead() sent; its mark's result is kept
    // for read_mark(). The connection goes back to the pool once none is left.
    void settle_one() {
        auto flight = std::move(m_flights.front());
        m_flights.pop_front();
        std::vector<db::Result> results;
        try {
            results = (*m_held)->collect(flight.calls);
        } catch (const db::DbError& e) {
            // A pooler between us and the server (prepared statements gone) is no row's
            // doing: the batch stops and its rows are given back.
            const bool pooler = dynamic_cast<const db::PoolModeError*>(&e) != nullptr;
            if (!(*m_held)->is_open() || pooler || !unmarked(std::move(flight), e)) {
                m_flights.clear();
                m_held.reset();
                throw;
            }
            if (m_flights.empty()) {
                m_held.reset();
            }
            return;
        } catch (...) {
            m_flights.clear(); // the connection, with whatever else was sent, is dropped
            m_held.reset();
            throw;
        }
        if (m_flights.empty()) {
            m_held.reset();
        }
        if (flight.shared) {
            recorded(flight.outcomes, results); // reads the result the mark's is part of
            m_marks.emplace_back(*flight.marked, std::move(results.back()));
            return;
        }
        if (flight.marked) {
            m_marks.emplace_back(*flight.marked, std::move(results.back()));
            results.pop_back();
        }
        recorded(flight.outcomes, results);
    }

    // Reads back everything send_ahead() sent.
    void settle() {
        while (!m_flights.empty()) {
            settle_one();
        }
    }

    // Marks the row's send started now (with the outcomes waiting); the mark's result.
    db::Result mark_now(const Prepared& p) {
        send_ahead(p);
        return read_mark(p);
    }

    // The result of the row's mark sent by send_ahead(), read back if need be.
    db::Result read_mark(const Prepared& p) {
        const auto& id = p.row.item.id;
        while (true) {
            const auto it = std::find_if(m_marks.begin(), m_marks.end(),
                                         [&](const auto& mark) { return mark.first == id; });
            if (it != m_marks.end()) {
                auto result = std::move(it->second);
                m_marks.erase(it);
                return result;
            }
            if (m_flights.empty()) {
                throw Error(ExitCode::internal,
                            "queue-process: a row's send-started mark was lost");
            }
            settle_one();
        }
    }

    // Budget and claim under the company's lock (a dry run only reads).
    std::vector<Uuid> claim() {
        return with_db([&](db::Connection& c) {
            db::Transaction tx(c);
            queue::lock_company(c, m_company);
            const auto settings = throttle::get_email_throttle_settings(
                c, m_company, throttle::ThrottleDefaults::from(m_config));
            const auto state = throttle::get_company_state(c, m_company);
            if (state.held_now) {
                m_result.company_held = true;
                m_result.hold_reason =
                    fmt::format("held until {}: {}", format_timestamp(*state.held_until),
                                state.hold_reason.value_or("account error"));
                return std::vector<Uuid>{};
            }
            const auto usage = throttle::get_window_usage(c, m_company);
            const auto schedule = throttle::get_sending_schedule(c, m_company);
            const auto now = throttle::database_clock(c);
            m_claimed_at = Clock::now();         // the plan's offsets count from here
            m_last_lease_renewal = m_claimed_at; // the claim's leases start after this
            auto limits = settings;
            limits.max_emails_per_day =
                policy::ramped_daily_limit(settings.max_emails_per_day, schedule.ramp_start,
                                           schedule.ramp_step, schedule.ramp_started_on, now);
            const auto budget =
                policy::compute_budget(limits, usage, m_config.processing.batch_cap);
            if (budget.limited_by == policy::Limit::disabled) {
                m_result.company_held = true;
                m_result.hold_reason = "throttle disabled";
                return std::vector<Uuid>{};
            }
            m_plan =
                policy::plan_sends(now, state.next_send_at, schedule.min_gap, schedule.jitter,
                                   m_config.processing.run_length, budget.allowed, jitter_draw);
            const auto limit = static_cast<std::int64_t>(m_plan.sends.size());
            std::vector<Uuid> ids;
            if (m_ctx.dry_run) {
                ids = queue::claimable_rows(c, m_company, limit);
            } else {
                ids =
                    queue::claim_rows(c, m_company, limit, m_ctx.worker, m_config.processing.lease);
                // The slots this run took are reserved before the lock is released.
                if (const auto next = m_plan.next_send_at(ids.size())) {
                    throttle::set_next_send_at(c, m_company, *next);
                }
            }
            tx.commit();
            return ids;
        });
    }

    // Why the company's account cannot send (it is then held), or nothing; fills password.
    std::optional<std::string> account_problem(std::string& password) const {
        if (m_account.account_email.empty()) {
            return std::string("the company has no sending account (account_email is empty)");
        }
        if (const auto p = message::address_problem(m_account.account_email)) {
            return fmt::format("the sending account's address is invalid: {}", *p);
        }
        if (m_config.provider(m_account.account_type) == nullptr) {
            return fmt::format("unknown provider '{}' (account_type): add it under "
                               "smtp.providers in the configuration",
                               m_account.account_type);
        }
        if (m_account.account_password.empty()) {
            return std::string("the company has no stored password (account_password is empty)");
        }
        auto decrypted = crypto::fernet_decrypt(m_ctx.key, m_account.account_password);
        if (!decrypted) {
            return decrypted.error();
        }
        password = std::move(decrypted).value();
        return std::nullopt;
    }

    // The next claimed row, read from the database a chunk at a time; nothing when the
    // batch has none left.
    std::optional<queue::ClaimedRow> next_row() {
        if (m_chunk_pos == m_chunk.size()) {
            if (m_next_start == m_ids.size()) {
                return std::nullopt;
            }
            const auto end = std::min(m_ids.size(), m_next_start + k_chunk);
            const std::vector<Uuid> chunk(m_ids.begin() + static_cast<std::ptrdiff_t>(m_next_start),
                                          m_ids.begin() + static_cast<std::ptrdiff_t>(end));
            m_next_start = end;
            m_chunk =
                with_db([&](db::Connection& c) { return queue::load_claimed_rows(c, chunk); });
            m_chunk_pos = 0;
            if (m_chunk.empty()) {
                return next_row();
            }
        }
        auto row = std::move(m_chunk[m_chunk_pos++]);
        m_runs.insert(row.item.campaign_run_id);
        return row;
    }

    // The claimed ids not yet read (released when the batch stops).
    std::vector<Uuid> unread_ids() const {
        if (m_chunk_pos < m_chunk.size()) {
            return rest_of(m_ids, m_chunk[m_chunk_pos].item.id);
        }
        return {m_ids.begin() + static_cast<std::ptrdiff_t>(m_next_start), m_ids.end()};
    }

    // The next row that can be sent, built; the rows before it that cannot are recorded
    // as failed, skipped or retried. Nothing when none is left or a stop was requested
    // (the unsent rows are then released).
    std::optional<Prepared> prepare_next() {
        while (true) {
            if (m_ctx.stop.stop_requested()) {
                m_stopped = true;
                release(unread_ids(), std::nullopt);
                return std::nullopt;
            }
            auto row = next_row();
            if (!row) {
                return std::nullopt;
            }
            renew_leases_if_due();
            if (auto prepared = prepare(std::move(*row))) {
                return prepared;
            }
        }
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
                release(rest_of(m_ids, prepared->row.item.id), std::nullopt);
                return std::nullopt;
            }
            fault_point("composed");
            if (accept_mark(*prepared, mark_now(*prepared))) {
                return prepared;
            }
        }
        return std::nullopt;
    }

    db::Call mark_call(const Prepared& p) const {
        return queue::start_send_call(p.row.item.id, m_ctx.worker, p.message_id, p.to,
                                      m_config.processing.lease, p.email_log_id);
    }

    // Whether the row's mark took (the row is still this run's to send), its message
    // built with the Message-ID and email log the row stores.
    bool accept_mark(Prepared& p, const db::Result& mark) {
        const auto stored = queue::started(mark);
        if (!stored) {
            if (!release_unmarked(p.row.item) && suppressed_since_loaded(p)) {
                final_status(p.row.item, queue::QueueStatus::skipped,
                             "the address is on the do-not-email list (added before the send)");
            }
            return false; // no longer ours (recovered, cancelled), suppressed, or unmarked
        }
        const auto log = queue::started_log(mark).value_or(p.email_log_id);
        if (*stored != p.message_id || log != p.email_log_id) {
            auto bytes = build(p.row, p.content, p.to, *stored, log);
            if (!bytes) {
                fail(p.row.item, bytes.error());
                return false;
            }
            p.message_id = *stored;
            p.email_log_id = log;
            p.bytes = std::move(*bytes);
        }
        return true;
    }

    // Builds the row's message, or records why it cannot be sent and returns nothing.
    std::optional<Prepared> prepare(queue::ClaimedRow row) {
        const auto& item = row.item;
        if (!row.lead_found || row.lead_deleted) {
            fail(item, row.lead_found ? "the lead was deleted" : "the lead no longer exists");
            return std::nullopt;
        }
        if (!row.campaign_found) {
            fail(item, "the campaign no longer exists");
            return std::nullopt;
        }
        if (!row.lead_problem.empty()) {
            fail(item, row.lead_problem);
            return std::nullopt;
        }
        std::string to = row.lead_email.value_or("");
        if (to.empty()) {
            fail(item, "the lead has no email address");
            return std::nullopt;
        }
        if (const auto p = message::address_problem(to)) {
            fail(item, fmt::format("invalid address: {}", *p));
            return std::nullopt;
        }
        if (row.suppressed) {
            final_status(item, queue::QueueStatus::skipped,
                         "the address is on the do-not-email list");
            return std::nullopt;
        }
        // The generator may take seconds: the outcomes waiting are written first, so a
        // crash meanwhile leaves no delivered row without its outcome.
        // Each generator run is a step the leases must outlast (leases_cover()).
        const bool call = hands_off_a_call(row);
        if (generates(row) || call) {
            flush();
        }
        if (generates(row)) {
            leases_cover(m_config.content.timeout);
        }
        auto composed = content::compose_content(
            m_config.content, {item.subject,
                               item.email_body,
                               row.campaign_template,
                               {to_fields(row.lead), m_company_fields, to_fields(row.campaign)}});
        if (const auto* failure = std::get_if<content::ContentFailure>(&composed)) {
            if (failure->transient) {
                retry(item, failure->message);
            } else {
                fail(item, failure->message);
            }
            return std::nullopt;
        }
        auto content = std::get<content::Content>(std::move(composed));
        // A retry sends with the Message-ID and email log of the first attempt; a first
        // attempt's are made here and fixed by its send-started mark.
        std::string message_id;
        if (item.sent_message_id) {
            message_id = *item.sent_message_id;
        } else {
            auto made = message::make_message_id(m_account.account_email);
            if (!made) {
                fail(item, made.error());
                return std::nullopt;
            }
            message_id = *made;
        }
        const Uuid log_id =
            item.sent_email_log_id.value_or(item.email_log_id.value_or(Uuid::random()));
        auto bytes = build(row, content, to, message_id, log_id);
        if (!bytes) {
            fail(item, bytes.error());
            return std::nullopt;
        }
        std::optional<std::string> call_script;
        if (call) {
            leases_cover(m_config.content.timeout);
            const content::Records records{to_fields(row.lead), m_company_fields,
                                           to_fields(row.campaign)};
            auto script = content::run_call_script_generator(m_config.content.command,
                                                             content::generator_input(records),
                                                             m_config.content.timeout);
            if (script) {
                call_script = std::move(script).value();
            } else {
                // The email goes out; the call is queued without a script, as the web
                // application's own processor would have it when its generation fails.
                note(log::Level::warn, about(item), "call script not generated: " + script.error());
            }
        }
        return Prepared{std::move(row),        std::move(to), std::move(content),
                        std::move(message_id), log_id,        std::move(*bytes),
                        std::move(call_script)};
    }

    // Whether this row, once sent, hands its lead to the web application's call queue
    // with a script from the content generator: a first email of an email_and_call
    // campaign that calls after the email, to a lead with a phone number, with the
    // hand-off on and a generator configured. (The database makes the final decision,
    // email_queue_call_handoff; this only decides whether a script is worth writing.)
    bool hands_off_a_call(const queue::ClaimedRow& row) const {
        if (!m_config.processing.call_handoff ||
            m_config.content.generator != config::ContentGenerator::command ||
            row.item.email_log_id || row.item.message_id) {
            return false;
        }
        const auto text = [](const Json& object, const char* key) {
            const Json* v = object.is_object() ? object.find(key) : nullptr;
            return v != nullptr && v->is_string() ? v->as_string() : std::string();
        };
        return text(row.campaign, "type") == "email_and_call" &&
               text(row.campaign, "trigger_call_on") == "after_email_sent" &&
               !trim(text(row.lead, "phone_number")).empty();
    }

    // Whether composing the row runs the content generator (a program, not a template).
    bool generates(const queue::ClaimedRow& row) const {
        return m_config.content.generator == config::ContentGenerator::command &&
               !(row.item.subject && row.item.email_body);
    }

    // Whether this sent message also writes the company's row: the batch's first, then
    // one a second (queue::SentRecord::touch_company).
    bool touch_company() {
        const auto now = Clock::now();
        if (m_company_touched && now - *m_company_touched < k_company_touch_interval) {
            return false;
        }
        m_company_touched = now;
        return true;
    }

    // Hands the marked message to the SMTP server and records what its answer means.
    Next deliver(const Prepared& p, smtp::Session& session) {
        const auto& item = p.row.item;
        leases_cover(m_config.longest_send());
        if (!still_held(item.id)) {
            // The run was held up longer than the lease (stopped, starved of CPU): another
            // run may have recovered the row, and may send it. Not sent here.
            note(log::Level::warn, about(item),
                 "not sent: its lease passed before its send and the row is no longer this "
                 "run's");
            return Next::go_on;
        }
        const auto sending = Clock::now();
        const auto outcome = session.send(m_account.account_email, p.to, p.bytes);
        m_overlap = Clock::now() - sending < k_overlap_limit;
        fault_point("answered");
        const auto verdict = policy::classify(outcome);
        switch (verdict.verdict) {
        case policy::Verdict::sent:
            defer(queue::sent_call(
                      {item.id, m_ctx.worker, p.content.subject, p.content.html_body,
                       message::display_name_for(m_account.account_email, m_account.name),
                       m_account.account_email, p.to, touch_company(),
                       m_config.processing.call_handoff, p.call_script}),
                  [this, ctx = about(item), message_id = p.message_id] {
                      ++m_result.sent;
                      if (log::enabled(log::Level::debug)) {
                          note(log::Level::debug, ctx, "sent as " + message_id);
                      }
                  });
            return Next::go_on;
        case policy::Verdict::retry_later:
            return retry(item, verdict.reason);
        case policy::Verdict::fail_row:
            if (verdict.bad_recipient) {
                // The address does not exist: no other campaign of the company tries it.
                defer(suppression::bounce_call(m_company, p.to), [] {});
            }
            return fail(item, verdict.reason);
        case policy::Verdict::unknown:
            if (m_config.processing.resend_unknown) {
                return retry(item, verdict.reason);
            }
            return final_status(item, queue::QueueStatus::held, verdict.reason);
        case policy::Verdict::hold_company:
            return hold_for(item, outcome.stage, verdict);
        }
        return Next::go_on;
    }

    // A refusal the classifier takes for the account's: the company is held, unless this
    // row's own transaction (MAIL, RCPT, DATA) has held it processing.max_row_holds times
    // in a row. Then the message is what the server refuses: failed when the refusal is
    // permanent, else retried behind the others, and the company goes on sending. A
    // failure before MAIL (connection, TLS, AUTH) is never one message's doing.
    Next hold_for(const queue::EmailQueueItem& item, smtp::SmtpStage stage,
                  const policy::Classification& verdict) {
        const bool in_transaction =
            stage == smtp::SmtpStage::mail_from || stage == smtp::SmtpStage::rcpt_to ||
            stage == smtp::SmtpStage::data || stage == smtp::SmtpStage::after_body;
        if (in_transaction && item.company_holds + 1 >= m_config.processing.max_row_holds) {
            const auto why = fmt::format("{} (held the company {} times in a row: this message "
                                         "no longer holds it)",
                                         verdict.reason, item.company_holds + 1);
            return verdict.permanent ? fail(item, why) : retry(item, why);
        }
        if (in_transaction && !m_ctx.dry_run) {
            defer(queue::company_hold_call(item.id, m_ctx.worker), [] {});
        }
        hold(verdict.reason, verdict.quota_exceeded);
        return Next::hold_company;
    }

    Expected<std::string> build(const queue::ClaimedRow& row, const content::Content& content,
                                const std::string& to, const std::string& message_id,
                                const Uuid& log_id) const {
        const auto& item = row.item;
        message::OutgoingMessage m;
        m.date = std::chrono::time_point_cast<std::chrono::microseconds>(
            std::chrono::system_clock::now());
        m.from = {message::display_name_for(m_account.account_email, m_account.name),
                  m_account.account_email};
        const auto lead_name = row.lead.find("name");
        m.to = {lead_name && lead_name->is_string() ? lead_name->as_string() : std::string(), to};
        if (auto reply_to = message::reply_to_address(m_account.account_email, log_id)) {
            m.reply_to = *reply_to;
        }
        m.subject = content.subject;
        m.message_id = message_id;
        if (auto threading = message::thread_headers(item.message_id, item.reference_ids)) {
            m.in_reply_to = std::move(threading->in_reply_to);
            m.references = std::move(threading->references);
        }
        if (!m_config.unsubscribe.url.empty()) {
            m.list_unsubscribe =
                content::unsubscribe_url(m_config.unsubscribe.url,
                                         {item.lead_id, item.company_id, item.campaign_id, log_id});
        }
        m.html_body =
            content::add_tracking_pixel(content.html_body, m_config.tracking.base_url, log_id);
        return message::build_message(m);
    }

    Next fail(const queue::EmailQueueItem& item, const std::string& reason) {
        return final_status(item, queue::QueueStatus::failed, reason);
    }

    Next final_status(const queue::EmailQueueItem& item, queue::QueueStatus status,
                      const std::string& reason) {
        auto* counter = status == queue::QueueStatus::failed    ? &m_result.failed
                        : status == queue::QueueStatus::skipped ? &m_result.skipped
                                                                : &m_result.held_rows;
        // A held row waits for an operator; failed and skipped rows are ordinary outcomes.
        const auto level = status == queue::QueueStatus::held ? log::Level::warn : log::Level::info;
        auto applied = [counter, level, ctx = about(item),
                        line = fmt::format("{}: {}", to_string(status), reason)] {
            ++*counter;
            note(level, ctx, line);
        };
        if (m_ctx.dry_run) {
            applied();
        } else {
            defer(queue::final_call(item.id, m_ctx.worker, status, reason), std::move(applied));
        }
        return Next::go_on;
    }

    Next retry(const queue::EmailQueueItem& item, const std::string& reason) {
        const int count = item.retry_count + 1;
        const bool exhausted = policy::retries_exhausted(count, item.max_retries);
        const auto delay =
            policy::retry_delay(count, jitter_draw(), m_config.processing.max_retry_delay);
        auto* counter = exhausted ? &m_result.failed : &m_result.retried;
        auto applied = [counter, ctx = about(item),
                        line = exhausted ? fmt::format("failed after {} tries: {}", count, reason)
                                         : fmt::format("try {} failed, next in {}: {}", count,
                                                       format_duration(delay), reason)] {
            ++*counter;
            note(log::Level::info, ctx, line);
        };
        if (m_ctx.dry_run) {
            applied();
        } else {
            defer(queue::retry_call(item.id, m_ctx.worker, count, exhausted, delay, reason),
                  std::move(applied));
        }
        return Next::go_on;
    }

    void hold(const std::string& reason, bool quota) {
        m_result.company_held = true;
        m_result.newly_held = true;
        m_result.hold_reason = reason;
        if (m_ctx.dry_run) {
            return;
        }
        flush();
        with_db([&](db::Connection& c) {
            const auto state = throttle::get_company_state(c, m_company);
            const auto delay = quota
                                   ? k_quota_hold
                                   : policy::company_hold_delay(state.consecutive_holds,
                                                                m_config.processing.hold_delay,
                                                                m_config.processing.max_hold_delay);
            return throttle::hold_company(c, m_company, reason, delay);
        });
    }

    void release(const std::vector<Uuid>& ids, const std::optional<std::string>& reason) {
        if (m_ctx.dry_run || ids.empty()) {
            return;
        }
        flush();
        m_result.released += with_db(
            [&](db::Connection& c) { return queue::release_rows(c, ids, m_ctx.worker, reason); });
    }

    // What a row's log lines are about: JSON lines carry these as fields.
    log::Context about(const queue::EmailQueueItem& item) const {
        return log::Context{m_company, item.campaign_run_id, item.id};
    }

    // One line about one row, once its outcome is recorded: "company C: row R: ...".
    static void note(log::Level level, const log::Context& about, std::string_view what) {
        if (log::enabled(level)) {
            log::write(
                level,
                fmt::format("company {}: row {}: {}", about.company->str(), about.row->str(), what),
                about);
        }
    }

    // The claimed ids from `from` on (the row in hand and those after it).
    static std::vector<Uuid> rest_of(const std::vector<Uuid>& ids, const Uuid& from) {
        const auto it = std::find(ids.begin(), ids.end(), from);
        return {it, ids.end()};
    }

    // An outcome to write, and what to do once it is written.
    struct Deferred {
        db::Call call;
        std::function<void()> on_applied;
        bool again = false; // its transaction failed once (unmarked())
    };

    // Outcomes wait to be written with the next database step of the batch, usually the
    // next row's mark (send_ahead()), so the batch never waits for a write of its
    // own. A crash meanwhile leaves the row 'processing' with its send started: recovered
    // as held, never lost or resent.
    void defer(db::Call call, std::function<void()> on_applied) {
        m_deferred.push_back({std::move(call), std::move(on_applied)});
    }

    // Writes the deferred outcomes, in one round trip (and those a failed mark put back,
    // unmarked(), in one more).
    void flush() {
        do {
            if (!m_deferred.empty()) {
                send_outcomes(std::nullopt, std::nullopt);
            }
            settle();
        } while (!m_deferred.empty());
    }

    static std::vector<db::Call> calls_of(const std::vector<Deferred>& outcomes) {
        std::vector<db::Call> calls;
        calls.reserve(outcomes.size());
        for (const auto& d : outcomes) {
            calls.push_back(d.call);
        }
        return calls;
    }

    // The outcomes are committed (`results` begin with theirs): counts and log lines.
    static void recorded(const std::vector<Deferred>& outcomes,
                         const std::vector<db::Result>& results) {
        if (outcomes.empty()) {
            return;
        }
        fault_point("recorded");
        for (std::size_t i = 0; i < outcomes.size(); ++i) {
            if (queue::applied(results[i])) {
                outcomes[i].on_applied();
            }
        }
    }

    // Rows waiting their turn keep their leases while the batch is long.
    void renew_leases_if_due() {
        if (m_ctx.dry_run || Clock::now() - m_last_lease_renewal < m_config.processing.lease / 3) {
            return;
        }
        renew_leases();
    }

    // Before a step that may take up to `step` (a send: config::Config::longest_send();
    // the content generator: content.timeout), every row the batch holds must keep its
    // lease to the end of it, so that no run takes a row for abandoned while this one
    // still works on it: a row marked ahead waits through the message before it and the
    // next row's content generation. Each lease runs at least `lease` from the batch's
    // last renewal of them all (or the claim; a mark only lengthens its row's), so they
    // are renewed when that could end within the step.
    void leases_cover(Clock::duration step) {
        if (!m_ctx.dry_run && Clock::now() + step + k_lease_margin >
                                  m_last_lease_renewal + m_config.processing.lease) {
            renew_leases();
        }
    }

    // Whether the row is still this run's: a renewal takes only the rows still
    // 'processing' and claimed by this run, so a row missing from the last one was taken
    // back by another run while this one was held up past the lease (stopped, starved of
    // CPU), and must not be sent here. Without a renewal since the claim, every row is.
    bool still_held(const Uuid& row) const {
        return !m_held_at_renewal ||
               std::binary_search(m_held_at_renewal->begin(), m_held_at_renewal->end(), row);
    }

    // Renews the leases of the rows this run holds for the company, and notes which they
    // are (still_held()).
    void renew_leases() {
        const auto before = Clock::now();
        auto renewed = with_db([&](db::Connection& c) {
            return queue::extend_leases(c, m_company, m_ctx.worker, m_config.processing.lease);
        });
        std::sort(renewed.begin(), renewed.end());
        m_held_at_renewal = std::move(renewed);
        m_last_lease_renewal = before;
    }

    // Paced: waits until this send's planned slot, renewing the leases of the rows still
    // waiting; false when a stop was requested meanwhile.
    bool wait_for_slot() {
        const auto index = m_sends_started++;
        if (!m_plan.paced || index >= m_plan.sends.size()) {
            return true;
        }
        const auto due = m_claimed_at + m_plan.sends[index].offset;
        if (Clock::now() < due) {
            // The outcomes waiting are written before the wait, not with the next mark
            // after it: a crash during the gap leaves no delivered row without its outcome.
            flush();
        }
        while (Clock::now() < due) {
            if (m_ctx.stop.stop_requested()) {
                return false;
            }
            renew_leases_if_due();
            std::this_thread::sleep_for(std::min<Clock::duration>(k_wait_step, due - Clock::now()));
        }
        return true;
    }

    CompanyResult finish() {
        flush();
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
    campaign::CompanyAccount m_account;
    content::Fields m_company_fields;
    std::set<Uuid> m_runs;
    Clock::time_point m_last_lease_renewal;
    std::optional<std::vector<Uuid>> m_held_at_renewal; // sorted; still_held()
    policy::PacingPlan m_plan;
    Clock::time_point m_claimed_at;
    std::size_t m_sends_started = 0;
    std::vector<Deferred> m_deferred;
    // Sent by send_ahead() on the held connection, not read yet: outcomes, then a mark.
    struct Flight {
        std::vector<Deferred> outcomes;
        std::vector<db::Call> calls;
        std::optional<Uuid> marked; // the row whose mark ends the calls, if any
        bool shared = false;        // the outcome and the mark are one call (one result)
    };

    // A transaction of send_ahead() that failed with the connection still good (at
    // COMMIT, say, by a deferred constraint): none of it was written. Its row's mark did
    // not take, so the row is not sent but released with the reason (accept_mark()); its
    // outcomes are written again with the next step, once. False (the batch fails) when
    // they failed before, or when the transaction had no mark to blame.
    bool unmarked(Flight flight, const db::DbError& e) {
        const auto failed_before = [](const Deferred& d) { return d.again; };
        if (!flight.marked ||
            std::any_of(flight.outcomes.begin(), flight.outcomes.end(), failed_before)) {
            return false;
        }
        for (auto& d : flight.outcomes) {
            d.again = true;
        }
        m_deferred.insert(m_deferred.begin(), std::make_move_iterator(flight.outcomes.begin()),
                          std::make_move_iterator(flight.outcomes.end()));
        m_unmarked.emplace_back(*flight.marked,
                                "the send-started mark did not commit: " + e.server_message());
        m_marks.emplace_back(*flight.marked, db::Result());
        return true;
    }

    // Releases the row when its mark failed (unmarked()), with the reason; it is not sent.
    // False when the mark's transaction committed (the mark did not take for another
    // reason).
    bool release_unmarked(const queue::EmailQueueItem& item) {
        const auto it = std::find_if(m_unmarked.begin(), m_unmarked.end(),
                                     [&](const auto& u) { return u.first == item.id; });
        if (it == m_unmarked.end()) {
            return false;
        }
        const auto reason = std::move(it->second);
        m_unmarked.erase(it);
        note(log::Level::warn, about(item), "not sent, released: " + reason);
        release({item.id}, reason);
        return true;
    }

    // Whether the row's address went on the do-not-email list after its chunk was loaded:
    // its mark then does not take (EQ_MARK_CTES checks the list right before the send).
    bool suppressed_since_loaded(const Prepared& p) {
        return with_db(
            [&](db::Connection& c) { return suppression::is_suppressed(c, m_company, p.to); });
    }

    std::deque<Flight> m_flights;
    std::optional<db::Pool::Lease> m_held;
    // Marks read back and not yet taken by read_mark(): row, result.
    std::vector<std::pair<Uuid, db::Result>> m_marks;
    // Rows whose mark failed, to release when read_mark() takes it: row, reason.
    std::vector<std::pair<Uuid, std::string>> m_unmarked;
    // The claimed rows in send order; those read so far (m_chunk, from m_chunk_pos on,
    // still to go) and where the next chunk starts.
    std::vector<Uuid> m_ids;
    std::vector<queue::ClaimedRow> m_chunk;
    std::size_t m_chunk_pos = 0;
    std::size_t m_next_start = 0;
    std::optional<Clock::time_point> m_company_touched;
    bool m_stopped = false; // a stop was requested; the unsent rows are released
    bool m_overlap = false; // the SMTP server answered the last message quickly
    CompanyResult m_result;
};

} // namespace

CompanyResult run_company_batch(const BatchContext& context, const Uuid& company_id) {
    return Batch(context, company_id).run();
}

} // namespace eq::process
