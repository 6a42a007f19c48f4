#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "crypto/fernet.hpp"
#include "db/pool.hpp"
#include "util/uuid.hpp"

namespace eq::process {

// What one company's batch did.
struct CompanyResult {
    std::int64_t sent = 0;
    std::int64_t failed = 0;
    std::int64_t skipped = 0;
    std::int64_t held_rows = 0; // outcome unknown
    std::int64_t retried = 0;
    std::int64_t released = 0;   // claimed rows given back unsent (company held, stopping)
    bool company_held = false;   // not sent to: disabled, backing off, or held now
    bool newly_held = false;     // this batch held it (an account-level failure)
    std::string hold_reason;     // why, when company_held
    std::int64_t would_send = 0; // dry run: rows that would be sent
    // Runs auto-paused on their failure rate: "run <id> <reason>".
    std::vector<std::string> auto_paused;
};

// Shared by the batches of one invocation.
struct BatchContext {
    const config::Config& config;
    db::Pool& pool;
    const crypto::FernetKey& key;
    std::string worker; // host:pid:nonce, stored in email_queue.claimed_by
    bool dry_run = false;
    // Asked to stop (SIGINT/SIGTERM, passed on by the invocation): the batch finishes the
    // message in flight and gives the rest of its rows back.
    std::stop_token stop;
};

// One company's turn in an invocation. This file is the sending loop; its parts are
// claim.hpp (1), composer.hpp and delivery.hpp (2, 3), recorder.hpp with
// queue/outcome_writer.hpp (the outcomes and the pipelining), work_ahead.hpp (the rows
// in hand), pacer.hpp and leases.hpp (the batch's time, on a process::Clock):
//  1. under the company's advisory lock, read its throttle settings, sending schedule,
//     sliding-window usage and hold; compute the budget (policy::compute_budget, with
//     the ramped daily limit), plan the paced sends (policy::plan_sends), claim up to
//     that many rows whose sending window is open and reserve the pacing slots;
//  2. decrypt the account's password, open one SMTP session (one reused connection);
//  3. per row, in send order: refuse what cannot be sent (missing lead or campaign, no
//     or invalid address, bad template: failed; suppressed address: skipped), compose
//     and build the message, mark the send started, send, and record the outcome the
//     classifier gives (sent / retry later / failed / held as unknown / hold company);
//     A paced batch sends each row at its planned slot; a permanent recipient failure
//     (5.1.x) adds the address to the company's do_not_email with reason 'bounce'. Each
//     outcome is written in one transaction with a later row's mark; to a server that
//     answers quickly the batch works ahead (the next row's mark sent before the
//     dialogue; once the server has answered, the outcome sent with the mark of the row
//     after next before the next row's mark is read back: at most two such transactions
//     on their way);
//  4. auto-pause runs whose failure rate passed the company's threshold, and complete
//     the runs that have nothing left.
// A stop request (SIGINT, SIGTERM) ends the batch after the message in flight; rows not
// yet sent go back to pending (rows marked ahead included). A dry run claims nothing,
// writes nothing and sends nothing: it only composes and builds what would be sent. Throws
// db::DbError when the database fails; rows it holds are then recovered by a later run once their
// lease passes.
CompanyResult run_company_batch(const BatchContext& context, const Uuid& company_id);

} // namespace eq::process
