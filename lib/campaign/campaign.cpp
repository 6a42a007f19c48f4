#include "campaign/campaign.hpp"

#include "db/connection.hpp"

// The select list campaign_from_row() reads.
#define EQ_CAMPAIGN_COLUMNS                                                                        \
    "c.id, c.company_id, c.name, c.type, c.template, c.scheduled_at, c.auto_run_triggered"

// The due condition: an email campaign whose scheduled start has passed and not happened.
#define EQ_CAMPAIGN_IS_DUE                                                                         \
    "c.type = 'email' AND c.scheduled_at <= now() AND NOT c.auto_run_triggered"

namespace eq::campaign {

namespace {

constexpr db::Statement k_find{"find_campaign",
                               "SELECT " EQ_CAMPAIGN_COLUMNS " FROM campaigns c WHERE c.id = $1"};

constexpr db::Statement k_due{"due_campaigns",
                              "SELECT " EQ_CAMPAIGN_COLUMNS " FROM campaigns c"
                              " WHERE " EQ_CAMPAIGN_IS_DUE " ORDER BY c.scheduled_at, c.id"};

// The inner SELECT locks one due row that no other transaction holds; the UPDATE then
// re-checks nothing because the lock already guarantees the row is ours and still due.
constexpr db::Statement k_claim_due{
    "claim_due_campaign", "UPDATE campaigns c SET auto_run_triggered = true"
                          " FROM (SELECT c.id FROM campaigns c WHERE " EQ_CAMPAIGN_IS_DUE
                          "       ORDER BY c.scheduled_at, c.id LIMIT 1 FOR UPDATE SKIP LOCKED) due"
                          " WHERE c.id = due.id"
                          " RETURNING " EQ_CAMPAIGN_COLUMNS};

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
