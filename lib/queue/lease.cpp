#include "queue/lease.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "queue/email_queue_item.hpp"
#include "queue/statement_parts.hpp"

namespace eq::queue {

namespace {

// "emailqueue company" namespace for the two-key advisory lock, so the keys cannot
// collide with locks other software takes on the same database.
constexpr int k_company_lock_space = 0x65710001;

constexpr db::Statement k_lock_company{"lock_company",
                                       "SELECT pg_advisory_xact_lock($1, hashtext($2::text))"};

// Where a claim finds the company and the most rows it takes.
struct ClaimableParams {
    int company;
    int limit;
};

// The company's rows a claim takes, in send order, at most `limit`: due, pending, of an
// active run, and inside the sending window.
template <ClaimableParams P>
constexpr auto k_claimable_rows = db::sql(
    " SELECT q.id FROM email_queue q"
    " WHERE q.company_id = ",
    db::param<P.company>,
    " AND q.status = 'pending' AND q.scheduled_for <= now()"
    "   AND NOT EXISTS (SELECT 1 FROM email_queue_runs r"
    "                   WHERE r.campaign_run_id = q.campaign_run_id AND r.control <> 'active')"
    "   AND NOT EXISTS (SELECT 1 FROM email_queue_schedules s WHERE s.company_id = ",
    db::param<P.company>,
    "     AND NOT email_queue_window_open(now(), email_queue_send_zone(q.lead_id, s.timezone),"
    "       s.days, s.window_start, s.window_end, s.company_id))"
    " ORDER BY q.priority DESC, q.created_at, q.id"
    " LIMIT ",
    db::param<P.limit>);

constexpr auto k_claimable_sql = k_claimable_rows<{.company = 1, .limit = 2}>;
constexpr db::Statement k_claimable{"claimable_rows", k_claimable_sql.c_str()};

constexpr auto k_claim_sql =
    db::sql("WITH picked AS (", k_claimable_rows<{.company = 1, .limit = 2}>,
            " FOR UPDATE OF q SKIP LOCKED)"
            " UPDATE email_queue q SET status = 'processing', claimed_by = $3, claimed_at = now(),"
            "   lease_until = now() + make_interval(secs => $4), send_started_at = NULL"
            " FROM picked WHERE q.id = picked.id"
            " RETURNING q.id, q.priority, q.created_at");
constexpr db::Statement k_claim{"claim_rows", k_claim_sql.c_str()};

constexpr auto k_start_send_sql =
    db::sql("WITH ",
            k_mark_ctes<{.row = 1, .worker = 2, .message_id = 3, .lease = 4, .log_id = 5, .to = 6}>,
            " SELECT sent_message_id AS message_id, sent_email_log_id AS email_log_id"
            " FROM mark");

} // namespace

const db::Statement k_start_send_statement{"start_send", k_start_send_sql.c_str()};

namespace {

constexpr db::Statement k_extend{
    "extend_leases", "UPDATE email_queue SET lease_until = now() + make_interval(secs => $3)"
                     " WHERE company_id = $1 AND claimed_by = $2 AND status = 'processing'"
                     " RETURNING id"};

constexpr auto k_release_sql =
    db::sql("UPDATE email_queue SET status = ", k_pending_unless_cancelled,
            ","
            " send_started_at = NULL, lease_until = NULL,"
            " claimed_by = NULL, claimed_at = NULL, error_message = COALESCE($3, error_message)"
            " WHERE id = ANY($1::uuid[]) AND claimed_by = $2 AND status = 'processing'");
constexpr db::Statement k_release{"release_rows", k_release_sql.c_str()};

// claimed_by is kept on recovered rows: it tells an operator which run left them, and
// lets that run, if it is merely slow rather than dead, still record what it learnt.
// A row in 'processing' without a lease was left by the web application's earlier
// processor, which had none: it may have sent the message, so it is treated as a row
// whose send had started (held, or resent with resend_unknown), and it counts in the
// company's windows from when it was processed or queued, not from now.
constexpr db::SqlText k_started{"(send_started_at IS NOT NULL OR lease_until IS NULL)"};
constexpr db::SqlText k_legacy_resent{
    "'outcome unknown: an earlier queue processor left it in processing; sent again because "
    "processing.resend_unknown is on'"};
constexpr auto k_recover_sql = db::sql(
    "UPDATE email_queue SET"
    " status = CASE WHEN NOT ",
    k_started, " OR $1 THEN ", k_pending_unless_cancelled,
    "               ELSE 'held' END,"
    " processed_at = CASE WHEN NOT ",
    k_started,
    " OR $1 THEN processed_at"
    "                     ELSE COALESCE(send_started_at, processed_at, created_at, now()) END,"
    " error_message = CASE"
    "   WHEN NOT ",
    k_started,
    " THEN error_message"
    "   WHEN lease_until IS NULL AND $1 THEN ",
    k_legacy_resent,
    "   WHEN lease_until IS NULL THEN 'outcome unknown: an earlier queue processor (one without "
    "leases) left it in processing; it may have been delivered. queue-admin retry sends it "
    "again, queue-admin mark-sent records it as sent'"
    "   WHEN $1 THEN 'outcome unknown after the run sending it stopped (' || claimed_by ||"
    "                '); sent again because processing.resend_unknown is on'"
    "   ELSE 'outcome unknown: the run sending it (' || claimed_by || ') stopped after the "
    "message was handed to the SMTP server at ' || to_char(send_started_at, "
    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') || '; it may have been delivered'"
    " END,"
    " send_started_at = CASE WHEN NOT ",
    k_started,
    " OR $1 THEN NULL ELSE send_started_at END,"
    " lease_until = NULL"
    " WHERE status = 'processing' AND (lease_until < now() OR lease_until IS NULL)"
    " RETURNING status, COALESCE(error_message LIKE"
    "   'outcome unknown after the run sending it stopped (' || claimed_by || ')%', false)"
    "   OR COALESCE(error_message = ",
    k_legacy_resent, ", false) AS resent");
constexpr db::Statement k_recover{"recover_expired", k_recover_sql.c_str()};

} // namespace

void lock_company(db::Connection& conn, const Uuid& company_id) {
    conn.one(k_lock_company, k_company_lock_space, company_id);
}

std::vector<Uuid> claim_rows(db::Connection& conn, const Uuid& company_id, std::int64_t limit,
                             const std::string& worker, Seconds lease) {
    std::vector<Uuid> ids;
    if (limit <= 0) {
        return ids;
    }
    struct Claimed {
        Uuid id;
        std::int64_t priority;
        Timestamp created_at;
    };
    std::vector<Claimed> rows;
    for (const auto row : conn.rows(k_claim, company_id, limit, worker, lease.count())) {
        rows.push_back({row.uuid("id"), row.integer("priority"), row.time("created_at")});
    }
    // UPDATE ... RETURNING does not keep the CTE's order: restore the send order.
    std::sort(rows.begin(), rows.end(), [](const Claimed& a, const Claimed& b) {
        if (a.priority != b.priority) {
            return a.priority > b.priority;
        }
        if (a.created_at != b.created_at) {
            return a.created_at < b.created_at;
        }
        return a.id < b.id;
    });
    ids.reserve(rows.size());
    for (auto& r : rows) {
        ids.push_back(std::move(r.id));
    }
    return ids;
}

std::vector<Uuid> claimable_rows(db::Connection& conn, const Uuid& company_id, std::int64_t limit) {
    std::vector<Uuid> ids;
    if (limit <= 0) {
        return ids;
    }
    for (const auto row : conn.rows(k_claimable, company_id, limit)) {
        ids.push_back(row.uuid("id"));
    }
    return ids;
}

db::Call start_send_call(const Uuid& row_id, const std::string& worker,
                         const std::string& message_id, const std::string& recipient, Seconds lease,
                         const std::optional<Uuid>& email_log_id) {
    return db::call(k_start_send_statement, db::Shape::maybe_one, row_id, worker, message_id,
                    lease.count(), email_log_id, recipient);
}

std::optional<std::string> started(const db::Result& result) {
    if (result.empty()) {
        return std::nullopt;
    }
    return result.only().opt_text("message_id");
}

std::optional<Uuid> started_log(const db::Result& result) {
    if (result.empty()) {
        return std::nullopt;
    }
    return result.only().opt_uuid("email_log_id");
}

std::optional<std::string> start_send(db::Connection& conn, const Uuid& row_id,
                                      const std::string& worker, const std::string& message_id,
                                      const std::string& recipient, Seconds lease,
                                      const std::optional<Uuid>& email_log_id) {
    const auto c = start_send_call(row_id, worker, message_id, recipient, lease, email_log_id);
    return started(conn.exec(*c.statement, c.params, c.shape));
}

std::vector<Uuid> extend_leases(db::Connection& conn, const Uuid& company_id,
                                const std::string& worker, Seconds lease) {
    std::vector<Uuid> renewed;
    for (const auto row : conn.rows(k_extend, company_id, worker, lease.count())) {
        renewed.push_back(row.uuid("id"));
    }
    return renewed;
}

std::int64_t release_rows(db::Connection& conn, const std::vector<Uuid>& ids,
                          const std::string& worker,
                          const std::optional<std::string>& error_message) {
    if (ids.empty()) {
        return 0;
    }
    return conn.none(k_release, ids, worker, error_message).affected();
}

Recovered recover_expired(db::Connection& conn, bool resend_unknown) {
    Recovered out;
    for (const auto row : conn.rows(k_recover, resend_unknown)) {
        if (from_text<QueueStatus>(row.text("status")) == QueueStatus::held) {
            ++out.to_held;
        } else if (row.boolean("resent")) {
            ++out.resent;
        } else {
            ++out.to_pending;
        }
    }
    return out;
}

} // namespace eq::queue
