#include "queue/abandoned.hpp"

#include "queue/statement_parts.hpp"

namespace eq::queue {

namespace {

constexpr auto k_recover_abandoned_sql = db::sql(
    "UPDATE email_queue SET"
    " status = CASE WHEN send_started_at IS NULL THEN ",
    k_pending_unless_cancelled,
    "          ELSE 'held' END,"
    " processed_at = COALESCE(send_started_at, processed_at),"
    " error_message = CASE WHEN send_started_at IS NULL THEN error_message"
    "   ELSE 'outcome unknown: the run sending it (' || claimed_by || ') stopped on a database "
    "error after the message was handed to the SMTP server; it may have been delivered' END,"
    " claimed_by = CASE WHEN send_started_at IS NULL THEN NULL ELSE claimed_by END,"
    " claimed_at = CASE WHEN send_started_at IS NULL THEN NULL ELSE claimed_at END,"
    " lease_until = NULL"
    " WHERE claimed_by = $1 AND status = 'processing'");
constexpr db::Statement k_recover_abandoned{"recover_abandoned", k_recover_abandoned_sql.c_str()};

} // namespace

std::int64_t recover_abandoned(db::Connection& conn, const std::string& worker) {
    return conn.none(k_recover_abandoned, worker).affected();
}

} // namespace eq::queue
