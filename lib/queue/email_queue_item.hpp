#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "db/sql_text.hpp"
#include "util/enum_text.hpp"
#include "util/expected.hpp"
#include "util/time.hpp"
#include "util/uuid.hpp"

namespace eq::db {
class Row;
}

namespace eq::queue {

// The select list EmailQueueItem::from_row() reads.
inline constexpr db::SqlText k_queue_item_columns{
    "id, company_id, campaign_id, campaign_run_id, lead_id, status, priority, created_at, "
    "scheduled_for, processed_at, retry_count, max_retries, error_message, subject, "
    "email_body, message_id, reference_ids, email_log_id, sent_message_id, sent_email_log_id, "
    "company_holds"};

// A first email, in the web application's terms: its reminders and AI replies carry
// the thread's email_log_id (and a reply the Message-ID it answers in message_id), a
// first email neither. emailqueue never writes either column, so a row is one or the
// other for good. Fan-out idempotency (one first email per lead and run) covers these.
inline constexpr db::SqlText k_first_email{"email_log_id IS NULL AND message_id IS NULL"};

// The life of a queue row:
//   pending -> processing -> sent | failed | skipped | pending (retry later)
//   processing -> held      (the SMTP outcome is unknown: an operator decides)
//   pending -> cancelled    (its campaign run was cancelled, or it duplicates another row)
enum class QueueStatus { pending, processing, sent, failed, skipped, held, cancelled };

// The names are email_queue.status's values (util/enum_text.hpp).
EnumTexts<QueueStatus, 7> enum_texts(QueueStatus);
std::string_view to_string(QueueStatus s);
Expected<QueueStatus> parse_queue_status(std::string_view text);
// A status that ends the row's life (the row is never claimed again on its own).
bool is_final(QueueStatus s);

// One row of email_queue (the seed's EmailQueueItem model).
struct EmailQueueItem {
    Uuid id;
    Uuid company_id;
    Uuid campaign_id;
    Uuid campaign_run_id;
    Uuid lead_id;
    QueueStatus status = QueueStatus::pending;
    int priority = 1;
    Timestamp created_at;
    Timestamp scheduled_for;
    std::optional<Timestamp> processed_at;
    int retry_count = 0;
    int max_retries = 3;
    std::optional<std::string> error_message;
    // Pre-generated content and threading, as the web application writes them.
    std::optional<std::string> subject;
    std::optional<std::string> email_body;
    // A follow-up's (reminder, reply): the Message-ID it answers (In-Reply-To) and the
    // References before it. NULL on a first email.
    std::optional<std::string> message_id;
    std::optional<std::string> reference_ids;
    // A follow-up's: the email log of its thread. NULL on a first email.
    std::optional<Uuid> email_log_id;
    // What emailqueue sent the message with, fixed by the first send attempt: its
    // Message-ID and its email log (a follow-up's is email_log_id; a first email's is
    // made when its send starts). Reply-To and the tracking pixel name that log.
    std::optional<std::string> sent_message_id;
    std::optional<Uuid> sent_email_log_id;
    // Holds of its company in a row this row's sends have caused (processing.max_row_holds).
    int company_holds = 0;

    // Reads a row selected with k_queue_item_columns.
    static EmailQueueItem from_row(const db::Row& row);

    // Why this item could not be stored, or nothing when it is valid.
    std::optional<Failure> validate() const;
};

} // namespace eq::queue
