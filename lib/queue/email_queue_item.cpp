#include "queue/email_queue_item.hpp"

#include <fmt/format.h>

#include <array>

#include "db/result.hpp"
#include "util/enum_text.hpp"
#include "util/error.hpp"

namespace eq::queue {

namespace {

constexpr EnumTexts<QueueStatus, 7> k_names{{
    {QueueStatus::pending, "pending"},
    {QueueStatus::processing, "processing"},
    {QueueStatus::sent, "sent"},
    {QueueStatus::failed, "failed"},
    {QueueStatus::skipped, "skipped"},
    {QueueStatus::held, "held"},
    {QueueStatus::cancelled, "cancelled"},
}};

} // namespace

// email_queue.status's values.
EnumTexts<QueueStatus, 7> enum_texts(QueueStatus) {
    return k_names;
}

std::string_view to_string(QueueStatus s) {
    return to_text(s);
}

Expected<QueueStatus> parse_queue_status(std::string_view text) {
    if (const auto s = from_text<QueueStatus>(text)) {
        return *s;
    }
    return fail(fmt::format("unknown queue status '{}' (expected {})", text.substr(0, 32),
                            enum_names<QueueStatus>(" or ")));
}

bool is_final(QueueStatus s) {
    return s == QueueStatus::sent || s == QueueStatus::failed || s == QueueStatus::skipped ||
           s == QueueStatus::cancelled;
}

EmailQueueItem EmailQueueItem::from_row(const db::Row& row) {
    EmailQueueItem item{
        .id = row.uuid("id"),
        .company_id = row.uuid("company_id"),
        .campaign_id = row.uuid("campaign_id"),
        .campaign_run_id = row.uuid("campaign_run_id"),
        .lead_id = row.uuid("lead_id"),
    };
    const auto status = parse_queue_status(row.text("status"));
    if (!status) {
        throw Error(ExitCode::data, fmt::format("queue row {}: {}", item.id.str(), status.error()));
    }
    item.status = *status;
    item.priority = static_cast<int>(row.integer("priority"));
    // Both may be NULL in the web application's table (no NOT NULL there).
    item.created_at = row.opt_time("created_at").value_or(Timestamp{});
    item.scheduled_for = row.opt_time("scheduled_for").value_or(item.created_at);
    item.processed_at = row.opt_time("processed_at");
    item.retry_count = static_cast<int>(row.integer("retry_count"));
    item.max_retries = static_cast<int>(row.integer("max_retries"));
    item.error_message = row.opt_text("error_message");
    item.subject = row.opt_text("subject");
    item.email_body = row.opt_text("email_body");
    item.message_id = row.opt_text("message_id");
    item.reference_ids = row.opt_text("reference_ids");
    item.email_log_id = row.opt_uuid("email_log_id");
    item.sent_message_id = row.opt_text("sent_message_id");
    item.sent_email_log_id = row.opt_uuid("sent_email_log_id");
    item.company_holds = static_cast<int>(row.integer("company_holds"));
    return item;
}

std::optional<Failure> EmailQueueItem::validate() const {
    if (retry_count < 0) {
        return fail(fmt::format("retry_count {} is negative", retry_count));
    }
    if (max_retries < 0) {
        return fail(fmt::format("max_retries {} is negative", max_retries));
    }
    if (subject.has_value() != email_body.has_value()) {
        return fail("pre-generated content needs both a subject and a body");
    }
    return std::nullopt;
}

} // namespace eq::queue
