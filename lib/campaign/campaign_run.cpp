#include "campaign/campaign_run.hpp"

#include "db/connection.hpp"
#include "db/sql_text.hpp"

namespace eq::campaign {

namespace {

// The select list run_from_row() reads, from campaign_runs aliased r.
constexpr db::SqlText k_run_columns{
    "r.id, r.campaign_id, r.run_at, r.leads_total, r.leads_processed, r.status, r.failure_reason"};

constexpr auto k_running_sql =
    db::sql("SELECT ", k_run_columns,
            " FROM campaign_runs r JOIN campaigns c ON c.id = r.campaign_id"
            " WHERE c.company_id = $1 AND r.status = 'running'"
            " ORDER BY r.run_at, r.id");
constexpr db::Statement k_running{"get_running_campaign_runs", k_running_sql.c_str()};

constexpr auto k_find_sql =
    db::sql("SELECT ", k_run_columns, " FROM campaign_runs r WHERE r.id = $1");
constexpr db::Statement k_find{"find_campaign_run", k_find_sql.c_str()};

// The run (parameter `Run`) with its queue control and whether it has queue rows.
template <int Run>
constexpr auto k_run_state =
    db::sql("SELECT ", k_run_columns,
            ", coalesce(q.control, 'active') AS control,"
            " EXISTS (SELECT 1 FROM email_queue e WHERE e.campaign_run_id = r.id) AS has_rows"
            " FROM campaign_runs r LEFT JOIN email_queue_runs q ON q.campaign_run_id = r.id"
            " WHERE r.id = ",
            db::param<Run>);

constexpr auto k_state_sql = k_run_state<1>;
constexpr db::Statement k_state{"find_run_state", k_state_sql.c_str()};
constexpr auto k_lock_sql = db::sql(k_run_state<1>, " FOR UPDATE OF r");
constexpr db::Statement k_lock{"lock_run_state", k_lock_sql.c_str()};

constexpr auto k_create_sql = db::sql(
    "INSERT INTO campaign_runs AS r (campaign_id, run_at, status) VALUES ($1, now(), 'idle')"
    " RETURNING ",
    k_run_columns);
constexpr db::Statement k_create{"create_campaign_run", k_create_sql.c_str()};

constexpr db::Statement k_failed{
    "mark_run_failed",
    "UPDATE campaign_runs SET status = 'failed', failure_reason = $2 WHERE id = $1"};

constexpr db::Statement k_running_status{
    "mark_run_running",
    "UPDATE campaign_runs SET status = 'running', leads_total = $2, failure_reason = NULL"
    " WHERE id = $1"};

constexpr db::Statement k_enqueued{
    "record_run_enqueued",
    "INSERT INTO email_queue_runs (campaign_run_id, control, enqueued_at)"
    " VALUES ($1, 'active', now())"
    " ON CONFLICT (campaign_run_id) DO UPDATE"
    " SET enqueued_at = coalesce(email_queue_runs.enqueued_at, excluded.enqueued_at)"};

CampaignRun run_from_row(const db::Row& row) {
    return {row.uuid("id"),
            row.uuid("campaign_id"),
            row.time("run_at"),
            static_cast<int>(row.integer("leads_total")),
            static_cast<int>(row.integer("leads_processed")),
            row.text("status"),
            row.opt_text("failure_reason")};
}

std::optional<RunState> state_from(const db::Result& r) {
    if (r.empty()) {
        return std::nullopt;
    }
    const auto row = r.only();
    return RunState{run_from_row(row), run_control_of(row.text("control")),
                    row.boolean("has_rows")};
}

} // namespace

std::vector<CampaignRun> get_running_campaign_runs(db::Connection& conn, const Uuid& company_id) {
    std::vector<CampaignRun> out;
    for (const auto row : conn.rows(k_running, company_id)) {
        out.push_back(run_from_row(row));
    }
    return out;
}

std::optional<CampaignRun> find_campaign_run(db::Connection& conn, const Uuid& id) {
    const auto r = conn.maybe_one(k_find, id);
    if (r.empty()) {
        return std::nullopt;
    }
    return run_from_row(r.only());
}

std::optional<RunState> find_run_state(db::Connection& conn, const Uuid& id) {
    return state_from(conn.maybe_one(k_state, id));
}

std::optional<RunState> lock_run_state(db::Connection& conn, const Uuid& id) {
    return state_from(conn.maybe_one(k_lock, id));
}

CampaignRun create_campaign_run(db::Connection& conn, const Uuid& campaign_id) {
    return run_from_row(conn.one(k_create, campaign_id).only());
}

void mark_run_failed(db::Connection& conn, const Uuid& id, const std::string& reason) {
    conn.none(k_failed, id, reason);
}

void mark_run_running(db::Connection& conn, const Uuid& id, std::int64_t leads_total) {
    conn.none(k_running_status, id, leads_total);
    conn.none(k_enqueued, id);
}

} // namespace eq::campaign
