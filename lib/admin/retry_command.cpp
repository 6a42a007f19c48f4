// queue-admin retry [--run RUN] [--company ID] [--status failed|held] [--error-like TEXT]
//   [--since TIME] [--dry-run]

#include <fmt/format.h>

#include <iostream>

#include "admin/admin.hpp"
#include "admin/args.hpp"
#include "admin/terminal.hpp"
#include "db/connection.hpp"
#include "db/sql_text.hpp"
#include "queue/email_queue_item.hpp"

namespace eq::admin {

namespace {

// Rows of cancelled runs stay as they are: a cancelled run is final.
// Where the filters are among the statement's parameters (NULL: no filter but status).
struct RetryTargetParams {
    int status;
    int run;
    int company;
    int error_like;
    int since;
};
template <RetryTargetParams P>
constexpr auto k_retry_target = db::sql(
    " FROM email_queue e LEFT JOIN email_queue_runs q ON q.campaign_run_id = e.campaign_run_id"
    " WHERE e.status = ",
    db::param<P.status>, " AND COALESCE(q.control, 'active') <> 'cancelled'   AND (",
    db::param<P.run>, "::uuid IS NULL OR e.campaign_run_id = ", db::param<P.run>, ")   AND (",
    db::param<P.company>, "::uuid IS NULL OR e.company_id = ", db::param<P.company>, ")   AND (",
    db::param<P.error_like>,
    "::text IS NULL OR strpos(lower(COALESCE(e.error_message, '')), lower(",
    db::param<P.error_like>, ")) > 0)   AND (", db::param<P.since>,
    "::timestamptz IS NULL"
    "        OR COALESCE(e.processed_at, e.last_attempt_at, e.created_at) >= ",
    db::param<P.since>, ")");

constexpr RetryTargetParams k_target_params{
    .status = 1, .run = 2, .company = 3, .error_like = 4, .since = 5};

constexpr auto k_count_sql = db::sql("SELECT count(*) AS n", k_retry_target<k_target_params>);
constexpr db::Statement k_count{"retry_count", k_count_sql.c_str()};

// A re-driven row is due now with its retries reset; its run, if it had completed, runs
// again (the web application shows it running until queue-process completes it anew).
constexpr auto k_retry_sql = db::sql(
    "WITH target AS (SELECT e.id", k_retry_target<k_target_params>,
    " FOR UPDATE OF e),"
    " upd AS (UPDATE email_queue e SET status = 'pending', retry_count = 0,"
    "   scheduled_for = now(), processed_at = NULL, claimed_by = NULL, claimed_at = NULL,"
    "   lease_until = NULL, send_started_at = NULL"
    "   FROM target t WHERE e.id = t.id RETURNING e.campaign_run_id),"
    " reopened AS (UPDATE campaign_runs r SET status = 'running'"
    "   WHERE r.id IN (SELECT campaign_run_id FROM upd) AND r.status = 'completed'"
    "   RETURNING r.id),"
    " unfinished AS (UPDATE email_queue_runs q SET completed_at = NULL"
    "   WHERE q.campaign_run_id IN (SELECT campaign_run_id FROM upd) AND q.completed_at IS NOT NULL"
    "   RETURNING 1)"
    " SELECT (SELECT count(*) FROM upd) AS n, (SELECT count(*) FROM reopened) AS reopened,"
    " (SELECT count(*) FROM unfinished) AS unfinished");
constexpr db::Statement k_retry{"retry_rows", k_retry_sql.c_str()};

struct RetryOptions {
    std::string run, company, status = "failed", error_like, since;
    bool dry_run = false;
};

int retry(const Context& context, const RetryOptions& o) {
    std::optional<Uuid> run, company;
    if (!o.run.empty()) {
        run = uuid_arg(o.run, "--run");
    }
    if (!o.company.empty()) {
        company = uuid_arg(o.company, "--company");
    }
    const auto status = queue::parse_queue_status(o.status);
    if (!status || (*status != queue::QueueStatus::failed && *status != queue::QueueStatus::held)) {
        throw Error(ExitCode::usage,
                    fmt::format("--status: '{}' is not failed or held", o.status.substr(0, 64)));
    }
    const std::optional<std::string> error_like =
        o.error_like.empty() ? std::nullopt : std::optional<std::string>(o.error_like);
    if (!o.since.empty()) {
        // Checked before connecting; a duration is measured from the database's clock.
        since_arg(o.since, "--since", Timestamp{});
    }
    const auto config = cli::load_config(context.common);
    auto conn = cli::connect(config, k_program);
    db::Transaction tx(conn);
    if (run) {
        require_run(conn, *run);
    }
    if (company) {
        require_company(conn, *company);
    }
    std::optional<Timestamp> since;
    if (!o.since.empty()) {
        since = since_arg(o.since, "--since", database_now(conn));
    }
    std::int64_t rows = 0, reopened = 0;
    if (o.dry_run) {
        rows = conn.one(k_count, o.status, run, company, error_like, since).only().integer("n");
    } else {
        const auto r = conn.one(k_retry, o.status, run, company, error_like, since);
        rows = r.only().integer("n");
        reopened = r.only().integer("reopened");
    }
    tx.commit();
    if (context.common.json) {
        cli::print_json(Json(Json::Object{{"dry_run", o.dry_run},
                                          {"status", o.status},
                                          {"since", time_json(since)},
                                          {"rows", rows},
                                          {"runs_reopened", reopened}}));
    } else if (o.dry_run) {
        std::cout << fmt::format("{} {} row{} would go back to pending (dry run: nothing "
                                 "changed)\n",
                                 rows, o.status, rows == 1 ? "" : "s");
    } else if (announce_changes(false)) {
        std::cout << fmt::format("{} {} row{} back to pending, retries reset{}\n", rows, o.status,
                                 rows == 1 ? "" : "s",
                                 reopened > 0 ? fmt::format("; {} completed run{} running again",
                                                            reopened, reopened == 1 ? "" : "s")
                                              : "");
    }
    return 0;
}

} // namespace

void setup_retry(CLI::App& app, Context& context) {
    auto* r = app.add_subcommand("retry", "Send failed or held rows again");
    auto o = std::make_shared<RetryOptions>();
    r->add_option("--run", o->run, "Only this campaign run's rows")->type_name("RUN");
    r->add_option("--company", o->company, "Only this company's rows")->type_name("ID");
    r->add_option("--status", o->status,
                  "failed (default) or held (the SMTP outcome was unknown: it may be sent "
                  "twice)")
        ->type_name("STATUS");
    r->add_option("--error-like", o->error_like,
                  "Only rows whose last error contains TEXT (any case)")
        ->type_name("TEXT");
    r->add_option("--since", o->since,
                  "Only rows that finished at or after TIME (or within a duration: 2h, 7d; "
                  "at most 36500d)")
        ->type_name("TIME");
    r->add_flag("--dry-run", o->dry_run, "Count the rows, change nothing");
    r->callback([&context, o] { context.action = [&context, o] { return retry(context, *o); }; });
}

} // namespace eq::admin
