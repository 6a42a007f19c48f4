#pragma once

#include <optional>
#include <string>

#include "db/connection.hpp"
#include "util/time.hpp"
#include "util/uuid.hpp"

namespace eq::throttle {

// A company's sending state kept by the queue (email_queue_companies). A company is held
// after an account-level failure: no row of it is claimed before held_until.
struct CompanyState {
    std::optional<Timestamp> held_until;
    std::optional<std::string> hold_reason;
    std::optional<Timestamp> held_since; // start of the current run of holds
    int consecutive_holds = 0;           // holds since the last successful send
    std::optional<Timestamp> last_sent_at;
    std::optional<Timestamp> next_send_at; // pacing: no send of the company before this
    bool held_now = false;                 // held_until is still ahead, by the database's clock
};

// The state, or the empty state when the company has no row yet.
CompanyState get_company_state(db::Connection& conn, const Uuid& company_id);

// Holds the company for `delay` from now (database clock) with the reason shown by
// queue-admin status; counts the hold. Returns when the hold ends.
Timestamp hold_company(db::Connection& conn, const Uuid& company_id, const std::string& reason,
                       Seconds delay);

// Pacing: stores when the company's next send may start (the slot after the last one a
// run planned). Call under the company's lock.
void set_next_send_at(db::Connection& conn, const Uuid& company_id, Timestamp at);

// The database's clock at this moment (not the transaction's start), for policies that
// take the time as an argument.
Timestamp database_clock(db::Connection& conn);

} // namespace eq::throttle
