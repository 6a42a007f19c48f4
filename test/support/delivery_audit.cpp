#include "support/delivery_audit.hpp"

#include <fmt/format.h>

#include "support/process_fixture.hpp"

namespace eq::test {

std::int64_t DeliveryAudit::count(const std::string& status) const {
    const auto it = by_status.find(status);
    return it == by_status.end() ? 0 : it->second;
}

bool DeliveryAudit::drained() const {
    return count("pending") == 0 && count("processing") == 0;
}

bool DeliveryAudit::exactly_once() const {
    return duplicates == 0 && duplicate_recipients == 0 && sent_not_received == 0 &&
           received_not_sent == 0 && stray == 0;
}

std::string DeliveryAudit::describe() const {
    std::string statuses;
    for (const auto& [status, n] : by_status) {
        statuses += fmt::format("{}{} {}", statuses.empty() ? "" : ", ", n, status);
    }
    return fmt::format("{} rows ({}); {} messages received: {} duplicates, {} to a recipient "
                       "already served, {} sent rows not received, {} received for rows not "
                       "sent or held, {} stray; held: {} received, {} not",
                       rows, statuses, messages, duplicates, duplicate_recipients,
                       sent_not_received, received_not_sent, stray, held_received,
                       held_not_received);
}

DeliveryAudit audit_delivery(const TestDatabase& db,
                             const std::vector<SmtpSink::Message>& messages) {
    std::vector<std::string> contents;
    contents.reserve(messages.size());
    for (const auto& m : messages) {
        contents.push_back(m.content);
    }
    return audit_delivery(db, contents);
}

DeliveryAudit audit_delivery(const TestDatabase& db, const std::vector<std::string>& messages) {
    DeliveryAudit a;
    std::map<std::string, std::int64_t> received, recipients;
    for (const auto& m : messages) {
        ++received[header_of(m, "Message-ID")];
        ++recipients[header_of(m, "To")];
        ++a.messages;
    }
    for (const auto& [id, n] : received) {
        a.duplicates += n - 1;
    }
    for (const auto& [to, n] : recipients) {
        a.duplicate_recipients += n - 1;
    }
    auto conn = db.connect();
    constexpr db::Statement k_rows{"audit_rows", "SELECT status, sent_message_id FROM email_queue"};
    std::map<std::string, std::string> status_of; // by Message-ID
    for (const auto row : conn.rows(k_rows)) {
        const auto status = row.text("status");
        ++a.rows;
        ++a.by_status[status];
        const auto id = row.opt_text("sent_message_id");
        const bool got = id && received.contains(*id);
        if (id) {
            status_of[*id] = status;
        }
        if (status == "sent" && !got) {
            ++a.sent_not_received;
        } else if (status == "held") {
            ++(got ? a.held_received : a.held_not_received);
        } else if (status != "sent" && got) {
            ++a.received_not_sent;
        }
    }
    for (const auto& [id, n] : received) {
        if (!status_of.contains(id)) {
            a.stray += n;
        }
    }
    return a;
}

} // namespace eq::test
