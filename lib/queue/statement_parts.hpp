#pragma once

#include "db/sql_text.hpp"

namespace eq::queue {

// Pieces of SQL that several statements on email_queue share (db/sql_text.hpp). A piece
// with parameters takes their numbers as a template argument, so each statement spells
// its own parameter layout.

// The status a row goes back to when it is to be tried again: 'pending', unless its run
// was cancelled meanwhile (then 'cancelled': kept, never sent). For statements on
// email_queue.
inline constexpr db::SqlText k_pending_unless_cancelled{
    "(CASE WHEN EXISTS (SELECT 1 FROM email_queue_runs r"
    "  WHERE r.campaign_run_id = email_queue.campaign_run_id AND r.control = 'cancelled')"
    " THEN 'cancelled' ELSE 'pending' END)"};

// Where the send-started mark finds its values among the statement's parameters: the
// row's id, the worker, the Message-ID to send with when the row has none yet
// (sent_message_id), the lease in seconds, the email log to send under when the row has
// none yet (sent_email_log_id; a follow-up's is its thread's email_log_id; NULL: one is
// made) and the recipient.
struct MarkParams {
    int row;
    int worker;
    int message_id;
    int lease;
    int log_id;
    int to;
};

// The send-started mark (start_send(), lease.hpp) as SQL: the CTEs `mark` and
// `mark_log`, to follow WITH or a comma. `mark` returns the row's sent_message_id and
// sent_email_log_id; `mark_log` creates that email log when it does not exist yet, so
// the log exists before the message that names it (Reply-To, tracking pixel) is handed
// over, as the web application's own processor does, and the foreign key to it holds.
// A follow-up's log exists: nothing is inserted for it. The foreign key is checked at
// the end of the statement, after both CTEs.
// The lease is renewed only when less than half of it is left: a mark that changes no
// indexed column is a heap-only update (no new index entries; email_queue's fillfactor
// leaves the room on the page), and a batch renews all its leases every third of one.
// The row is found by its physical address, looked up by the primary key: with
// `id = ... AND status = 'processing'` the planner may scan the partial in-flight index
// (whose statistics date from before the claim) and filter every row in flight, once per
// message, which made a batch quadratic. A row updated meanwhile has a new address, so
// it is not found: it is no longer this run's to send, which is the safe answer.
template <MarkParams P>
inline constexpr auto k_mark_ctes =
    db::sql("mark AS ("
            " UPDATE email_queue SET send_started_at = now(), last_attempt_at = now(),"
            " sent_message_id = COALESCE(sent_message_id, ",
            db::param<P.message_id>,
            "),"
            " sent_email_log_id = COALESCE(sent_email_log_id, email_log_id, ",
            db::param<P.log_id>,
            "::uuid,"
            "   gen_random_uuid()),"
            " lease_until = CASE WHEN lease_until >= now() + make_interval(secs => ",
            db::param<P.lease>,
            "::float8 / 2)"
            "                    THEN lease_until ELSE now() + make_interval(secs => ",
            db::param<P.lease>,
            "::float8) END"
            " WHERE ctid = (SELECT ctid FROM email_queue WHERE id = ",
            db::param<P.row>,
            ")"
            " AND id = ",
            db::param<P.row>, " AND claimed_by = ", db::param<P.worker>,
            " AND status = 'processing'"
            " AND NOT EXISTS (SELECT 1 FROM do_not_email d WHERE lower(d.email) = lower(",
            db::param<P.to>,
            ")"
            "   AND (d.company_id IS NULL OR d.company_id = email_queue.company_id))"
            " RETURNING sent_message_id, sent_email_log_id, campaign_id, campaign_run_id, lead_id),"
            " mark_log AS ("
            " INSERT INTO email_logs (id, campaign_id, campaign_run_id, lead_id, sent_at)"
            " SELECT sent_email_log_id, campaign_id, campaign_run_id, lead_id, now() FROM mark"
            " WHERE NOT EXISTS (SELECT 1 FROM email_logs l WHERE l.id = mark.sent_email_log_id)"
            " ON CONFLICT (id) DO NOTHING)");

} // namespace eq::queue
