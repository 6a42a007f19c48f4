// queue-admin mark-sent ROW...

#include <fmt/format.h>

#include <algorithm>
#include <iostream>

#include "admin/admin.hpp"
#include "admin/args.hpp"
#include "admin/terminal.hpp"
#include "db/connection.hpp"
#include "queue/email_queue_item.hpp"

namespace eq::admin {

namespace {

constexpr db::Statement k_lock{"mark_sent_lock",
                               "SELECT status FROM email_queue WHERE id = $1 FOR UPDATE"};

// processed_at stays when it is set: that is when the message went (it already counts
// in the company's windows).
constexpr db::Statement k_mark{
    "mark_sent",
    "UPDATE email_queue SET status = 'sent', processed_at = COALESCE(processed_at, now()),"
    " lease_until = NULL WHERE id = $1 AND status = 'held'"};

// A follow-up (the web application's reminder or reply) is not a new lead of its run.
constexpr auto k_progress_sql =
    db::sql("UPDATE campaign_runs SET leads_processed = leads_processed + 1"
            " WHERE id = (SELECT campaign_run_id FROM email_queue WHERE id = $1 AND ",
            queue::k_first_email, ")");
constexpr db::Statement k_progress{"mark_sent_progress", k_progress_sql.c_str()};

struct MarkSentOptions {
    std::vector<std::string> rows;
};

int mark_sent(const Context& context, const MarkSentOptions& o) {
    std::vector<Uuid> ids;
    for (const auto& text : o.rows) {
        const auto id = uuid_arg(text, "row id");
        if (std::find(ids.begin(), ids.end(), id) == ids.end()) {
            ids.push_back(id);
        }
    }
    const auto config = cli::load_config(context.common);
    auto conn = cli::connect(config, k_program);
    db::Transaction tx(conn);
    // Every row is checked before any is changed: all of them or none.
    for (const auto& id : ids) {
        const auto r = conn.maybe_one(k_lock, id);
        if (r.empty()) {
            throw Error(ExitCode::not_found, fmt::format("no queue row {}", id.str()));
        }
        const auto status = r.only().text("status");
        if (const auto parsed = queue::parse_queue_status(status);
            !parsed || *parsed != queue::QueueStatus::held) {
            throw Error(ExitCode::conflict,
                        fmt::format("queue row {} is {}, not held: only rows whose SMTP outcome "
                                    "is unknown can be marked sent",
                                    id.str(), status));
        }
    }
    for (std::size_t i = 0; i < ids.size(); ++i) {
        conn.none(k_mark, ids[i]);
        conn.none(k_progress, ids[i]);
    }
    tx.commit();
    if (context.common.json) {
        Json list = Json::array();
        for (const auto& id : ids) {
            list.push(id.str());
        }
        cli::print_json(Json(Json::Object{{"marked_sent", std::move(list)}}));
    } else if (announce_changes(false)) {
        std::cout << fmt::format("{} row{} marked sent\n", ids.size(), ids.size() == 1 ? "" : "s");
    }
    return 0;
}

} // namespace

void setup_mark_sent(CLI::App& app, Context& context) {
    auto* m = app.add_subcommand("mark-sent", "Confirm that held rows were delivered");
    auto o = std::make_shared<MarkSentOptions>();
    m->add_option("ROW", o->rows, "Queue row ids (UUIDs)")->required();
    m->callback(
        [&context, o] { context.action = [&context, o] { return mark_sent(context, *o); }; });
}

} // namespace eq::admin
