// queue-admin run list [--company ID] [--active] [--limit N] | run show RUN
//   | run pause RUN | run resume RUN | run cancel RUN   ([--reason R])
//   | run complete RUN [--dry-run]

#include <fmt/format.h>

#include <iostream>

#include "admin/admin.hpp"
#include "admin/args.hpp"
#include "admin/terminal.hpp"
#include "campaign/completion.hpp"
#include "campaign/run_control.hpp"
#include "db/connection.hpp"
#include "db/sql_text.hpp"

namespace eq::admin {

namespace {

// One query for list and show: the run, its campaign and company, its queue control and
// its rows by status.
constexpr db::SqlText k_run_select{
    "SELECT r.id, r.campaign_id, c.name AS campaign_name, c.company_id, co.name AS company_name,"
    " r.run_at, r.leads_total, r.leads_processed, r.status, r.failure_reason,"
    " COALESCE(q.control, 'active') AS control, q.control_reason, q.control_changed_at,"
    " q.enqueued_at, q.completed_at,"
    " s.pending, s.processing, s.sent, s.failed, s.skipped, s.held, s.cancelled, s.rows,"
    " s.last_processed_at"
    " FROM campaign_runs r"
    " JOIN campaigns c ON c.id = r.campaign_id"
    " JOIN companies co ON co.id = c.company_id"
    " LEFT JOIN email_queue_runs q ON q.campaign_run_id = r.id"
    " CROSS JOIN LATERAL (SELECT"
    "   count(*) FILTER (WHERE e.status = 'pending') AS pending,"
    "   count(*) FILTER (WHERE e.status = 'processing') AS processing,"
    "   count(*) FILTER (WHERE e.status = 'sent') AS sent,"
    "   count(*) FILTER (WHERE e.status = 'failed') AS failed,"
    "   count(*) FILTER (WHERE e.status = 'skipped') AS skipped,"
    "   count(*) FILTER (WHERE e.status = 'held') AS held,"
    "   count(*) FILTER (WHERE e.status = 'cancelled') AS cancelled,"
    "   count(*) AS rows, max(e.processed_at) AS last_processed_at"
    "   FROM email_queue e WHERE e.campaign_run_id = r.id) s"};

constexpr auto k_list_sql =
    db::sql(k_run_select,
            " WHERE ($1::uuid IS NULL OR c.company_id = $1)"
            "   AND (NOT $2::boolean OR (COALESCE(q.control, 'active') <> 'cancelled'"
            "     AND (r.status IN ('idle', 'running') OR s.pending + s.processing + s.held > 0)))"
            " ORDER BY r.run_at DESC, r.id"
            " LIMIT $3");
constexpr db::Statement k_list{"run_list", k_list_sql.c_str()};

constexpr auto k_show_sql = db::sql(k_run_select, " WHERE r.id = $1");
constexpr db::Statement k_show{"run_show", k_show_sql.c_str()};

struct RunRow {
    Uuid id, campaign_id, company_id;
    std::string campaign_name, company_name, status;
    campaign::RunControl control = campaign::RunControl::active;
    Timestamp run_at;
    std::int64_t leads_total = 0, leads_processed = 0;
    std::optional<std::string> failure_reason, control_reason;
    std::optional<Timestamp> control_changed_at, enqueued_at, completed_at, last_processed_at;
    std::int64_t pending = 0, processing = 0, sent = 0, failed = 0, skipped = 0, held = 0,
                 cancelled = 0, rows = 0;

    Timestamp started_at() const { return enqueued_at.value_or(run_at); }
    std::optional<Timestamp> finished_at() const {
        if (completed_at) {
            return completed_at;
        }
        return status == "completed" ? last_processed_at : std::nullopt;
    }
    // What the operator cares about first: the queue's control, else the run's status.
    std::string state() const {
        return control == campaign::RunControl::active ? status : std::string(to_text(control));
    }
    std::int64_t total() const { return leads_total > 0 ? leads_total : rows; }
};

RunRow from_row(const db::Row& row) {
    RunRow r;
    r.id = row.uuid("id");
    r.campaign_id = row.uuid("campaign_id");
    r.company_id = row.uuid("company_id");
    r.campaign_name = row.text("campaign_name");
    r.company_name = row.text("company_name");
    r.status = row.text("status");
    r.control = campaign::run_control_of(row.text("control"));
    r.run_at = row.time("run_at");
    r.leads_total = row.integer("leads_total");
    r.leads_processed = row.integer("leads_processed");
    r.failure_reason = row.opt_text("failure_reason");
    r.control_reason = row.opt_text("control_reason");
    r.control_changed_at = row.opt_time("control_changed_at");
    r.enqueued_at = row.opt_time("enqueued_at");
    r.completed_at = row.opt_time("completed_at");
    r.last_processed_at = row.opt_time("last_processed_at");
    r.pending = row.integer("pending");
    r.processing = row.integer("processing");
    r.sent = row.integer("sent");
    r.failed = row.integer("failed");
    r.skipped = row.integer("skipped");
    r.held = row.integer("held");
    r.cancelled = row.integer("cancelled");
    r.rows = row.integer("rows");
    return r;
}

Json run_json(const RunRow& r) {
    return Json(Json::Object{
        {"run_id", r.id.str()},
        {"campaign_id", r.campaign_id.str()},
        {"campaign_name", r.campaign_name},
        {"company_id", r.company_id.str()},
        {"company_name", r.company_name},
        {"status", r.status},
        {"control", std::string(to_text(r.control))},
        {"control_reason", Json(r.control_reason)},
        {"control_changed_at", time_json(r.control_changed_at)},
        {"failure_reason", Json(r.failure_reason)},
        {"leads_total", r.leads_total},
        {"leads_processed", r.leads_processed},
        {"counts", Json(Json::Object{{"pending", r.pending},
                                     {"processing", r.processing},
                                     {"sent", r.sent},
                                     {"failed", r.failed},
                                     {"skipped", r.skipped},
                                     {"held", r.held},
                                     {"cancelled", r.cancelled}})},
        {"run_at", format_timestamp(r.run_at)},
        {"started_at", format_timestamp(r.started_at())},
        {"completed_at", time_json(r.finished_at())},
    });
}

Colour state_colour(const std::string& state) {
    if (state == "cancelled" || state == "failed") {
        return Colour::red;
    }
    if (state == "paused") {
        return Colour::yellow;
    }
    return state == "completed" ? Colour::green : Colour::none;
}

std::string bar_of(const RunRow& r, std::size_t width) {
    return progress_bar(r.sent, r.failed, r.skipped, r.pending + r.processing + r.held, r.total(),
                        width);
}

struct RunOptions {
    std::string company;
    std::string run;
    std::string limit = "50";
    std::string reason;
    bool active = false;
    bool dry_run = false;
};

int list(const Context& context, const RunOptions& o) {
    std::optional<Uuid> company;
    if (!o.company.empty()) {
        company = uuid_arg(o.company, "--company");
    }
    const auto limit = integer_arg(o.limit, "--limit", 0, 1'000'000);
    const auto config = cli::load_config(context.common);
    auto conn = cli::connect(config, k_program);
    if (company) {
        require_company(conn, *company);
    }
    std::vector<RunRow> runs;
    // One more than asked tells whether the list was cut.
    const std::optional<std::int64_t> fetch =
        limit == 0 ? std::nullopt : std::optional<std::int64_t>(limit + 1);
    for (const auto row : conn.rows(k_list, company, o.active, fetch)) {
        runs.push_back(from_row(row));
    }
    const bool truncated = limit > 0 && static_cast<std::int64_t>(runs.size()) > limit;
    if (truncated) {
        runs.pop_back();
    }
    if (context.common.json) {
        Json list = Json::array();
        for (const auto& r : runs) {
            list.push(run_json(r));
        }
        cli::print_json(Json(Json::Object{{"runs", std::move(list)}, {"truncated", truncated}}));
        return 0;
    }
    if (runs.empty()) {
        std::cout << (o.active ? "no active campaign run\n" : "no campaign run\n");
        return 0;
    }
    std::cout << paint(fmt::format("{:<8} {} {:<9} {:<22} {:>9} {}", "RUN", fit("CAMPAIGN", 15),
                                   "STATUS", "PROGRESS", "DONE", "STARTED"),
                       Colour::bold)
              << '\n';
    for (const auto& r : runs) {
        const auto state = r.state();
        std::cout << r.id.str().substr(0, 8) << ' ' << fit(r.campaign_name, 15) << ' '
                  << paint(fit(state, 9), state_colour(state)) << ' ' << bar_of(r, 20) << ' '
                  << fmt::format("{:>9}",
                                 fmt::format("{}/{}", r.sent + r.failed + r.skipped, r.total()))
                  << ' ' << short_time(r.started_at()).substr(5) << '\n';
    }
    if (truncated) {
        std::cout << fmt::format("(the {} newest; --limit 0 lists all)\n", limit);
    }
    return 0;
}

RunRow load_run(db::Connection& conn, const Uuid& id) {
    const auto r = conn.maybe_one(k_show, id);
    if (r.empty()) {
        throw Error(ExitCode::not_found, fmt::format("no campaign run {}", id.str()));
    }
    return from_row(r.only());
}

int show(const Context& context, const RunOptions& o) {
    const auto id = uuid_arg(o.run, "run id");
    const auto config = cli::load_config(context.common);
    auto conn = cli::connect(config, k_program);
    const auto r = load_run(conn, id);
    const auto waiting = campaign::completion_progress(conn, id)->waiting_reason();
    if (context.common.json) {
        auto json = run_json(r);
        json.set("waiting_for",
                 Json(waiting.empty() ? std::nullopt : std::optional<std::string>(waiting)));
        cli::print_json(json);
        return 0;
    }
    const auto state = r.state();
    std::cout << fmt::format("run        {}\n", r.id.str())
              << fmt::format("campaign   {} ({})\n", r.campaign_name, r.campaign_id.str())
              << fmt::format("company    {} ({})\n", r.company_name, r.company_id.str())
              << "status     " << paint(state, state_colour(state));
    if (r.control != campaign::RunControl::active) {
        std::cout << fmt::format(" since {}{}",
                                 r.control_changed_at ? format_timestamp(*r.control_changed_at)
                                                      : std::string("?"),
                                 r.control_reason ? ": " + *r.control_reason : std::string());
    }
    std::cout << fmt::format(" (campaign run status: {})\n", r.status);
    if (r.failure_reason) {
        std::cout << fmt::format("failure    {}\n", *r.failure_reason);
    }
    std::cout << "progress   " << bar_of(r, 40)
              << fmt::format(" {}/{}\n", r.sent + r.failed + r.skipped, r.total())
              << fmt::format("done       {} sent, {} failed, {} skipped, {} cancelled\n", r.sent,
                             r.failed, r.skipped, r.cancelled)
              << fmt::format("queued     {} pending, {} processing, {} held (outcome unknown)\n",
                             r.pending, r.processing, r.held)
              << fmt::format("leads      {} total, {} processed\n", r.leads_total,
                             r.leads_processed)
              << fmt::format("started    {}\n", format_timestamp(r.started_at()));
    const auto done = r.finished_at();
    std::cout << fmt::format("completed  {}\n", done ? format_timestamp(*done) : "-");
    if (!waiting.empty()) {
        std::cout << fmt::format("waiting    {}\n", waiting);
    }
    return 0;
}

// Completes a running run whose queue has drained short of leads_total (the web
// application stopped queueing its leads), with completion's side effects.
int complete(const Context& context, const RunOptions& o) {
    const auto id = uuid_arg(o.run, "run id");
    const auto config = cli::load_config(context.common);
    auto conn = cli::connect(config, k_program);
    const auto progress = campaign::completion_progress(conn, id);
    if (!progress) {
        throw Error(ExitCode::not_found, fmt::format("no campaign run {}", id.str()));
    }
    if (progress->status != "running") {
        throw Error(ExitCode::conflict,
                    fmt::format("campaign run {} is {}, not running", id.str(), progress->status));
    }
    if (progress->unfinished_rows > 0) {
        throw Error(ExitCode::conflict,
                    fmt::format("campaign run {} has {} queue row(s) pending, processing or held: "
                                "not completed (cancel it with queue-admin run cancel, or decide "
                                "its held rows first)",
                                id.str(), progress->unfinished_rows));
    }
    const bool completed = !o.dry_run && campaign::complete_run_by_hand(conn, id);
    if (!o.dry_run && !completed) {
        throw Error(ExitCode::conflict,
                    fmt::format("campaign run {} changed meanwhile: not completed", id.str()));
    }
    if (context.common.json) {
        cli::print_json(Json(Json::Object{{"run_id", id.str()},
                                          {"dry_run", o.dry_run},
                                          {"completed", completed},
                                          {"leads_total", progress->leads_total},
                                          {"processed_leads", progress->processed_leads}}));
    } else if (o.dry_run || announce_changes(false)) {
        std::cout << fmt::format("campaign run {} {}completed with {} of leads_total {} leads "
                                 "processed\n",
                                 id.str(), o.dry_run ? "would be " : "", progress->processed_leads,
                                 progress->leads_total);
    }
    return 0;
}

int control(const Context& context, const RunOptions& o, campaign::ControlVerb verb) {
    const auto id = uuid_arg(o.run, "run id");
    const std::optional<std::string> reason =
        o.reason.empty() ? std::nullopt : std::optional<std::string>(o.reason);
    const auto config = cli::load_config(context.common);
    auto conn = cli::connect(config, k_program);
    const auto change = campaign::control_run(conn, id, verb, reason);
    if (context.common.json) {
        cli::print_json(
            Json(Json::Object{{"run_id", id.str()},
                              {"control", std::string(to_text(change.state.control))},
                              {"changed", change.changed},
                              {"control_reason", Json(change.state.reason)},
                              {"control_changed_at", time_json(change.state.changed_at)},
                              {"rows_cancelled", change.rows_cancelled}}));
    } else if (announce_changes(false)) {
        const auto control = change.state.control;
        if (!change.changed) {
            std::cout << fmt::format("campaign run {} is already {}\n", id.str(),
                                     control == campaign::RunControl::active ? "running"
                                                                             : to_text(control));
        } else if (verb == campaign::ControlVerb::cancel) {
            std::cout << fmt::format("campaign run {} cancelled: {} pending rows will never be "
                                     "sent\n",
                                     id.str(), change.rows_cancelled);
        } else {
            std::cout << fmt::format("campaign run {} {}\n", id.str(),
                                     verb == campaign::ControlVerb::pause ? "paused" : "resumed");
        }
    }
    return 0;
}

} // namespace

void setup_run(CLI::App& app, Context& context) {
    auto* run =
        app.add_subcommand("run", "Campaign runs: progress, pause, resume, cancel, complete");
    run->require_subcommand(1);
    auto o = std::make_shared<RunOptions>();

    auto* list_cmd = run->add_subcommand("list", "Campaign runs, newest first, with progress");
    list_cmd->add_option("--company", o->company, "Only this company's runs")->type_name("ID");
    list_cmd->add_flag("--active", o->active,
                       "Only runs not finished (idle or running, or "
                       "with rows still queued), not cancelled");
    list_cmd->add_option("--limit", o->limit, "At most N runs (default 50; 0: all)")
        ->type_name("N");
    list_cmd->callback(
        [&context, o] { context.action = [&context, o] { return list(context, *o); }; });

    auto* show_cmd = run->add_subcommand("show", "One campaign run in detail");
    show_cmd->add_option("RUN", o->run, "Campaign run id (UUID)")->required();
    show_cmd->callback(
        [&context, o] { context.action = [&context, o] { return show(context, *o); }; });

    auto* complete_cmd = run->add_subcommand(
        "complete", "Complete a running run whose queue drained short of leads_total, with its "
                    "end-of-run schedule");
    complete_cmd->add_option("RUN", o->run, "Campaign run id (UUID)")->required();
    complete_cmd->add_flag("--dry-run", o->dry_run, "Say what would happen, change nothing");
    complete_cmd->callback(
        [&context, o] { context.action = [&context, o] { return complete(context, *o); }; });

    using campaign::ControlVerb;
    for (const auto& [each, help] :
         {std::pair{ControlVerb::pause, "Stop sending a run's rows until it is resumed"},
          std::pair{ControlVerb::resume, "Send a paused run's rows again"},
          std::pair{ControlVerb::cancel, "Cancel a run for good: its pending rows are kept, "
                                         "marked cancelled, never sent"}}) {
        const ControlVerb verb = each;
        auto* cmd = run->add_subcommand(std::string(to_text(verb)), help);
        cmd->add_option("RUN", o->run, "Campaign run id (UUID)")->required();
        cmd->add_option("--reason", o->reason, "Why, recorded with the change")->type_name("TEXT");
        cmd->callback([&context, o, verb] {
            context.action = [&context, o, verb] { return control(context, *o, verb); };
        });
    }
}

} // namespace eq::admin
