#include "queue/queue_repository.hpp"

#include <fmt/format.h>

#include "db/connection.hpp"

namespace eq::queue {

namespace {

// ON CONFLICT DO NOTHING returns nothing for an existing row, so the second branch
// reads it back: one statement either way. The row is a first email: one per lead and
// run.
constexpr auto k_add_sql =
    db::sql("WITH inserted AS ("
            " INSERT INTO email_queue (company_id, campaign_id, campaign_run_id, lead_id, priority,"
            "   scheduled_for, max_retries, subject, email_body, reference_ids)"
            " VALUES ($1, $2, $3, $4, $5, COALESCE($6::timestamptz, now()), $7, $8, $9, $10)"
            " ON CONFLICT (campaign_run_id, lead_id) WHERE duplicate_of IS NULL AND ",
            k_first_email, " DO NOTHING RETURNING ", k_queue_item_columns, ") SELECT ",
            k_queue_item_columns, " FROM inserted UNION ALL SELECT ", k_queue_item_columns,
            " FROM email_queue"
            " WHERE campaign_run_id = $3 AND lead_id = $4 AND duplicate_of IS NULL AND ",
            k_first_email, "   AND NOT EXISTS (SELECT 1 FROM inserted)");
constexpr db::Statement k_add{"add_email_to_queue", k_add_sql.c_str()};

} // namespace

namespace {

constexpr auto k_next_emails_sql =
    db::sql("SELECT ", k_queue_item_columns,
            " FROM email_queue"
            " WHERE company_id = $1 AND status = 'pending' AND scheduled_for <= now()"
            " ORDER BY priority DESC, created_at, id LIMIT $2");

} // namespace

const db::Statement k_next_emails_statement{"get_next_emails_to_process",
                                            k_next_emails_sql.c_str()};

const db::Statement k_due_companies_statement{
    "due_companies", "SELECT DISTINCT company_id FROM email_queue"
                     " WHERE status = 'pending' AND scheduled_for <= now()"};

namespace {

constexpr db::Statement k_has_due_rows{
    "has_due_rows", "SELECT EXISTS (SELECT 1 FROM email_queue WHERE company_id = $1"
                    " AND status = 'pending' AND scheduled_for <= now()) AS due"};

constexpr auto k_update_status_sql =
    db::sql("UPDATE email_queue SET status = $2,"
            " processed_at = COALESCE($3::timestamptz, processed_at),"
            " error_message = COALESCE($4, error_message)"
            " WHERE id = $1 RETURNING ",
            k_queue_item_columns);
constexpr db::Statement k_update_status{"update_queue_item_status", k_update_status_sql.c_str()};

constexpr db::Statement k_pending_count{
    "get_pending_emails_count",
    "SELECT count(*) AS n FROM email_queue"
    " WHERE campaign_run_id = $1 AND status IN ('pending', 'processing')"};

constexpr auto k_find_sql =
    db::sql("SELECT ", k_queue_item_columns, " FROM email_queue WHERE id = $1");
constexpr db::Statement k_find{"find_queue_item", k_find_sql.c_str()};

// A company's pending rows through the (company_id, status) index; the deleted
// companies are few, and read in full since the flag has no index of its own.
constexpr db::Statement k_skip_deleted{
    "skip_rows_of_deleted_companies",
    "UPDATE email_queue q SET status = 'skipped', processed_at = now(), error_message = $1"
    " FROM companies c WHERE c.deleted IS TRUE AND q.company_id = c.id AND q.status = 'pending'"};

} // namespace

std::int64_t skip_rows_of_deleted_companies(db::Connection& conn) {
    return conn.none(k_skip_deleted, std::string(k_company_deleted_reason)).affected();
}

EmailQueueItem add_email_to_queue(db::Connection& conn, const NewQueueItem& item) {
    if (item.priority < 0) {
        throw Error(ExitCode::usage, fmt::format("priority {} is negative", item.priority));
    }
    if (item.max_retries < 0) {
        throw Error(ExitCode::usage, fmt::format("max_retries {} is negative", item.max_retries));
    }
    if (item.subject.has_value() != item.email_body.has_value()) {
        throw Error(ExitCode::usage, "pre-generated content needs both a subject and a body");
    }
    const auto r = conn.one(k_add, item.company_id, item.campaign_id, item.campaign_run_id,
                            item.lead_id, item.priority, item.scheduled_for, item.max_retries,
                            item.subject, item.email_body, item.reference_ids);
    return EmailQueueItem::from_row(r.only());
}

std::vector<EmailQueueItem> get_next_emails_to_process(db::Connection& conn, const Uuid& company_id,
                                                       int limit) {
    std::vector<EmailQueueItem> out;
    if (limit <= 0) {
        return out;
    }
    for (const auto row : conn.rows(k_next_emails_statement, company_id, limit)) {
        out.push_back(EmailQueueItem::from_row(row));
    }
    return out;
}

EmailQueueItem update_queue_item_status(db::Connection& conn, const Uuid& id, QueueStatus status,
                                        std::optional<Timestamp> processed_at,
                                        std::optional<std::string> error_message) {
    const auto r =
        conn.maybe_one(k_update_status, id, to_string(status), processed_at, error_message);
    if (r.empty()) {
        throw Error(ExitCode::not_found, fmt::format("no queue row {}", id.str()));
    }
    return EmailQueueItem::from_row(r.only());
}

std::int64_t get_pending_emails_count(db::Connection& conn, const Uuid& campaign_run_id) {
    return conn.one(k_pending_count, campaign_run_id).only().integer("n");
}

std::vector<Uuid> due_companies(db::Connection& conn) {
    std::vector<Uuid> out;
    for (const auto row : conn.rows(k_due_companies_statement)) {
        out.push_back(row.uuid("company_id"));
    }
    return out;
}

bool has_due_rows(db::Connection& conn, const Uuid& company_id) {
    return conn.one(k_has_due_rows, company_id).only().boolean("due");
}

std::optional<EmailQueueItem> find_queue_item(db::Connection& conn, const Uuid& id) {
    const auto r = conn.maybe_one(k_find, id);
    if (r.empty()) {
        return std::nullopt;
    }
    return EmailQueueItem::from_row(r.only());
}

} // namespace eq::queue
