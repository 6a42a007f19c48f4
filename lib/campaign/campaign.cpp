#include "campaign/campaign.hpp"

#include "db/connection.hpp"
#include "db/sql_text.hpp"

namespace eq::campaign {

namespace {

// The select list campaign_from_row() reads.
constexpr db::SqlText k_campaign_columns{
    "c.id, c.company_id, c.name, c.type, c.template, c.scheduled_at, c.auto_run_triggered"};

// The due condition: an email campaign whose scheduled start has passed and not happened.
constexpr db::SqlText k_campaign_is_due{
    "c.type = 'email' AND c.scheduled_at <= now() AND NOT c.auto_run_triggered"};

constexpr auto k_find_sql =
    db::sql("SELECT ", k_campaign_columns, " FROM campaigns c WHERE c.id = $1");
constexpr db::Statement k_find{"find_campaign", k_find_sql.c_str()};

constexpr auto k_due_sql = db::sql("SELECT ", k_campaign_columns, " FROM campaigns c WHERE ",
                                   k_campaign_is_due, " ORDER BY c.scheduled_at, c.id");
constexpr db::Statement k_due{"due_campaigns", k_due_sql.c_str()};

// The inner SELECT locks one due row that no other transaction holds; the UPDATE then
// re-checks nothing because the lock already guarantees the row is ours and still due.
constexpr auto k_claim_due_sql =
    db::sql("UPDATE campaigns c SET auto_run_triggered = true"
            " FROM (SELECT c.id FROM campaigns c WHERE ",
            k_campaign_is_due,
            "       ORDER BY c.scheduled_at, c.id LIMIT 1 FOR UPDATE SKIP LOCKED) due"
            " WHERE c.id = due.id"
            " RETURNING ",
            k_campaign_columns);
constexpr db::Statement k_claim_due{"claim_due_campaign", k_claim_due_sql.c_str()};

Campaign campaign_from_row(const db::Row& row) {
    return {row.uuid("id"),
            row.uuid("company_id"),
            row.text("name"),
            row.text("type"),
            row.opt_text("template"),
            row.opt_time("scheduled_at"),
            row.boolean("auto_run_triggered")};
}

std::optional<Campaign> only_campaign(const db::Result& r) {
    if (r.empty()) {
        return std::nullopt;
    }
    return campaign_from_row(r.only());
}

} // namespace

std::optional<Campaign> find_campaign(db::Connection& conn, const Uuid& id) {
    return only_campaign(conn.maybe_one(k_find, id));
}

std::vector<Campaign> due_campaigns(db::Connection& conn) {
    std::vector<Campaign> out;
    for (const auto row : conn.rows(k_due)) {
        out.push_back(campaign_from_row(row));
    }
    return out;
}

std::optional<Campaign> claim_due_campaign(db::Connection& conn) {
    return only_campaign(conn.maybe_one(k_claim_due));
}

} // namespace eq::campaign
