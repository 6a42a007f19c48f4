#include "enqueue/fan_out.hpp"

#include "db/connection.hpp"
#include "db/sql_text.hpp"
#include "queue/email_queue_item.hpp"

namespace eq::enqueue {

namespace {

// The first emails a run holds (the web application's follow-ups are not the
// fan-out's). Counted in a statement of its own, before the fan-out: inside
// the fan-out it would run after the insert and wade through every new (and, to that
// statement, invisible) row.
// Every lead of the company (parameter `Company`) with its verdict. The outcomes take
// precedence in this order: deleted, no address, invalid address, suppressed, queue; the
// CASE tests validity first only so that the blank test runs for invalid addresses alone
// (a valid address is never blank). Suppression is a join against the company's and the
// global do_not_email addresses, lowercased and deduplicated, so the planner can hash it
// instead of probing once per lead.
template <int Company>
constexpr auto
    k_classified_leads = db::sql("suppressed AS ("
                                 " SELECT DISTINCT lower(email) AS email FROM do_not_email"
                                 " WHERE company_id IS NULL OR company_id = ",
                                 db::param<Company>,
                                 "::uuid),"
                                 " classified AS ("
                                 " SELECT l.id, CASE"
                                 "   WHEN l.deleted_at IS NOT NULL THEN 'deleted'"
                                 "   WHEN emailqueue_address_is_valid(l.email) THEN"
                                 "     CASE WHEN s.email IS NULL THEN 'queue' ELSE 'suppressed' END"
                                 "   WHEN l.email IS NULL OR btrim(l.email) = '' THEN 'no_address'"
                                 "   ELSE 'invalid_address' END AS verdict"
                                 " FROM leads l LEFT JOIN suppressed s ON s.email = lower(l.email)"
                                 " WHERE l.company_id = ",
                                 db::param<Company>, "::uuid)");

// The skip counts over classified, under the names counts_from_row() reads.
constexpr db::SqlText k_skip_counts{
    " count(*) FILTER (WHERE verdict = 'no_address') AS skipped_no_address,"
    " count(*) FILTER (WHERE verdict = 'invalid_address') AS skipped_invalid_address,"
    " count(*) FILTER (WHERE verdict = 'suppressed') AS skipped_suppressed,"
    " count(*) FILTER (WHERE verdict = 'deleted') AS skipped_deleted"};

// The fan-out of the run's leads ($1 company, $2 campaign, $3 run, $4 priority, $5 the
// time they are due, NULL: now): classify, insert the 'queue' leads, count. Conflict is
// what to do about a lead the run holds a row for already.
template <db::SqlText Conflict>
constexpr auto k_fan_out_sql = db::sql(
    "WITH ", k_classified_leads<1>,
    ","
    " inserted AS ("
    "  INSERT INTO email_queue (company_id, campaign_id, campaign_run_id, lead_id, priority,"
    "                           scheduled_for)"
    "  SELECT $1::uuid, $2::uuid, $3::uuid, id, $4::integer,"
    "         coalesce($5::timestamptz, now())"
    "  FROM classified WHERE verdict = 'queue'",
    Conflict,
    " RETURNING 1)"
    " SELECT (SELECT count(*) FROM inserted) AS queued,"
    " count(*) FILTER (WHERE verdict = 'queue') AS queueable,",
    k_skip_counts, " FROM classified");

// The first emails a run holds (the web application's follow-ups are not the
// fan-out's). Counted in a statement of its own, before the fan-out: inside
// the fan-out it would run after the insert and wade through every new (and, to that
// statement, invisible) row.
constexpr auto k_run_rows_sql = db::sql(
    "SELECT count(*) AS n FROM email_queue WHERE campaign_run_id = $1 AND duplicate_of IS NULL"
    " AND ",
    queue::k_first_email);
constexpr db::Statement k_run_rows{"count_run_rows", k_run_rows_sql.c_str()};

// A run that holds rows: leads queued before are left alone.
constexpr auto k_on_conflict =
    db::sql(" ON CONFLICT (campaign_run_id, lead_id) WHERE duplicate_of IS NULL"
            " AND ",
            queue::k_first_email, " DO NOTHING");
constexpr auto k_fan_out_existing_sql = k_fan_out_sql<k_on_conflict>;
constexpr db::Statement k_fan_out{"fan_out_campaign_run", k_fan_out_existing_sql.c_str()};

// A run that holds no row, under the caller's lock on it: nothing can conflict, so the
// rows go in without ON CONFLICT's per-row check (a tenth of the insert's cost).
constexpr auto k_fan_out_empty_sql = k_fan_out_sql<"">;
constexpr db::Statement k_fan_out_empty_run{"fan_out_empty_campaign_run",
                                            k_fan_out_empty_sql.c_str()};

// The same classification ($1 company, $2 run); a lead counts as queued when the run has
// no row for it yet.
constexpr auto k_count_sql =
    db::sql("WITH ", k_classified_leads<1>,
            " SELECT count(*) FILTER (WHERE verdict = 'queue' AND q.lead_id IS NULL) AS queued,"
            " count(*) FILTER (WHERE verdict = 'queue') AS queueable,",
            k_skip_counts,
            " FROM classified"
            " LEFT JOIN email_queue q ON q.campaign_run_id = $2::uuid AND q.lead_id = classified.id"
            "  AND q.duplicate_of IS NULL AND q.email_log_id IS NULL AND q.message_id IS NULL");
constexpr db::Statement k_count{"count_fan_out", k_count_sql.c_str()};

constexpr std::string_view k_unique_violation = "23505";

// existing: the rows the run held before.
FanOutCounts counts_from_row(const db::Row& row, std::int64_t existing) {
    FanOutCounts c;
    c.queued = row.integer("queued");
    c.already_queued = row.integer("queueable") - c.queued;
    c.skipped_no_address = row.integer("skipped_no_address");
    c.skipped_invalid_address = row.integer("skipped_invalid_address");
    c.skipped_suppressed = row.integer("skipped_suppressed");
    c.skipped_deleted = row.integer("skipped_deleted");
    c.leads_total = existing + c.queued;
    return c;
}

std::int64_t run_rows(db::Connection& conn, const std::optional<Uuid>& run_id) {
    return run_id ? conn.one(k_run_rows, *run_id).only().integer("n") : 0;
}

FanOutCounts run_fan_out(db::Connection& conn, const db::Statement& statement,
                         const FanOutTarget& target, std::int64_t existing) {
    const auto r = conn.one(statement, target.company_id, target.campaign_id, target.run_id,
                            target.priority, target.scheduled_for);
    return counts_from_row(r.only(), existing);
}

} // namespace

FanOutCounts& FanOutCounts::operator+=(const FanOutCounts& o) {
    queued += o.queued;
    already_queued += o.already_queued;
    skipped_no_address += o.skipped_no_address;
    skipped_invalid_address += o.skipped_invalid_address;
    skipped_suppressed += o.skipped_suppressed;
    skipped_deleted += o.skipped_deleted;
    leads_total += o.leads_total;
    return *this;
}

FanOutCounts fan_out(db::Connection& conn, const FanOutTarget& target) {
    if (run_rows(conn, target.run_id) == 0) {
        // Where email_queue lacks its foreign key to campaign_runs, another writer can
        // add a row for the run in spite of the lock; the unique key then refuses the
        // insert, and the fan-out is done again the ordinary way.
        conn.run("SAVEPOINT emailqueue_fan_out", "savepoint_fan_out");
        try {
            auto counts = run_fan_out(conn, k_fan_out_empty_run, target, 0);
            conn.run("RELEASE SAVEPOINT emailqueue_fan_out", "release_fan_out");
            return counts;
        } catch (const db::DbError& e) {
            if (e.sqlstate() != k_unique_violation) {
                throw;
            }
            conn.run("ROLLBACK TO SAVEPOINT emailqueue_fan_out", "rollback_fan_out");
        }
    }
    return run_fan_out(conn, k_fan_out, target, run_rows(conn, target.run_id));
}

FanOutCounts count_fan_out(db::Connection& conn, const FanOutTarget& target) {
    const auto existing = run_rows(conn, target.run_id);
    const auto r = conn.one(k_count, target.company_id, target.run_id);
    return counts_from_row(r.only(), existing);
}

} // namespace eq::enqueue
