#include "process/processor.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <random>
#include <stop_token>
#include <thread>
#include <vector>

#include "bugsnag/notifier.hpp"
#include "campaign/completion.hpp"
#include "cli/app.hpp"
#include "cli/signals.hpp"
#include "crypto/fernet.hpp"
#include "db/connection.hpp"
#include "db/pool.hpp"
#include "log/log.hpp"
#include "process/company_batch.hpp"
#include "process/fault_point.hpp"
#include "queue/abandoned.hpp"
#include "queue/lease.hpp"
#include "queue/queue_repository.hpp"

namespace eq::process {

namespace {

// Held shared by every invocation, tried exclusively by --single.
constexpr long long k_global_lock = 0x656d61696c70; // "emailp"

// How soon a stop signal reaches the workers, and how often the progress line is drawn.
constexpr std::chrono::milliseconds k_stop_poll{50};
constexpr std::chrono::milliseconds k_progress_every{200};

constexpr db::Statement k_try_exclusive{"single_try_lock", "SELECT pg_try_advisory_lock($1) AS ok"};
constexpr db::Statement k_lock_shared{"lock_shared", "SELECT pg_advisory_lock_shared($1)"};
constexpr db::Statement k_unlock_exclusive{"single_unlock", "SELECT pg_advisory_unlock($1) AS ok"};

constexpr db::Statement k_company_exists{"company_exists",
                                         "SELECT 1 AS ok FROM companies WHERE id = $1"};

std::vector<Uuid> due_companies(db::Connection& conn, const Options& options) {
    std::vector<Uuid> out;
    if (options.company) {
        if (conn.maybe_one(k_company_exists, *options.company).empty()) {
            throw Error(ExitCode::not_found, fmt::format("no company {}", options.company->str()));
        }
        out.push_back(*options.company);
        return out;
    }
    // In an order of its own: invocations started together (several hosts on one cron
    // tick) each begin with different companies instead of queueing on the same locks.
    out = queue::due_companies(conn);
    std::shuffle(out.begin(), out.end(), std::mt19937_64{std::random_device{}()});
    return out;
}

crypto::FernetKey derive_key(const config::Config& config) {
    auto key =
        crypto::FernetKey::derive(config.secrets.encryption_key, config.secrets.encryption_salt);
    if (!key) {
        throw Error(ExitCode::config,
                    fmt::format("cannot decrypt the sending accounts' passwords: {}", key.error()),
                    "set ENCRYPTION_KEY and ENCRYPTION_SALT in the environment or in the "
                    "secrets file (secrets_file in the configuration)");
    }
    return std::move(key).value();
}

Timestamp now() {
    return std::chrono::time_point_cast<std::chrono::microseconds>(
        std::chrono::system_clock::now());
}

void process_companies(db::Connection& conn, const config::Config& config, const Options& options,
                       const ProgressFn& progress, Summary& summary, const std::string& host,
                       int pid);

// After a batch failed because the server answered as a transaction pooler makes it
// answer (session mode through one), the rows this run still holds are given back at
// once rather than when their lease passes: over a connection in transaction mode,
// which works through any pooler. A row whose send had started is held (its outcome is
// unknown), never put back to be sent again.
void give_back_rows(const config::Config& config, const std::string& worker,
                    const std::exception_ptr& error) {
    try {
        std::rethrow_exception(error);
    } catch (const db::PoolModeError&) {
        try {
            auto conn = db::Connection::open(config.database.url, "queue-process",
                                             config::PoolMode::transaction);
            queue::recover_abandoned(conn, worker);
        } catch (const std::exception& e) {
            log::warn(fmt::format("cannot give back the rows this run holds (they are "
                                  "recovered once their lease passes): {}",
                                  e.what()));
        }
    } catch (...) {
        // The database is out of reach: the rows are recovered once their lease passes.
    }
}

} // namespace

std::optional<Summary> run_invocation(const config::Config& config, const Options& options,
                                      const ProgressFn& progress) {
    const bool pooled = config.database.pool_mode == config::PoolMode::transaction;
    if (pooled && options.single) {
        throw Error(ExitCode::usage,
                    "--single needs a session lock, which a pooler in transaction mode "
                    "(database.pool_mode: transaction) does not keep",
                    "leave out --single (overlapping runs are safe without it), or run it "
                    "against the database's direct port with database.pool_mode: session");
    }
    auto conn =
        db::Connection::open(config.database.url, "queue-process", config.database.pool_mode);
    if (options.single) {
        if (!conn.one(k_try_exclusive, k_global_lock).only().boolean("ok")) {
            return std::nullopt;
        }
        conn.one(k_lock_shared, k_global_lock);
        if (!conn.one(k_unlock_exclusive, k_global_lock).only().boolean("ok")) {
            throw db::lock_vanished("of --single");
        }
    } else if (!pooled) {
        // Through a transaction pooler the lock would stay behind on a server session
        // after this run: there, runs are only ever overlapping ones.
        conn.one(k_lock_shared, k_global_lock);
    }

    Summary summary;
    summary.dry_run = options.dry_run;
    summary.started_at = now();
    const std::string host = cli::host_name();
    const int pid = static_cast<int>(::getpid());
    if (!options.dry_run) {
        summary.id = start_invocation(conn, host, pid);
    }
    try {
        process_companies(conn, config, options, progress, summary, host, pid);
    } catch (const std::exception& e) {
        // Leave a trace for monitoring when the database still answers.
        if (!options.dry_run) {
            try {
                summary.finished_at = now();
                summary.error = e.what();
                finish_invocation(conn, summary);
            } catch (...) {
            }
        }
        throw;
    }
    summary.finished_at = now();
    if (!summary.errors.empty()) {
        summary.error =
            fmt::format("{} compan{} failed: {}", summary.errors.size(),
                        summary.errors.size() == 1 ? "y" : "ies", summary.errors.front().line());
    }
    if (!options.dry_run) {
        finish_invocation(conn, summary);
    }
    return summary;
}

namespace {

void process_companies(db::Connection& conn, const config::Config& config, const Options& options,
                       const ProgressFn& progress, Summary& summary, const std::string& host,
                       int pid) {
    if (!options.dry_run) {
        const auto recovered = queue::recover_expired(conn, config.processing.resend_unknown);
        summary.recovered = recovered.to_pending + recovered.to_held + recovered.resent;
        summary.held += recovered.to_held;
        summary.skipped += queue::skip_rows_of_deleted_companies(conn);
        campaign::complete_all_finished_runs(conn);
    }

    const auto companies = due_companies(conn, options);
    auto& errors = summary.errors;
    if (!companies.empty()) {
        const auto key = derive_key(config);
        db::Pool pool(config.database.url, "queue-process",
                      static_cast<std::size_t>(config.processing.db_connections),
                      config.database.pool_mode);
        // The workers are handed a stop token; this thread passes the signal flag on to it.
        std::stop_source stop;
        const BatchContext context{
            config,
            pool,
            key,
            fmt::format("{}:{}:{}", host, pid, Uuid::random().str().substr(0, 8)),
            options.dry_run,
            stop.get_token()};

        std::atomic<std::size_t> next{0};
        std::atomic<std::int64_t> done{0};
        std::mutex mutex;
        std::condition_variable finished;
        std::exception_ptr fatal;
        const auto worker = [&] {
            while (!context.stop.stop_requested()) {
                const std::size_t i = next.fetch_add(1);
                if (i >= companies.size()) {
                    break;
                }
                {
                    std::lock_guard lock(mutex);
                    if (fatal) {
                        break;
                    }
                }
                try {
                    const log::Context about{companies[i]};
                    fault_point("batch");
                    // Drained by an overlapping invocation since the listing: nothing to
                    // lock or read.
                    if (!options.company && !queue::has_due_rows(*pool.acquire(), companies[i])) {
                        log::debug(
                            fmt::format("company {}: nothing due any more", companies[i].str()),
                            about);
                        done.fetch_add(1);
                        finished.notify_one();
                        continue;
                    }
                    log::debug(fmt::format("company {}: batch started", companies[i].str()), about);
                    const auto r = run_company_batch(context, companies[i]);
                    if (log::enabled(log::Level::info)) {
                        log::info(fmt::format("company {}: {} sent, {} failed, {} skipped, {} "
                                              "held, {} to retry{}",
                                              companies[i].str(),
                                              options.dry_run ? r.would_send : r.sent, r.failed,
                                              r.skipped, r.held_rows, r.retried,
                                              r.company_held ? " (company held)" : ""),
                                  about);
                    }
                    std::lock_guard lock(mutex);
                    summary.companies_visited += 1;
                    summary.companies_held += r.company_held ? 1 : 0;
                    summary.sent += options.dry_run ? r.would_send : r.sent;
                    summary.failed += r.failed;
                    summary.skipped += r.skipped;
                    summary.held += r.held_rows;
                    summary.retried += r.retried;
                    if (r.newly_held) {
                        summary.holds.push_back(
                            {companies[i], fmt::format("company {} held: {}", companies[i].str(),
                                                       r.hold_reason)});
                    }
                    for (const auto& paused : r.auto_paused) {
                        summary.holds.push_back(
                            {companies[i],
                             fmt::format("company {}: {}", companies[i].str(), paused)});
                    }
                } catch (const db::DbError& e) {
                    std::lock_guard lock(mutex);
                    if (e.code() == ExitCode::unavailable ||
                        dynamic_cast<const db::PoolModeError*>(&e) != nullptr) {
                        fatal = std::current_exception();
                    } else {
                        errors.push_back({companies[i], bugsnag::error_class(e), e.what()});
                    }
                } catch (const std::exception& e) {
                    std::lock_guard lock(mutex);
                    errors.push_back({companies[i], bugsnag::error_class(e), e.what()});
                }
                done.fetch_add(1);
                finished.notify_one();
            }
            finished.notify_one();
        };
        const std::size_t threads = std::min<std::size_t>(
            companies.size(), static_cast<std::size_t>(config.processing.concurrency));
        std::vector<std::thread> pool_threads;
        pool_threads.reserve(threads);
        for (std::size_t t = 0; t < threads; ++t) {
            pool_threads.emplace_back(worker);
        }
        {
            std::unique_lock lock(mutex);
            const auto total = static_cast<std::int64_t>(companies.size());
            auto shown = std::chrono::steady_clock::now();
            std::int64_t shown_done = 0;
            while (done.load() < total && !fatal) {
                if (cli::stop_requested() != 0) {
                    stop.request_stop();
                    break;
                }
                finished.wait_for(lock, k_stop_poll);
                // Redrawn when a company is done, and at least every k_progress_every.
                const auto now = std::chrono::steady_clock::now();
                if (progress && (done.load() != shown_done || now - shown >= k_progress_every)) {
                    shown = now;
                    shown_done = done.load();
                    progress(shown_done, total, summary.sent);
                }
            }
        }
        for (auto& t : pool_threads) {
            t.join();
        }
        if (fatal) {
            give_back_rows(config, context.worker, fatal);
            std::rethrow_exception(fatal);
        }
    }
}

} // namespace

} // namespace eq::process
