#pragma once

#include <optional>
#include <string>

#include "db/connection.hpp"
#include "queue/email_queue_item.hpp"
#include "util/time.hpp"
#include "util/uuid.hpp"

namespace eq::queue {

// Recording what happened to a claimed row. Every function checks that the row is still
// this worker's (claimed_by) and still 'processing' (or 'held' by a recovery that took
// it from under a slow run: the run's own, later knowledge wins). When that check fails
// nothing is written and the function returns false.

// What was sent, for the email log the web application reads.
struct SentRecord {
    Uuid row_id;
    std::string worker;
    std::string subject;
    std::string body; // HTML as sent, without the tracking pixel
    std::string from_name;
    std::string from_email;
    std::string to_email;
    // Whether the company's row (last_sent_at, hold) is written too. A batch writes it
    // with its first message and then at most once a second: one row that every message
    // of a company would otherwise rewrite.
    bool touch_company = true;
    // Whether a first email hands its lead to the call queue (processing.call_handoff).
    bool call_handoff = true;
    // The script for that call (from the content generator), or nothing.
    std::optional<std::string> call_script;
};

// Each outcome is a db::Call, so a sender can put it in the same round trip as its next
// step (db::Connection::pipeline); `applied` tells from the call's result whether it
// was written. The record_* functions run one call on its own.

// In one statement: the row becomes 'sent' (processed_at = now()); its email log (made
// by the send-started mark, or here for a row that never had one) gets an
// email_log_details row with the Message-ID the message went out with
// (sent_message_id), its subject and body; for a first email (message_id NULL) the run's
// leads_processed goes up by one; with touch_company, the company's last_sent_at is set
// and any hold on it is lifted; with call_handoff, a first email of an email_and_call
// campaign calling after the email hands its lead to the web application's call_queue
// (email_queue_call_handoff, sql/014_run_completion.sql: nothing where there is none).
db::Call sent_call(const SentRecord& sent);

// A sent outcome (sent_call()) and another row's send-started mark (start_send_call(),
// lease.hpp) of the same worker as one statement, so one transaction costs PostgreSQL one
// statement instead of two. Its result answers both applied() and started(). Nothing
// when the calls are not of those kinds.
std::optional<db::Call> sent_with_mark(const db::Call& sent, const db::Call& mark);

// A transient failure: retry_count becomes new_retry_count. When exhausted the row fails
// for good; otherwise it returns to 'pending', due again after `delay`.
db::Call retry_call(const Uuid& row_id, const std::string& worker, int new_retry_count,
                    bool exhausted, Seconds delay, const std::string& error);

// A final outcome without sending: 'failed' (permanent failure), 'skipped' (suppressed),
// or 'held' (the SMTP outcome is unknown). processed_at = now(), error_message = reason.
db::Call final_call(const Uuid& row_id, const std::string& worker, QueueStatus status,
                    const std::string& reason);

// The row's send made its company be held (an account-level refusal during its
// transaction): company_holds + 1. The row is then released with the rest of the batch.
// A retry (retry_call) sets the count back to 0.
db::Call company_hold_call(const Uuid& row_id, const std::string& worker);

// Whether the outcome call changed its row (false: the row was no longer this worker's).
bool applied(const db::Result& result);

bool record_sent(db::Connection& conn, const SentRecord& sent);
bool record_retry(db::Connection& conn, const Uuid& row_id, const std::string& worker,
                  int new_retry_count, bool exhausted, Seconds delay, const std::string& error);
bool record_final(db::Connection& conn, const Uuid& row_id, const std::string& worker,
                  QueueStatus status, const std::string& reason);

} // namespace eq::queue
