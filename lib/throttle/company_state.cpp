#include "throttle/company_state.hpp"

namespace eq::throttle {

namespace {

constexpr db::Statement k_get{
    "get_company_state",
    "SELECT held_until, hold_reason, held_since, consecutive_holds, last_sent_at, next_send_at,"
    " COALESCE(held_until > now(), false) AS held_now"
    " FROM email_queue_companies WHERE company_id = $1"};

constexpr db::Statement k_hold{
    "hold_company",
    "INSERT INTO email_queue_companies AS s (company_id, held_until, hold_reason, held_since,"
    "   consecutive_holds, updated_at)"
    " VALUES ($1, now() + make_interval(secs => $3), $2, now(), 1, now())"
    " ON CONFLICT (company_id) DO UPDATE SET held_until = EXCLUDED.held_until,"
    "   hold_reason = EXCLUDED.hold_reason, held_since = COALESCE(s.held_since, now()),"
    "   consecutive_holds = s.consecutive_holds + 1, updated_at = now()"
    " RETURNING held_until"};

constexpr db::Statement k_next_send{
    "set_next_send_at",
    "INSERT INTO email_queue_companies AS s (company_id, next_send_at, updated_at)"
    " VALUES ($1, $2, now())"
    " ON CONFLICT (company_id) DO UPDATE SET next_send_at = EXCLUDED.next_send_at,"
    "   updated_at = now()"};

// clock_timestamp(), not now(): a batch reads it after waiting for its company's lock,
// and now() is when the transaction began, before that wait.
constexpr db::Statement k_now{"database_clock", "SELECT clock_timestamp() AS now"};

} // namespace

CompanyState get_company_state(db::Connection& conn, const Uuid& company_id) {
    const auto r = conn.maybe_one(k_get, company_id);
    if (r.empty()) {
        return {};
    }
    const auto row = r.only();
    return {row.opt_time("held_until"),   row.opt_text("hold_reason"),
            row.opt_time("held_since"),   static_cast<int>(row.integer("consecutive_holds")),
            row.opt_time("last_sent_at"), row.opt_time("next_send_at"),
            row.boolean("held_now")};
}

Timestamp hold_company(db::Connection& conn, const Uuid& company_id, const std::string& reason,
                       Seconds delay) {
    return conn.one(k_hold, company_id, reason, delay.count()).only().time("held_until");
}

void set_next_send_at(db::Connection& conn, const Uuid& company_id, Timestamp at) {
    conn.none(k_next_send, company_id, at);
}

Timestamp database_clock(db::Connection& conn) {
    return conn.one(k_now).only().time("now");
}

} // namespace eq::throttle
