#include "queue/outcome.hpp"

#include <fmt/format.h>

#include "queue/lease.hpp"
#include "queue/statement_parts.hpp"
#include "util/error.hpp"

namespace eq::queue {

namespace {

// Where a sent outcome finds its values among the statement's parameters (SentRecord's
// members, in its order).
struct SentParams {
    int row;
    int worker;
    int subject;
    int body;
    int from_name;
    int from_email;
    int to_email;
    int touch_company;
    int call_handoff;
    int call_script;
};

// email_log_details' foreign key to email_logs is checked at the end of the statement,
// after the sibling CTE has made sure the log exists (the send-started mark creates it;
// a row marked sent by hand may never have been marked). The detail goes under the log
// the message was sent under (sent_email_log_id) with the Message-ID it went out with
// (sent_message_id; never message_id, which on a follow-up is the Message-ID answered).
// ON CONFLICT keeps a re-driven row that was already logged from failing. A follow-up
// is not a new lead of its run: leads_processed counts first emails only.
template <SentParams P>
constexpr auto k_record_sent_ctes =
    db::sql("WITH q AS ("
            " UPDATE email_queue SET status = 'sent', processed_at = now(), lease_until = NULL,"
            "   error_message = NULL,"
            "   sent_email_log_id = COALESCE(sent_email_log_id, email_log_id, gen_random_uuid())"
            " WHERE id = ",
            db::param<P.row>, " AND claimed_by = ", db::param<P.worker>,
            " AND status IN ('processing', 'held')"
            " RETURNING company_id, campaign_id, campaign_run_id, lead_id, sent_email_log_id,"
            "   sent_message_id, NOT (",
            k_first_email,
            ") AS follow_up),"
            " log AS ("
            " INSERT INTO email_logs (id, campaign_id, campaign_run_id, lead_id, sent_at)"
            " SELECT sent_email_log_id, campaign_id, campaign_run_id, lead_id, now() FROM q"
            " WHERE NOT EXISTS (SELECT 1 FROM email_logs l WHERE l.id = q.sent_email_log_id)"
            " ON CONFLICT (id) DO NOTHING RETURNING id),"
            " detail AS ("
            " INSERT INTO email_log_details (email_logs_id, message_id, email_subject, email_body,"
            "   sender_type, sent_at, from_name, from_email, to_email)"
            " SELECT sent_email_log_id, sent_message_id, ",
            db::param<P.subject>, ", ", db::param<P.body>, ", 'assistant', now(), ",
            db::param<P.from_name>, ", ", db::param<P.from_email>, ", ", db::param<P.to_email>,
            " FROM q"
            " WHERE sent_message_id IS NOT NULL"
            " ON CONFLICT (message_id) DO NOTHING RETURNING id),"
            " run AS ("
            " UPDATE campaign_runs SET leads_processed = leads_processed + 1"
            " WHERE id = (SELECT campaign_run_id FROM q WHERE NOT follow_up) RETURNING id),"
            " company AS ("
            " INSERT INTO email_queue_companies (company_id, last_sent_at, updated_at)"
            " SELECT company_id, now(), now() FROM q WHERE ",
            db::param<P.touch_company>,
            " ON CONFLICT (company_id) DO UPDATE SET last_sent_at = now(), held_until = NULL,"
            "   hold_reason = NULL, held_since = NULL, consecutive_holds = 0, updated_at = now()"
            " RETURNING company_id),"
            " handoff AS ("
            " SELECT email_queue_call_handoff(campaign_id, campaign_run_id, lead_id, ",
            db::param<P.call_script>,
            "::text) AS calls"
            " FROM q WHERE NOT follow_up AND ",
            db::param<P.call_handoff>, "::boolean)");

// The call hand-off is a function call, which only runs when its CTE is read.
constexpr db::SqlText k_record_sent_calls{"(SELECT COALESCE(sum(calls), 0) FROM handoff) AS calls"};

constexpr SentParams k_sent_params{.row = 1,
                                   .worker = 2,
                                   .subject = 3,
                                   .body = 4,
                                   .from_name = 5,
                                   .from_email = 6,
                                   .to_email = 7,
                                   .touch_company = 8,
                                   .call_handoff = 9,
                                   .call_script = 10};

constexpr auto k_sent_sql = db::sql(k_record_sent_ctes<k_sent_params>, " SELECT count(*) AS n, ",
                                    k_record_sent_calls, " FROM q");
constexpr db::Statement k_sent{"record_sent", k_sent_sql.c_str()};

// The same with another row's send-started mark: its parameters are sent_call()'s ($1 to
// $10) followed by start_send_call()'s ($11 to $16), each call's list as it is. The two
// rows are different, so the two updates of email_queue do not meet.
constexpr auto k_sent_with_mark_sql = db::sql(
    k_record_sent_ctes<k_sent_params>, ", ",
    k_mark_ctes<{.row = 11, .worker = 12, .message_id = 13, .lease = 14, .log_id = 15, .to = 16}>,
    " SELECT (SELECT count(*) FROM q) AS n, ", k_record_sent_calls,
    ","
    " (SELECT sent_message_id FROM mark) AS message_id,"
    " (SELECT sent_email_log_id FROM mark) AS email_log_id");
constexpr db::Statement k_sent_with_mark{"record_sent_with_mark", k_sent_with_mark_sql.c_str()};

constexpr auto k_retry_sql =
    db::sql("UPDATE email_queue SET retry_count = $3,"
            " status = CASE WHEN $4 THEN 'failed' ELSE ",
            k_pending_unless_cancelled,
            " END,"
            " scheduled_for = CASE WHEN $4 THEN scheduled_for"
            "                      ELSE now() + make_interval(secs => $5) END,"
            " processed_at = CASE WHEN $4 THEN now() ELSE processed_at END,"
            " claimed_by = CASE WHEN $4 THEN claimed_by ELSE NULL END,"
            " error_message = $6, send_started_at = NULL, lease_until = NULL,"
            " company_holds = 0"
            " WHERE id = $1 AND claimed_by = $2 AND status IN ('processing', 'held')");
constexpr db::Statement k_retry{"record_retry", k_retry_sql.c_str()};

constexpr db::Statement k_company_hold{
    "record_company_hold", "UPDATE email_queue SET company_holds = company_holds + 1"
                           " WHERE id = $1 AND claimed_by = $2 AND status = 'processing'"};

constexpr db::Statement k_final{
    "record_final", "UPDATE email_queue SET status = $3, processed_at = now(), error_message = $4,"
                    " lease_until = NULL"
                    " WHERE id = $1 AND claimed_by = $2 AND status IN ('processing', 'held')"};

} // namespace

db::Call sent_call(const SentRecord& s) {
    return db::call(k_sent, db::Shape::one, s.row_id, s.worker, s.subject, s.body, s.from_name,
                    s.from_email, s.to_email, s.touch_company, s.call_handoff, s.call_script);
}

std::optional<db::Call> sent_with_mark(const db::Call& sent, const db::Call& mark) {
    if (sent.statement != &k_sent || mark.statement != &k_start_send_statement) {
        return std::nullopt;
    }
    db::Call call{&k_sent_with_mark, sent.params, db::Shape::one};
    call.params.insert(call.params.end(), mark.params.begin(), mark.params.end());
    return call;
}

db::Call retry_call(const Uuid& row_id, const std::string& worker, int new_retry_count,
                    bool exhausted, Seconds delay, const std::string& error) {
    return db::call(k_retry, db::Shape::none, row_id, worker, new_retry_count, exhausted,
                    delay.count(), error);
}

db::Call final_call(const Uuid& row_id, const std::string& worker, QueueStatus status,
                    const std::string& reason) {
    if (status != QueueStatus::failed && status != QueueStatus::skipped &&
        status != QueueStatus::held) {
        throw Error(ExitCode::internal,
                    fmt::format("record_final: '{}' is not a final outcome", to_string(status)));
    }
    return db::call(k_final, db::Shape::none, row_id, worker, to_string(status), reason);
}

db::Call company_hold_call(const Uuid& row_id, const std::string& worker) {
    return db::call(k_company_hold, db::Shape::none, row_id, worker);
}

bool applied(const db::Result& result) {
    // record_sent reports the rows it changed; the others are plain UPDATEs.
    return result.rows() == 1 ? result.only().integer("n") == 1 : result.affected() == 1;
}

namespace {

bool run_one(db::Connection& conn, const db::Call& c) {
    return applied(conn.exec(*c.statement, c.params, c.shape));
}

} // namespace

bool record_sent(db::Connection& conn, const SentRecord& s) {
    return run_one(conn, sent_call(s));
}

bool record_retry(db::Connection& conn, const Uuid& row_id, const std::string& worker,
                  int new_retry_count, bool exhausted, Seconds delay, const std::string& error) {
    return run_one(conn, retry_call(row_id, worker, new_retry_count, exhausted, delay, error));
}

bool record_final(db::Connection& conn, const Uuid& row_id, const std::string& worker,
                  QueueStatus status, const std::string& reason) {
    return run_one(conn, final_call(row_id, worker, status, reason));
}

} // namespace eq::queue
