#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/connection.hpp"
#include "util/time.hpp"
#include "util/uuid.hpp"

namespace eq::queue {

// Claiming rows and keeping them: the bookkeeping that makes overlapping runs safe.
//
// A run claims rows (pending -> processing) with a lease. Before it hands a message to
// the SMTP server it marks the row durably (send_started_at); after the server's answer
// it records the outcome (lib/queue/outcome.hpp). A run that dies leaves rows in
// 'processing'; once their lease has passed, the next run recovers them: back to
// 'pending' when the send had not started (nothing was sent), to 'held' when it had
// (the server may have accepted it: an operator decides; never resent on its own).
// claimed_by names the run (host:pid:nonce); every later step checks it, so a run whose
// rows were recovered can never overwrite what another run did since.

// Takes the per-company lock for the rest of the current transaction: two runs cannot
// compute a company's budget and claim at the same time.
void lock_company(db::Connection& conn, const Uuid& company_id);

// Claims up to `limit` due pending rows of the company (scheduled_for <= now(), in order
// priority DESC, created_at), skipping rows other transactions hold, rows of paused
// or cancelled runs and rows whose sending window (the company's schedule, in the
// lead's zone when it has a known one) is closed now. Returns the claimed ids in send
// order. Call inside a transaction after
// lock_company().
std::vector<Uuid> claim_rows(db::Connection& conn, const Uuid& company_id, std::int64_t limit,
                             const std::string& worker, Seconds lease);

// The rows claim_rows() would claim now, in send order, without claiming them: for dry
// runs, which see the windows and paused runs as a real run does.
std::vector<Uuid> claimable_rows(db::Connection& conn, const Uuid& company_id, std::int64_t limit);

// Marks the row as being sent now, durably, storing the Message-ID it goes out with
// (sent_message_id: kept if the row has one already) and its email log
// (sent_email_log_id: kept if the row has one, else its thread's, else `email_log_id`
// or a new one; the email_logs row is created when missing), and renewing its lease
// when less than half of `lease` is left. Returns the Message-ID to send with, or
// nothing when the row is no longer this worker's (it was recovered) or when
// `recipient`, the address the message goes to, is on the company's or the global
// do_not_email list now: then it must not be sent (suppressed() tells which).
std::optional<std::string> start_send(db::Connection& conn, const Uuid& row_id,
                                      const std::string& worker, const std::string& message_id,
                                      const std::string& recipient, Seconds lease,
                                      const std::optional<Uuid>& email_log_id = std::nullopt);
// The statement behind start_send(), for EXPLAIN in tests.
extern const db::Statement k_start_send_statement;

// start_send() as a call, for a pipeline; started() and started_log() read its result
// (or that of sent_with_mark(), outcome.hpp): the Message-ID and the email log id the
// row now stores, nothing when the mark did not take.
db::Call start_send_call(const Uuid& row_id, const std::string& worker,
                         const std::string& message_id, const std::string& recipient, Seconds lease,
                         const std::optional<Uuid>& email_log_id = std::nullopt);
std::optional<std::string> started(const db::Result& result);
std::optional<Uuid> started_log(const db::Result& result);

// Renews the leases of the rows this worker still holds for the company (status
// 'processing', claimed by it): now + `lease`. Returns those rows; a row recovered by
// another run meanwhile is not among them.
std::vector<Uuid> extend_leases(db::Connection& conn, const Uuid& company_id,
                                const std::string& worker, Seconds lease);

// Puts rows this worker holds back to 'pending' without spending a retry (the company
// was held, or the run is stopping). error_message is set when given. Returns how many.
std::int64_t release_rows(db::Connection& conn, const std::vector<Uuid>& ids,
                          const std::string& worker,
                          const std::optional<std::string>& error_message = std::nullopt);

struct Recovered {
    std::int64_t to_pending = 0; // the send had not started: safe to send again
    std::int64_t to_held = 0;    // the send had started: outcome unknown, held
    std::int64_t resent = 0;     // outcome unknown, put back to pending (resend_unknown)
};

// Recovers rows whose lease has passed, and rows left in 'processing' without a lease by
// the web application's earlier processor (their outcome is unknown: held, with a reason
// naming queue-admin retry and mark-sent). The update re-checks status and lease row by
// row at the moment it locks each one, so a row another run finished meanwhile is left
// as it is. With resend_unknown, rows whose send had started go back to 'pending' too.
Recovered recover_expired(db::Connection& conn, bool resend_unknown);

} // namespace eq::queue
