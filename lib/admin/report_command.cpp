// queue-admin report --output FILE.html

#include <fmt/format.h>

#include <iostream>
#include <map>

#include "admin/admin.hpp"
#include "admin/atomic_file.hpp"
#include "admin/snapshot.hpp"
#include "admin/terminal.hpp"
#include "db/connection.hpp"
#include "report/html.hpp"
#include "report/svg_chart.hpp"
#include "util/strings.hpp"

namespace eq::admin {

namespace {

// The last 24 hours, hour by hour: rows still queued at the end of each hour, and what
// was sent, failed or held within it.
constexpr db::Statement k_hours{
    "report_hours",
    "WITH hours AS (SELECT generate_series(date_trunc('hour', now()) - interval '23 hours',"
    "   date_trunc('hour', now()), interval '1 hour') AS h),"
    " rel AS (SELECT status, created_at, processed_at FROM email_queue"
    "   WHERE processed_at IS NULL OR processed_at >= now() - interval '25 hours')"
    " SELECT hours.h,"
    " count(rel.created_at) FILTER (WHERE rel.created_at < hours.h + interval '1 hour'"
    "   AND (rel.processed_at IS NULL OR rel.processed_at >= hours.h + interval '1 hour')"
    "   AND rel.status <> 'cancelled') AS depth,"
    " count(rel.created_at) FILTER (WHERE rel.status = 'failed' AND rel.processed_at >= hours.h"
    "   AND rel.processed_at < hours.h + interval '1 hour') AS failed,"
    " count(rel.created_at) FILTER (WHERE rel.status = 'held' AND rel.processed_at >= hours.h"
    "   AND rel.processed_at < hours.h + interval '1 hour') AS held"
    " FROM hours LEFT JOIN rel ON true GROUP BY hours.h ORDER BY hours.h"};

constexpr db::Statement k_company_hours{
    "report_company_hours",
    "SELECT company_id, date_trunc('hour', processed_at) AS h, count(*) AS sent"
    " FROM email_queue WHERE status IN ('sent', 'held')"
    "   AND processed_at >= date_trunc('hour', now()) - interval '23 hours'"
    " GROUP BY company_id, date_trunc('hour', processed_at)"};

constexpr db::Statement k_runs{
    "report_runs",
    "SELECT r.id, c.name AS campaign, co.name AS company, r.status, r.leads_total,"
    " COALESCE(q.control, 'active') AS control,"
    " count(e.id) FILTER (WHERE e.status = 'sent') AS sent,"
    " count(e.id) FILTER (WHERE e.status = 'failed') AS failed,"
    " count(e.id) FILTER (WHERE e.status IN ('pending', 'processing')) AS pending,"
    " count(e.id) FILTER (WHERE e.status = 'held') AS held"
    " FROM campaign_runs r JOIN campaigns c ON c.id = r.campaign_id"
    " JOIN companies co ON co.id = c.company_id"
    " LEFT JOIN email_queue_runs q ON q.campaign_run_id = r.id"
    " LEFT JOIN email_queue e ON e.campaign_run_id = r.id"
    " WHERE COALESCE(q.control, 'active') <> 'cancelled'"
    "   AND (r.status IN ('idle', 'running') OR EXISTS (SELECT 1 FROM email_queue p"
    "     WHERE p.campaign_run_id = r.id AND p.status IN ('pending', 'processing', 'held')))"
    " GROUP BY r.id, c.name, co.name, r.status, r.leads_total, q.control"
    " ORDER BY r.run_at DESC, r.id LIMIT 100"};

// Charts for the busiest companies only: a page that stays readable.
constexpr std::size_t k_max_company_charts = 12;

struct ReportOptions {
    std::string output;
};

std::string n(std::int64_t v) {
    return std::to_string(v);
}

report::Table status_table(const QueueSnapshot& snap) {
    report::Table t{"Queue by company",
                    {"Company", "Due", "Later", "Paused", "Processing", "Held", "Failed", "Skipped",
                     "Last hour", "Last 24 h", "Next send", "Holds"},
                    {},
                    {1, 2, 3, 4, 5, 6, 7}};
    for (const auto& c : snap.companies) {
        std::vector<std::string> holds;
        if (!c.settings.enabled) {
            holds.emplace_back("throttle disabled");
        }
        if (c.account_held(snap.now)) {
            holds.push_back(fmt::format("account error until {}: {}", short_time(*c.held_until),
                                        c.hold_reason.value_or("")));
        }
        if (c.backing_off > 0 && c.backoff_until) {
            holds.push_back(fmt::format("{} backing off until {}", c.backing_off,
                                        short_time(*c.backoff_until)));
        }
        t.rows.push_back({c.name, n(c.due_now), n(c.scheduled_later + c.backing_off), n(c.paused),
                          n(c.processing), n(c.held), n(c.failed), n(c.skipped),
                          fmt::format("{}/{}", c.sent_last_hour, c.settings.max_emails_per_hour),
                          fmt::format("{}/{}", c.sent_last_day, c.settings.max_emails_per_day),
                          c.next.at ? fmt::format("{} ({})", short_time(*c.next.at), c.next.reason)
                                    : std::string(c.next.reason),
                          join(holds, "; ")});
    }
    return t;
}

int report_cmd(const Context& context, const ReportOptions& o) {
    const auto config = cli::load_config(context.common);
    auto conn = cli::connect(config, k_program);
    const auto snap = load_snapshot(conn, std::nullopt, throttle::ThrottleDefaults::from(config));
    const auto last = load_last_run(conn);
    const auto health = policy::evaluate_health(health_facts(snap, last), {});

    std::vector<std::string> labels;
    std::vector<Timestamp> hours;
    std::vector<double> depth, failed, held;
    for (const auto row : conn.rows(k_hours)) {
        hours.push_back(row.time("h"));
        labels.push_back(short_time(hours.back()).substr(11));
        depth.push_back(static_cast<double>(row.integer("depth")));
        failed.push_back(static_cast<double>(row.integer("failed")));
        held.push_back(static_cast<double>(row.integer("held")));
    }
    std::map<Uuid, std::vector<double>> sends;
    for (const auto row : conn.rows(k_company_hours)) {
        auto& v = sends[row.uuid("company_id")];
        v.resize(hours.size(), 0.0);
        const auto h = row.time("h");
        for (std::size_t i = 0; i < hours.size(); ++i) {
            if (hours[i] == h) {
                v[i] = static_cast<double>(row.integer("sent"));
            }
        }
    }
    report::Table runs{
        "Campaign runs in progress",
        {"Run", "Campaign", "Company", "Status", "Sent", "Failed", "Queued", "Held", "Leads"},
        {},
        {4, 5, 6, 7, 8}};
    for (const auto row : conn.rows(k_runs)) {
        const auto control = row.text("control");
        runs.rows.push_back({row.text("id").substr(0, 8), row.text("campaign"), row.text("company"),
                             control == "active" ? row.text("status") : control,
                             n(row.integer("sent")), n(row.integer("failed")),
                             n(row.integer("pending")), n(row.integer("held")),
                             n(row.integer("leads_total"))});
    }

    report::Page page;
    page.title = "emailqueue report";
    page.subtitle =
        fmt::format("Generated {} (database time, UTC). Health: {} - {}",
                    format_timestamp(snap.now), policy::to_string(health.state), health.summary);

    report::Section sending{"Sends per hour against each company's limit",
                            "Sent (and held, possibly sent) rows per hour over the last 24 hours; "
                            "the dashed line is the company's hourly limit.",
                            {},
                            {}};
    std::vector<const CompanyStatus*> busiest;
    for (const auto& c : snap.companies) {
        busiest.push_back(&c);
    }
    std::stable_sort(busiest.begin(), busiest.end(), [](const auto* a, const auto* b) {
        return a->sent_last_day > b->sent_last_day;
    });
    if (busiest.size() > k_max_company_charts) {
        sending.note += fmt::format(" The {} busiest of {} companies are shown.",
                                    k_max_company_charts, busiest.size());
        busiest.resize(k_max_company_charts);
    }
    for (const auto* c : busiest) {
        auto values = sends.count(c->id) ? sends[c->id] : std::vector<double>(hours.size(), 0.0);
        report::Chart chart{
            c->name,
            labels,
            {{"sent", values, "#3b7dd8", report::Series::Kind::bars, false},
             {"hourly limit", std::vector<double>(hours.size(), c->settings.max_emails_per_hour),
              "#d83b3b", report::Series::Kind::line, true}}};
        sending.charts.push_back(report::render_svg_chart(chart));
    }
    if (busiest.empty()) {
        sending.note = "No company has queued email.";
    }

    report::Section queue{"Queue depth and failures",
                          "Rows queued at the end of each hour, and "
                          "rows that failed or were held in it.",
                          {},
                          {}};
    queue.charts.push_back(report::render_svg_chart(
        {"Queue depth",
         labels,
         {{"queued", depth, "#2a9d5c", report::Series::Kind::line, false}}}));
    queue.charts.push_back(report::render_svg_chart(
        {"Failures",
         labels,
         {{"failed", failed, "#d83b3b", report::Series::Kind::bars, false},
          {"held (outcome unknown)", held, "#e0a030", report::Series::Kind::bars, false}}}));

    report::Section status{"Status", "", {}, {status_table(snap), runs}};
    report::Table checks{"Health checks", {"Check", "State", "Detail"}, {}, {}};
    for (const auto& c : health.checks) {
        checks.rows.push_back({c.name, std::string(policy::to_string(c.state)), c.message});
    }
    status.tables.push_back(std::move(checks));
    page.sections = {std::move(sending), std::move(queue), std::move(status)};

    const auto html = report::render_page(page);
    write_file_atomically(o.output, html);
    if (context.common.json) {
        cli::print_json(Json(Json::Object{{"output", o.output},
                                          {"bytes", html.size()},
                                          {"companies", snap.companies.size()},
                                          {"charts", busiest.size() + 2}}));
    } else if (cli::stdout_is_terminal()) {
        std::cout << fmt::format("wrote {} ({} companies)\n", o.output, snap.companies.size());
    }
    return 0;
}

} // namespace

void setup_report(CLI::App& app, Context& context) {
    auto* r = app.add_subcommand("report", "One self-contained HTML page with charts");
    auto o = std::make_shared<ReportOptions>();
    r->add_option("--output", o->output, "The HTML file to write (atomically)")
        ->type_name("FILE")
        ->required();
    r->callback(
        [&context, o] { context.action = [&context, o] { return report_cmd(context, *o); }; });
}

} // namespace eq::admin
