// queue-admin priority RUN --set N | priority --lead LEAD --run RUN --set N

#include <fmt/format.h>

#include <iostream>
#include <limits>

#include "admin/admin.hpp"
#include "admin/args.hpp"
#include "admin/terminal.hpp"
#include "db/connection.hpp"
#include "queue/email_queue_item.hpp"

namespace eq::admin {

namespace {

constexpr db::Statement k_run_rows{
    "priority_run",
    "UPDATE email_queue SET priority = $2 WHERE campaign_run_id = $1 AND status = 'pending'"};

constexpr auto k_lead_row_sql =
    db::sql("SELECT id, status FROM email_queue WHERE campaign_run_id = $1 AND lead_id = $2"
            " AND duplicate_of IS NULL AND ",
            queue::k_first_email, " FOR UPDATE");
constexpr db::Statement k_lead_row{"priority_find_lead_row", k_lead_row_sql.c_str()};

constexpr db::Statement k_lead_set{
    "priority_lead", "UPDATE email_queue SET priority = $2 WHERE id = $1 AND status = 'pending'"};

struct PriorityOptions {
    std::string run_positional;
    std::string run;
    std::string lead;
    std::string value;
};

int priority(const Context& context, const PriorityOptions& o) {
    if (!o.run_positional.empty() && !o.run.empty()) {
        throw Error(ExitCode::usage, "priority: give the run once, as RUN or as --run");
    }
    const auto& run_text = o.run.empty() ? o.run_positional : o.run;
    if (run_text.empty()) {
        throw Error(ExitCode::usage, "priority: which campaign run?",
                    "queue-admin priority RUN --set N, or --lead LEAD --run RUN --set N");
    }
    const auto run = uuid_arg(run_text, "run id");
    std::optional<Uuid> lead;
    if (!o.lead.empty()) {
        lead = uuid_arg(o.lead, "--lead");
    }
    const auto value = integer_arg(o.value, "--set", 0, std::numeric_limits<int>::max());
    const auto config = cli::load_config(context.common);
    auto conn = cli::connect(config, k_program);
    db::Transaction tx(conn);
    require_run(conn, run);
    std::int64_t updated = 0;
    if (lead) {
        const auto r = conn.maybe_one(k_lead_row, run, *lead);
        if (r.empty()) {
            throw Error(ExitCode::not_found, fmt::format("lead {} has no row in campaign run {}",
                                                         lead->str(), run.str()));
        }
        const auto row = r.only();
        if (from_text<queue::QueueStatus>(row.text("status")) != queue::QueueStatus::pending) {
            throw Error(ExitCode::conflict,
                        fmt::format("queue row {} of lead {} is {}: only pending rows can be "
                                    "reprioritised",
                                    row.text("id"), lead->str(), row.text("status")));
        }
        updated = conn.none(k_lead_set, row.uuid("id"), value).affected();
    } else {
        updated = conn.none(k_run_rows, run, value).affected();
    }
    tx.commit();
    if (context.common.json) {
        cli::print_json(Json(Json::Object{{"run_id", run.str()},
                                          {"lead_id", lead ? Json(lead->str()) : Json()},
                                          {"priority", value},
                                          {"rows_updated", updated}}));
    } else if (announce_changes(false)) {
        std::cout << fmt::format("{} pending row{} now at priority {} (higher is sent first)\n",
                                 updated, updated == 1 ? "" : "s", value);
    }
    return 0;
}

} // namespace

void setup_priority(CLI::App& app, Context& context) {
    auto* p = app.add_subcommand("priority", "Reorder what is still pending");
    auto o = std::make_shared<PriorityOptions>();
    p->add_option("RUN", o->run_positional, "Campaign run id (UUID): every pending row of it");
    p->add_option("--run", o->run, "Campaign run id (with --lead)")->type_name("RUN");
    p->add_option("--lead", o->lead, "Only this lead's row of the run")->type_name("LEAD");
    p->add_option("--set", o->value, "The new priority (0 or more; the default is 1)")
        ->type_name("N")
        ->required();
    p->callback(
        [&context, o] { context.action = [&context, o] { return priority(context, *o); }; });
}

} // namespace eq::admin
