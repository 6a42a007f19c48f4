#include "queue/claimed_row.hpp"

#include <fmt/format.h>

#include <map>

namespace eq::queue {

// Leads and campaigns are looked up row by row through their primary keys: OFFSET 0
// keeps the planner from flattening the lookups into a join, which for a chunk of a
// hundred rows chose to read the whole leads table, every chunk, however many leads the
// database holds.
const db::Statement k_load_claimed_statement{
    "load_claimed_rows",
    "SELECT q.id, q.company_id, q.campaign_id, q.campaign_run_id, q.lead_id, q.status,"
    " q.priority, q.created_at, q.scheduled_for, q.processed_at, q.retry_count, q.max_retries,"
    " q.error_message, q.subject, q.email_body, q.message_id, q.reference_ids::text,"
    " q.email_log_id, q.sent_message_id, q.sent_email_log_id, q.company_holds,"
    " l.id IS NOT NULL AS lead_found, l.deleted_at IS NOT NULL AS lead_deleted,"
    " ca.id IS NOT NULL AS campaign_found, l.email AS lead_email,"
    " to_jsonb(l)::text AS lead_json,"
    " EXISTS (SELECT 1 FROM do_not_email d WHERE lower(d.email) = lower(l.email)"
    "         AND (d.company_id IS NULL OR d.company_id = q.company_id)) AS suppressed"
    " FROM email_queue q"
    " LEFT JOIN LATERAL (SELECT * FROM leads l WHERE l.id = q.lead_id OFFSET 0) l ON true"
    " LEFT JOIN LATERAL (SELECT id FROM campaigns ca WHERE ca.id = q.campaign_id OFFSET 0) ca"
    "   ON true"
    " WHERE q.id = ANY($1::uuid[])"};

namespace {

// The campaigns of those rows, each once (a chunk's rows mostly share one campaign, whose
// template would otherwise travel with every row).
constexpr db::Statement k_load_campaigns{
    "load_claimed_campaigns",
    "SELECT ca.id, ca.template, to_jsonb(ca)::text AS campaign_json FROM campaigns ca"
    " WHERE ca.id IN (SELECT campaign_id FROM email_queue WHERE id = ANY($1::uuid[]))"};

Expected<Json> parse_column(const db::Row& row, std::string_view column) {
    const auto text = row.opt_text(column);
    if (!text) {
        return Json();
    }
    return Json::parse(*text);
}

Json json_column(const db::Row& row, std::string_view column) {
    auto parsed = parse_column(row, column);
    if (!parsed) {
        throw Error(ExitCode::internal,
                    fmt::format("load_claimed_rows: column {}: {}", column, parsed.error()));
    }
    return std::move(parsed).value();
}

} // namespace

std::vector<ClaimedRow> load_claimed_rows(db::Connection& conn, const std::vector<Uuid>& ids) {
    const auto results = conn.pipeline({db::call(k_load_claimed_statement, db::Shape::rows, ids),
                                        db::call(k_load_campaigns, db::Shape::rows, ids)});
    struct Campaign {
        std::optional<std::string> template_text;
        Json fields;
    };
    std::map<Uuid, Campaign> campaigns;
    for (const auto row : results[1]) {
        campaigns.emplace(row.uuid("id"),
                          Campaign{row.opt_text("template"), json_column(row, "campaign_json")});
    }
    std::map<Uuid, ClaimedRow> by_id;
    for (const auto row : results[0]) {
        ClaimedRow c;
        c.item = EmailQueueItem::from_row(row);
        c.lead_found = row.boolean("lead_found");
        c.lead_deleted = row.boolean("lead_deleted");
        c.campaign_found = row.boolean("campaign_found");
        c.lead_email = row.opt_text("lead_email");
        c.suppressed = row.boolean("suppressed");
        if (auto lead = parse_column(row, "lead_json")) {
            c.lead = std::move(lead).value();
        } else {
            c.lead_problem = "the lead's columns cannot be read: " + lead.error();
        }
        if (const auto it = campaigns.find(c.item.campaign_id); it != campaigns.end()) {
            c.campaign_template = it->second.template_text;
            c.campaign = it->second.fields;
        } else {
            c.campaign_found = false; // deleted between the two reads
        }
        by_id.emplace(c.item.id, std::move(c));
    }
    std::vector<ClaimedRow> out;
    out.reserve(by_id.size());
    for (const auto& id : ids) {
        if (auto it = by_id.find(id); it != by_id.end()) {
            out.push_back(std::move(it->second));
        }
    }
    return out;
}

} // namespace eq::queue
