#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "support/smtp_sink.hpp"
#include "support/test_database.hpp"

namespace eq::test {

// The delivery guarantee checked from both ends: the queue's rows (by status and
// Message-ID) against the messages an SMTP server received (by their Message-ID header).
struct DeliveryAudit {
    std::int64_t rows = 0;
    std::map<std::string, std::int64_t> by_status; // every status present, with its count
    std::int64_t messages = 0;                     // received by the server
    std::int64_t duplicates = 0;                   // messages beyond the first of one Message-ID
    // Messages beyond the first to one recipient (To header): in these suites every row
    // has an address of its own, so this catches a row sent twice under two Message-IDs.
    std::int64_t duplicate_recipients = 0;
    std::int64_t sent_not_received = 0; // 'sent' rows whose message never arrived
    std::int64_t received_not_sent = 0; // messages of rows neither 'sent' nor 'held'
    std::int64_t stray = 0;             // messages whose Message-ID is on no row
    std::int64_t held_received = 0;     // 'held' rows the server did receive
    std::int64_t held_not_received = 0; // 'held' rows it did not

    std::int64_t count(const std::string& status) const;
    // Every row ends sent, held, failed, skipped or cancelled; none pending or processing.
    bool drained() const;
    // No message twice (by Message-ID or by recipient), every sent row received once,
    // nothing received for a row that could be sent again, nothing received that is no
    // row's.
    bool exactly_once() const;
    // One line for a failure message.
    std::string describe() const;
};

// Reads the rows of `db` (as its owner) against the messages a server received (each
// message's text, headers first).
DeliveryAudit audit_delivery(const TestDatabase& db, const std::vector<std::string>& messages);
// The same for an smtp-sink's messages.
DeliveryAudit audit_delivery(const TestDatabase& db,
                             const std::vector<SmtpSink::Message>& messages);

} // namespace eq::test
