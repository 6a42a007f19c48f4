#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/connection.hpp"
#include "queue/email_queue_item.hpp"

namespace eq::queue {

// What add_email_to_queue() needs; the database fills in the rest.
struct NewQueueItem {
    Uuid company_id;
    Uuid campaign_id;
    Uuid campaign_run_id;
    Uuid lead_id;
    int priority = 1;
    std::optional<Timestamp> scheduled_for; // default: now
    int max_retries = 3;
    std::optional<std::string> subject; // pre-generated content, sent as it is
    std::optional<std::string> email_body;
    std::optional<std::string> reference_ids;
};

// The seed's database functions. Each is one parameterized statement.

// Queues one email. Idempotent: when (campaign_run_id, lead_id) is already queued the
// existing row is returned unchanged. Throws eq::Error(usage) for an invalid item.
EmailQueueItem add_email_to_queue(db::Connection& conn, const NewQueueItem& item);

// The next due pending rows of a company in send order (priority DESC, created_at),
// without claiming them: a read for previews and dry runs.
std::vector<EmailQueueItem> get_next_emails_to_process(db::Connection& conn, const Uuid& company_id,
                                                       int limit);

// Sets a row's status (and processed_at / error_message when given); returns the row.
// Throws eq::Error(not_found) for an unknown id.
EmailQueueItem update_queue_item_status(db::Connection& conn, const Uuid& id, QueueStatus status,
                                        std::optional<Timestamp> processed_at = std::nullopt,
                                        std::optional<std::string> error_message = std::nullopt);

// Rows of a campaign run not yet finished (pending or processing).
std::int64_t get_pending_emails_count(db::Connection& conn, const Uuid& campaign_run_id);

// The companies with at least one due pending row, each once, in no particular order.
// Reads the due rows only (the partial index email_queue_due_idx), however many
// companies have rows pending for later.
std::vector<Uuid> due_companies(db::Connection& conn);

// Whether the company still has a due pending row: what an invocation asks before it
// takes the company's lock, since an overlapping one may have drained the company
// since the listing.
bool has_due_rows(db::Connection& conn, const Uuid& company_id);

// The statements behind get_next_emails_to_process() and due_companies(), for EXPLAIN
// in tests.
extern const db::Statement k_next_emails_statement;
extern const db::Statement k_due_companies_statement;

// The reason a row of a company the web application deleted (companies.deleted) gets
// when it is skipped.
inline constexpr std::string_view k_company_deleted_reason =
    "the company was deleted (companies.deleted): nothing is sent for it";

// Skips the pending rows of deleted companies (status 'skipped', that reason), so they
// are never sent and their runs can complete. Returns how many.
std::int64_t skip_rows_of_deleted_companies(db::Connection& conn);

// One row by id, if it exists.
std::optional<EmailQueueItem> find_queue_item(db::Connection& conn, const Uuid& id);

} // namespace eq::queue
