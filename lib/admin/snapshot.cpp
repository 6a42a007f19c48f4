#include "admin/snapshot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "admin/args.hpp"
#include "campaign/completion.hpp"
#include "db/connection.hpp"
#include "policy/ramp_up.hpp"
#include "throttle/throttle_repository.hpp"

namespace eq::admin {

namespace {

constexpr db::Statement k_companies{
    "status_companies",
    "SELECT c.id, c.id AS company_id, c.name, c.deleted IS TRUE AS deleted,"
    " t.max_emails_per_hour, t.max_emails_per_day, "
    "t.enabled, t.created_at,"
    " t.updated_at, h.held_until, h.hold_reason, h.held_since, h.last_sent_at, h.next_send_at,"
    " s.timezone IS NOT NULL AS has_window, s.timezone,"
    " CASE WHEN s.timezone IS NOT NULL THEN email_queue_window_opens(now(), s.timezone, s.days,"
    "   s.window_start, s.window_end, c.id) END AS window_opens,"
    " s.ramp_start, COALESCE(s.ramp_step, 0) AS ramp_step,"
    " to_char(s.ramp_started_on, 'YYYY-MM-DD') AS ramp_started_on"
    " FROM companies c"
    " LEFT JOIN email_throttle_settings t ON t.company_id = c.id"
    " LEFT JOIN email_queue_companies h ON h.company_id = c.id"
    " LEFT JOIN email_queue_schedules s ON s.company_id = c.id"
    " WHERE ($1::uuid IS NULL AND (t.company_id IS NOT NULL OR h.company_id IS NOT NULL"
    "   OR EXISTS (SELECT 1 FROM email_queue q WHERE q.company_id = c.id)))"
    "   OR c.id = $1"
    " ORDER BY c.name, c.id"};

// Only live and failed/skipped states: the sent and cancelled history is left alone.
constexpr db::Statement k_counts{
    "status_counts",
    "SELECT q.company_id,"
    " count(*) FILTER (WHERE q.status = 'pending' AND l.live AND q.scheduled_for <= now())"
    "   AS due_now,"
    " count(*) FILTER (WHERE q.status = 'pending' AND l.live AND q.scheduled_for > now()"
    "   AND q.retry_count = 0) AS scheduled_later,"
    " count(*) FILTER (WHERE q.status = 'pending' AND l.live AND q.scheduled_for > now()"
    "   AND q.retry_count > 0) AS backing_off,"
    " count(*) FILTER (WHERE q.status = 'pending' AND NOT l.live) AS paused,"
    " count(*) FILTER (WHERE q.status = 'processing') AS processing,"
    " count(*) FILTER (WHERE q.status = 'processing' AND q.lease_until < now()) AS stuck,"
    " count(*) FILTER (WHERE q.status = 'held') AS held,"
    " count(*) FILTER (WHERE q.status = 'failed') AS failed,"
    " count(*) FILTER (WHERE q.status = 'skipped') AS skipped,"
    " count(*) FILTER (WHERE q.status = 'failed' AND q.processed_at >= now() - interval '1 hour')"
    "   AS failed_last_hour,"
    " min(q.scheduled_for) FILTER (WHERE q.status = 'pending' AND l.live"
    "   AND q.scheduled_for <= now()) AS oldest_due,"
    " min(q.scheduled_for) FILTER (WHERE q.status = 'pending' AND l.live"
    "   AND q.scheduled_for > now()) AS next_scheduled,"
    " min(q.scheduled_for) FILTER (WHERE q.status = 'pending' AND l.live"
    "   AND q.scheduled_for > now() AND q.retry_count > 0) AS backoff_until"
    " FROM email_queue q"
    " LEFT JOIN email_queue_runs r ON r.campaign_run_id = q.campaign_run_id"
    " CROSS JOIN LATERAL (SELECT COALESCE(r.control, 'active') = 'active' AS live) l"
    " WHERE q.status IN ('pending', 'processing', 'held', 'failed', 'skipped')"
    "   AND ($1::uuid IS NULL OR q.company_id = $1)"
    " GROUP BY q.company_id"};

constexpr db::Statement k_windows{
    "status_windows",
    "SELECT company_id,"
    " count(*) FILTER (WHERE processed_at >= now() - interval '1 hour') AS sent_last_hour,"
    " count(*) AS sent_last_day"
    " FROM email_queue WHERE status IN ('sent', 'held')"
    "   AND processed_at >= now() - interval '24 hours'"
    "   AND ($1::uuid IS NULL OR company_id = $1)"
    " GROUP BY company_id"};

// Send times matter only to companies with something pending.
constexpr db::Statement k_sends{
    "status_recent_sends",
    "SELECT q.company_id, q.processed_at FROM email_queue q"
    " WHERE q.status IN ('sent', 'held') AND q.processed_at >= now() - interval '48 hours'"
    "   AND ($1::uuid IS NULL OR q.company_id = $1)"
    "   AND EXISTS (SELECT 1 FROM email_queue p WHERE p.company_id = q.company_id"
    "     AND p.status = 'pending')"
    " ORDER BY q.company_id, q.processed_at"};

constexpr db::Statement k_auto_paused{
    "status_auto_paused_runs",
    "SELECT ca.company_id, r.campaign_run_id, r.control_reason FROM email_queue_runs r"
    " JOIN campaign_runs cr ON cr.id = r.campaign_run_id"
    " JOIN campaigns ca ON ca.id = cr.campaign_id"
    " WHERE r.control = 'paused' AND r.auto_paused_at IS NOT NULL"
    "   AND ($1::uuid IS NULL OR ca.company_id = $1)"
    " ORDER BY r.auto_paused_at"};

constexpr auto k_drained_sql =
    db::sql("SELECT * FROM (SELECT ca.company_id, cr.id AS campaign_run_id, cr.leads_total, ",
            campaign::k_run_processed_leads<"cr.id">,
            " AS processed_leads"
            " FROM campaign_runs cr JOIN campaigns ca ON ca.id = cr.campaign_id"
            " WHERE cr.status = 'running' AND ($1::uuid IS NULL OR ca.company_id = $1)"
            "   AND EXISTS (SELECT 1 FROM email_queue q WHERE q.campaign_run_id = cr.id)"
            "   AND NOT EXISTS (SELECT 1 FROM email_queue u WHERE u.campaign_run_id = cr.id"
            "                   AND u.status IN ('pending', 'processing', 'held'))) d"
            " WHERE processed_leads < leads_total ORDER BY campaign_run_id");
constexpr db::Statement k_drained{"status_drained_runs", k_drained_sql.c_str()};

constexpr db::Statement k_last_run{
    "status_last_run",
    "SELECT id, started_at, finished_at, companies_visited, sent, failed, skipped, held, retried,"
    " recovered, error FROM email_queue_invocations"
    " WHERE finished_at IS NOT NULL AND NOT dry_run"
    " ORDER BY started_at DESC, id DESC LIMIT 1"};

void add(QueueTotals& t, const CompanyStatus& c) {
    t.due_now += c.due_now;
    t.scheduled_later += c.scheduled_later;
    t.backing_off += c.backing_off;
    t.paused += c.paused;
    t.processing += c.processing;
    t.stuck += c.stuck;
    t.held += c.held;
    t.failed += c.failed;
    t.skipped += c.skipped;
    t.sent_last_hour += c.sent_last_hour;
    t.sent_last_day += c.sent_last_day;
    t.failed_last_hour += c.failed_last_hour;
    if (c.oldest_due && (!t.oldest_due || *c.oldest_due < *t.oldest_due)) {
        t.oldest_due = c.oldest_due;
    }
}

} // namespace

QueueSnapshot load_snapshot(db::Connection& conn, const std::optional<Uuid>& company,
                            const throttle::ThrottleDefaults& defaults) {
    db::Transaction tx(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    if (company) {
        require_company(conn, *company);
    }
    QueueSnapshot snap;
    snap.now = database_now(conn);
    std::map<Uuid, std::size_t> index;
    for (const auto row : conn.rows(k_companies, company)) {
        CompanyStatus c;
        c.id = row.uuid("id");
        c.name = row.text("name");
        c.deleted = row.boolean("deleted");
        c.settings = throttle::settings_from_row(row, defaults);
        c.held_until = row.opt_time("held_until");
        c.hold_reason = row.opt_text("hold_reason");
        c.held_since = row.opt_time("held_since");
        c.last_sent_at = row.opt_time("last_sent_at");
        c.timezone = row.opt_text("timezone");
        const auto opens = row.opt_time("window_opens");
        c.send.window_never_opens = row.boolean("has_window") && !opens;
        c.send.window_opens = opens;
        c.send.paced_until = row.opt_time("next_send_at");
        const auto ramp_start = row.opt_integer("ramp_start");
        const auto ramp_started_on = row.opt_text("ramp_started_on");
        c.daily_limit_now = policy::ramped_daily_limit(
            c.settings.max_emails_per_day,
            ramp_start ? std::optional<int>(static_cast<int>(*ramp_start)) : std::nullopt,
            static_cast<int>(row.integer("ramp_step")),
            ramp_started_on ? std::optional<std::string_view>(*ramp_started_on) : std::nullopt,
            snap.now);
        index[c.id] = snap.companies.size();
        snap.companies.push_back(std::move(c));
    }
    const auto find = [&](const db::Row& row) -> CompanyStatus* {
        const auto it = index.find(row.uuid("company_id"));
        return it == index.end() ? nullptr : &snap.companies[it->second];
    };
    for (const auto row : conn.rows(k_counts, company)) {
        if (auto* c = find(row)) {
            c->due_now = row.integer("due_now");
            c->scheduled_later = row.integer("scheduled_later");
            c->backing_off = row.integer("backing_off");
            c->paused = row.integer("paused");
            c->processing = row.integer("processing");
            c->stuck = row.integer("stuck");
            c->held = row.integer("held");
            c->failed = row.integer("failed");
            c->skipped = row.integer("skipped");
            c->failed_last_hour = row.integer("failed_last_hour");
            c->oldest_due = row.opt_time("oldest_due");
            c->next_scheduled = row.opt_time("next_scheduled");
            c->backoff_until = row.opt_time("backoff_until");
        }
    }
    for (const auto row : conn.rows(k_windows, company)) {
        if (auto* c = find(row)) {
            c->sent_last_hour = row.integer("sent_last_hour");
            c->sent_last_day = row.integer("sent_last_day");
        }
    }
    for (const auto row : conn.rows(k_sends, company)) {
        if (auto* c = find(row)) {
            c->send.recent_sends.push_back(row.time("processed_at"));
        }
    }
    for (const auto row : conn.rows(k_auto_paused, company)) {
        if (auto* c = find(row)) {
            c->auto_paused_runs.push_back(
                {row.uuid("campaign_run_id"), row.opt_text("control_reason").value_or("")});
        }
    }
    for (const auto row : conn.rows(k_drained, company)) {
        if (auto* c = find(row)) {
            c->drained_runs.push_back(
                {row.uuid("campaign_run_id"),
                 fmt::format("queue drained with {} of leads_total {} leads processed",
                             row.integer("processed_leads"), row.integer("leads_total"))});
        }
    }
    tx.commit();
    for (auto& c : snap.companies) {
        c.send.enabled = c.settings.enabled;
        c.send.per_hour = c.settings.max_emails_per_hour;
        c.send.per_day = c.daily_limit_now;
        c.send.in_flight = c.processing;
        c.send.held_until = c.held_until;
        c.send.earliest_due = c.oldest_due ? c.oldest_due : c.next_scheduled;
        c.next = policy::next_send(c.send, snap.now);
        c.sendable_since = policy::sendable_since(c.send, snap.now);
        add(snap.totals, c);
    }
    return snap;
}

std::optional<LastRun> load_last_run(db::Connection& conn) {
    const auto r = conn.maybe_one(k_last_run);
    if (r.empty()) {
        return std::nullopt;
    }
    const auto row = r.only();
    return LastRun{row.integer("id"),       row.time("started_at"),
                   row.time("finished_at"), row.integer("companies_visited"),
                   row.integer("sent"),     row.integer("failed"),
                   row.integer("skipped"),  row.integer("held"),
                   row.integer("retried"),  row.integer("recovered"),
                   row.opt_text("error")};
}

policy::HealthFacts health_facts(const QueueSnapshot& snap, const std::optional<LastRun>& last) {
    policy::HealthFacts f;
    f.now = snap.now;
    if (last) {
        f.last_run_finished = last->finished_at;
        f.last_run_error = last->error;
    }
    f.due_rows = snap.totals.due_now;
    f.stuck_rows = snap.totals.stuck;
    f.held_rows = snap.totals.held;
    f.sent_last_hour = snap.totals.sent_last_hour;
    f.failed_last_hour = snap.totals.failed_last_hour;
    for (const auto& c : snap.companies) {
        for (const auto& run : c.auto_paused_runs) {
            f.auto_paused_runs.push_back(fmt::format("{} run {}", c.name, run.run_id.str()));
        }
        if (c.account_held(snap.now)) {
            f.held_companies.push_back(c.name);
        }
        if (c.sendable_since && (!f.backlog_since || *c.sendable_since < *f.backlog_since)) {
            f.backlog_since = c.sendable_since;
            f.backlog_company = c.name;
        }
    }
    return f;
}

} // namespace eq::admin
