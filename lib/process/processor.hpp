#pragma once

#include <functional>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "process/invocation.hpp"
#include "util/uuid.hpp"

namespace eq::process {

struct Options {
    std::optional<Uuid> company; // only this company
    bool dry_run = false;
    bool single = false; // exit at once when another invocation is running
};

// Progress of a long run, for a terminal: companies done of all, rows sent so far.
using ProgressFn = std::function<void(std::int64_t done, std::int64_t total, std::int64_t sent)>;

// One invocation of queue-process:
//  1. (--single) leave at once if another invocation holds the global lock;
//  2. record the invocation, recover rows of crashed runs whose lease has passed;
//  3. find the companies with due pending rows (never a scan of every company);
//  4. run their batches concurrently: up to processing.concurrency companies at a time,
//     each over its own SMTP connection, sharing processing.db_connections database
//     connections;
//  5. record what happened.
// Per-company failures are counted and reported in Summary::error; a database that
// cannot be reached, at the start or during the run, throws db::DbError (its rows are
// recovered by the next run). Returns nothing when --single found another invocation.
std::optional<Summary> run_invocation(const config::Config& config, const Options& options,
                                      const ProgressFn& progress = {});

} // namespace eq::process
