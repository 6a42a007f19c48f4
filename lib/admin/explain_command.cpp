// queue-admin explain ROW

#include <fmt/format.h>

#include <iostream>

#include "admin/admin.hpp"
#include "admin/args.hpp"
#include "admin/snapshot.hpp"
#include "admin/terminal.hpp"
#include "db/connection.hpp"
#include "policy/explain.hpp"
#include "queue/email_queue_item.hpp"
#include "suppression/suppression_repository.hpp"

namespace eq::admin {

namespace {

constexpr auto k_row_sql = db::sql(
    "SELECT q.*, COALESCE(r.control, 'active') AS control, r.control_reason,"
    " cr.status AS run_status, l.email AS lead_email, l.deleted_at IS NOT NULL AS lead_deleted,"
    " co.name AS company_name"
    " FROM (SELECT ",
    queue::k_queue_item_columns,
    ", lease_until, claimed_by FROM email_queue"
    "       WHERE id = $1) q"
    " JOIN campaign_runs cr ON cr.id = q.campaign_run_id"
    " JOIN companies co ON co.id = q.company_id"
    " LEFT JOIN email_queue_runs r ON r.campaign_run_id = q.campaign_run_id"
    " LEFT JOIN leads l ON l.id = q.lead_id");
constexpr db::Statement k_row{"explain_row", k_row_sql.c_str()};

// Due rows of the company that queue-process takes before this one.
constexpr db::Statement k_ahead{
    "explain_rows_ahead",
    "SELECT count(*) AS n FROM email_queue e"
    " LEFT JOIN email_queue_runs r ON r.campaign_run_id = e.campaign_run_id"
    " WHERE e.company_id = $1 AND e.status = 'pending' AND e.scheduled_for <= now()"
    "   AND COALESCE(r.control, 'active') = 'active'"
    "   AND (e.priority > $2 OR (e.priority = $2 AND (e.created_at, e.id) < ($3, $4)))"};

// The row's own sending window: in its lead's zone when the lead has a known one.
constexpr db::Statement k_window{
    "explain_row_window",
    "SELECT z.zone, now() AS now, email_queue_window_opens(now(), z.zone, s.days,"
    "   s.window_start, s.window_end, s.company_id) AS opens"
    " FROM email_queue q JOIN email_queue_schedules s ON s.company_id = q.company_id"
    " CROSS JOIN LATERAL (SELECT email_queue_send_zone(q.lead_id, s.timezone) AS zone) z"
    " WHERE q.id = $1 AND s.timezone IS NOT NULL"};

struct ExplainOptions {
    std::string row;
};

int explain(const Context& context, const ExplainOptions& o) {
    const auto id = uuid_arg(o.row, "row id");
    const auto config = cli::load_config(context.common);
    auto conn = cli::connect(config, k_program);
    const auto r = conn.maybe_one(k_row, id);
    if (r.empty()) {
        throw Error(ExitCode::not_found, fmt::format("no queue row {}", id.str()));
    }
    const auto row = r.only();
    policy::RowFacts f;
    f.item = queue::EmailQueueItem::from_row(row);
    f.lease_until = row.opt_time("lease_until");
    f.claimed_by = row.opt_text("claimed_by");
    f.run_control = campaign::run_control_of(row.text("control"));
    f.control_reason = row.opt_text("control_reason");
    f.run_status = row.text("run_status");
    const auto email = row.opt_text("lead_email");
    f.lead_deleted = row.boolean("lead_deleted");
    f.lead_has_email = email && !email->empty();
    const auto company_name = row.text("company_name");
    if (f.lead_has_email) {
        if (const auto s = suppression::find_suppression(conn, f.item.company_id, *email)) {
            f.suppressed = true;
            f.suppression_reason = s->reason;
        }
    }
    const auto snap =
        load_snapshot(conn, f.item.company_id, throttle::ThrottleDefaults::from(config));
    const auto& company = snap.companies.front();
    f.company = company.send;
    f.hold_reason = company.hold_reason;
    f.company.window_opens.reset();
    f.company.window_never_opens = false;
    if (const auto w = conn.maybe_one(k_window, id); !w.empty()) {
        const auto wrow = w.only();
        const auto opens = wrow.opt_time("opens");
        f.window_zone = wrow.text("zone");
        f.company.window_never_opens = !opens;
        if (opens && *opens > wrow.time("now")) {
            f.company.window_opens = opens;
        }
    }
    if (f.item.status == queue::QueueStatus::pending) {
        f.rows_ahead =
            conn.one(k_ahead, f.item.company_id, f.item.priority, f.item.created_at, f.item.id)
                .only()
                .integer("n");
    }
    const auto reasons = policy::explain_row(f, snap.now);
    if (context.common.json) {
        Json list = Json::array();
        for (const auto& reason : reasons) {
            list.push(Json(Json::Object{{"code", reason.code},
                                        {"message", reason.message},
                                        {"until", time_json(reason.until)}}));
        }
        cli::print_json(Json(Json::Object{{"row_id", id.str()},
                                          {"status", std::string(queue::to_string(f.item.status))},
                                          {"company_id", f.item.company_id.str()},
                                          {"company_name", company_name},
                                          {"campaign_run_id", f.item.campaign_run_id.str()},
                                          {"lead_id", f.item.lead_id.str()},
                                          {"to", Json(email)},
                                          {"priority", f.item.priority},
                                          {"created_at", format_timestamp(f.item.created_at)},
                                          {"scheduled_for", format_timestamp(f.item.scheduled_for)},
                                          {"retry_count", f.item.retry_count},
                                          {"max_retries", f.item.max_retries},
                                          {"error_message", Json(f.item.error_message)},
                                          {"run_control", std::string(to_text(f.run_control))},
                                          {"reasons", std::move(list)}}));
        return 0;
    }
    std::cout << fmt::format("row {}: {}\n", id.str(), queue::to_string(f.item.status))
              << fmt::format("  to {}, company {}, run {}\n", email.value_or("(no address)"),
                             company_name, f.item.campaign_run_id.str())
              << fmt::format("  priority {}, queued {}, attempt {} of {}\n", f.item.priority,
                             format_timestamp(f.item.created_at), f.item.retry_count,
                             f.item.max_retries);
    for (const auto& reason : reasons) {
        const bool good = reason.code == "due" || reason.code == "sent";
        std::cout << "- " << paint(reason.message, good ? Colour::green : Colour::yellow) << '\n';
    }
    return 0;
}

} // namespace

void setup_explain(CLI::App& app, Context& context) {
    auto* e = app.add_subcommand("explain", "Why a queue row has not been sent yet");
    auto o = std::make_shared<ExplainOptions>();
    e->add_option("ROW", o->row, "Queue row id (UUID)")->required();
    e->callback([&context, o] { context.action = [&context, o] { return explain(context, *o); }; });
}

} // namespace eq::admin
