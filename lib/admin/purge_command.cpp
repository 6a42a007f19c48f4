// queue-admin purge --older-than DURATION [--dry-run]

#include <fmt/format.h>

#include <iostream>

#include "admin/admin.hpp"
#include "admin/args.hpp"
#include "admin/terminal.hpp"
#include "db/connection.hpp"
#include "db/sql_text.hpp"

namespace eq::admin {

namespace {

using namespace std::chrono;

// Rows of a run that still has rows queued, in flight or held are kept whole, so that
// the run's history stays complete while it goes on.
// The rows are those last processed (or queued) before the parameter `Before`.
template <int Before>
constexpr auto k_purge_target = db::sql(
    " FROM email_queue e"
    " WHERE e.status IN ('sent', 'failed', 'skipped', 'cancelled')"
    "   AND COALESCE(e.processed_at, e.created_at) < ",
    db::param<Before>,
    "   AND NOT EXISTS (SELECT 1 FROM email_queue p WHERE p.campaign_run_id = e.campaign_run_id"
    "     AND p.status IN ('pending', 'processing', 'held'))");

constexpr auto k_count_sql = db::sql("SELECT count(*) AS n", k_purge_target<1>);
constexpr db::Statement k_count{"purge_count", k_count_sql.c_str()};

// One bounded chunk per transaction; rows another session holds are skipped this time.
constexpr auto k_chunk_sql = db::sql("WITH doomed AS (SELECT e.id", k_purge_target<1>,
                                     " LIMIT $2 FOR UPDATE OF e SKIP LOCKED)"
                                     " DELETE FROM email_queue e USING doomed d WHERE e.id = d.id");
constexpr db::Statement k_chunk{"purge_chunk", k_chunk_sql.c_str()};

constexpr std::int64_t k_chunk_rows = 1000;
// The daily window counts what was sent in the last 24 hours.
constexpr Seconds k_min_age = hours(24);

struct PurgeOptions {
    std::string older_than;
    bool dry_run = false;
};

int purge(const Context& context, const PurgeOptions& o) {
    const auto age = duration_arg(o.older_than, "--older-than");
    if (age < k_min_age) {
        throw Error(ExitCode::usage,
                    fmt::format("--older-than {} is less than 24 hours: sent rows of the last 24 "
                                "hours count against the daily limit",
                                o.older_than),
                    "use --older-than 1d or more");
    }
    const auto config = cli::load_config(context.common);
    auto conn = cli::connect(config, k_program);
    const auto cutoff = database_now(conn) - age;
    std::int64_t rows = 0, chunks = 0;
    const bool progress = !context.common.json && cli::stdout_is_terminal();
    if (o.dry_run) {
        rows = conn.one(k_count, cutoff).only().integer("n");
    } else {
        while (true) {
            db::Transaction tx(conn);
            const auto n = conn.none(k_chunk, cutoff, k_chunk_rows).affected();
            tx.commit();
            rows += n;
            ++chunks;
            if (progress) {
                std::cout << fmt::format("\rpurged {} rows", rows) << std::flush;
            }
            if (n < k_chunk_rows) {
                break;
            }
        }
        if (progress) {
            std::cout << '\r';
        }
    }
    if (context.common.json) {
        cli::print_json(Json(Json::Object{{"dry_run", o.dry_run},
                                          {"older_than_seconds", age.count()},
                                          {"cutoff", format_timestamp(cutoff)},
                                          {"rows", rows},
                                          {"chunks", chunks}}));
    } else if (o.dry_run) {
        std::cout << fmt::format("{} finished rows older than {} would be deleted (dry run: "
                                 "nothing changed)\n",
                                 rows, format_timestamp(cutoff));
    } else if (progress) {
        std::cout << fmt::format("purged {} finished rows older than {}\n", rows,
                                 format_timestamp(cutoff));
    }
    return 0;
}

} // namespace

void setup_purge(CLI::App& app, Context& context) {
    auto* p = app.add_subcommand("purge", "Delete old finished rows, in small chunks");
    auto o = std::make_shared<PurgeOptions>();
    p->add_option("--older-than", o->older_than,
                  "Age of the rows to delete: 30d, 12w (1d to 36500d)")
        ->type_name("DURATION")
        ->required();
    p->add_flag("--dry-run", o->dry_run, "Count the rows, delete nothing");
    p->callback([&context, o] { context.action = [&context, o] { return purge(context, *o); }; });
}

} // namespace eq::admin
