// queue-admin stats [--company ID] [--since DURATION]

#include <fmt/format.h>

#include <iostream>

#include "admin/admin.hpp"
#include "admin/args.hpp"
#include "admin/terminal.hpp"
#include "db/connection.hpp"

namespace eq::admin {

namespace {

using namespace std::chrono;

// Every bucket of the period, empty ones included.
constexpr db::Statement k_buckets{
    "stats_buckets",
    "SELECT g.b AS bucket,"
    " count(e.id) FILTER (WHERE e.status = 'sent') AS sent,"
    " count(e.id) FILTER (WHERE e.status = 'failed') AS failed"
    " FROM generate_series(date_trunc($3, $2::timestamptz), date_trunc($3, now()), $4::interval)"
    "   AS g(b)"
    " LEFT JOIN email_queue e ON e.status IN ('sent', 'failed')"
    "   AND e.processed_at >= $2 AND e.processed_at >= g.b AND e.processed_at < g.b + $4::interval"
    "   AND ($1::uuid IS NULL OR e.company_id = $1)"
    " GROUP BY g.b ORDER BY g.b"};

constexpr db::Statement k_totals{
    "stats_totals",
    "SELECT count(*) FILTER (WHERE status = 'sent') AS sent,"
    " count(*) FILTER (WHERE status = 'failed') AS failed,"
    " count(*) FILTER (WHERE status = 'held') AS held,"
    " count(*) FILTER (WHERE status = 'skipped') AS skipped,"
    " count(*) FILTER (WHERE status IN ('sent', 'failed') AND retry_count > 0) AS retried,"
    " percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM processed_at - created_at))"
    "   FILTER (WHERE status = 'sent') AS latency_median,"
    " percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM processed_at - created_at))"
    "   FILTER (WHERE status = 'sent') AS latency_p95"
    " FROM email_queue"
    " WHERE status IN ('sent', 'failed', 'held', 'skipped') AND processed_at >= $2"
    "   AND ($1::uuid IS NULL OR company_id = $1)"};

// Errors of rows that failed, were held, or are waiting to retry in the period.
constexpr db::Statement k_errors{
    "stats_top_errors",
    "SELECT error_message, count(*) AS n FROM email_queue"
    " WHERE error_message IS NOT NULL AND ($1::uuid IS NULL OR company_id = $1)"
    "   AND ((status IN ('failed', 'held') AND processed_at >= $2)"
    "     OR (status = 'pending' AND retry_count > 0 AND last_attempt_at >= $2))"
    " GROUP BY error_message ORDER BY n DESC, error_message LIMIT 5"};

struct StatsOptions {
    std::string company;
    std::string since = "24h";
};

double rate(std::int64_t part, std::int64_t whole) {
    return whole > 0 ? static_cast<double>(part) / static_cast<double>(whole) : 0.0;
}

std::string seconds_text(double s) {
    return format_duration(Seconds(static_cast<std::int64_t>(s + 0.5)));
}

int stats(const Context& context, const StatsOptions& o) {
    std::optional<Uuid> company;
    if (!o.company.empty()) {
        company = uuid_arg(o.company, "--company");
    }
    const auto period = duration_arg(o.since, "--since");
    if (period <= Seconds(0)) {
        throw Error(ExitCode::usage, "--since: the period must be longer than 0s");
    }
    // Hourly buckets up to two days, daily ones beyond: a chart that fits a screen.
    const bool hourly = period <= hours(48);
    const auto config = cli::load_config(context.common);
    auto conn = cli::connect(config, k_program);
    db::Transaction tx(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    if (company) {
        require_company(conn, *company);
    }
    const auto now = database_now(conn);
    const auto since = now - period;
    struct Bucket {
        Timestamp start;
        std::int64_t sent, failed;
    };
    std::vector<Bucket> buckets;
    for (const auto row : conn.rows(k_buckets, company, since, hourly ? "hour" : "day",
                                    hourly ? "1 hour" : "1 day")) {
        buckets.push_back({row.time("bucket"), row.integer("sent"), row.integer("failed")});
    }
    const auto t = conn.one(k_totals, company, since);
    const auto tr = t.only();
    const auto sent = tr.integer("sent"), failed = tr.integer("failed"), held = tr.integer("held"),
               skipped = tr.integer("skipped"), retried = tr.integer("retried");
    // Json and text right away: no sent row is a null, not a zero.
    const auto latency = [&](const char* column) {
        return tr.is_null(column)
                   ? std::pair{Json(), std::string("-")}
                   : std::pair{Json(tr.number(column)), seconds_text(tr.number(column))};
    };
    const auto [median_json, median_text] = latency("latency_median");
    const auto [p95_json, p95_text] = latency("latency_p95");
    std::vector<std::pair<std::string, std::int64_t>> errors;
    for (const auto row : conn.rows(k_errors, company, since)) {
        errors.emplace_back(row.text("error_message"), row.integer("n"));
    }
    tx.commit();
    const double failure_rate = rate(failed, sent + failed);
    const double retry_rate = rate(retried, sent + failed);
    if (context.common.json) {
        Json per = Json::array();
        for (const auto& b : buckets) {
            per.push(Json(Json::Object{
                {"start", format_timestamp(b.start)}, {"sent", b.sent}, {"failed", b.failed}}));
        }
        Json top = Json::array();
        for (const auto& [message, n] : errors) {
            top.push(Json(Json::Object{{"message", message}, {"count", n}}));
        }
        cli::print_json(Json(Json::Object{
            {"company_id", company ? Json(company->str()) : Json()},
            {"since", format_timestamp(since)},
            {"until", format_timestamp(now)},
            {"bucket", hourly ? "hour" : "day"},
            {"sent", sent},
            {"failed", failed},
            {"held", held},
            {"skipped", skipped},
            {"retried", retried},
            {"failure_rate", failure_rate},
            {"retry_rate", retry_rate},
            {"latency_seconds", Json(Json::Object{{"median", median_json}, {"p95", p95_json}})},
            {"per_bucket", std::move(per)},
            {"top_errors", std::move(top)}}));
        return 0;
    }
    std::int64_t peak = 0;
    for (const auto& b : buckets) {
        peak = std::max(peak, b.sent + b.failed);
    }
    std::cout << fmt::format("sends per {} since {} (# sent, x failed)\n", hourly ? "hour" : "day",
                             short_time(since));
    for (const auto& b : buckets) {
        const auto label =
            hourly ? short_time(b.start).substr(5) : short_time(b.start).substr(0, 10);
        const auto width = std::size_t{50};
        const auto sent_bar = bar(static_cast<double>(b.sent), static_cast<double>(peak), width);
        const auto failed_cells =
            std::min(bar(static_cast<double>(b.failed), static_cast<double>(peak), width).size(),
                     width - std::min(width, sent_bar.size()));
        std::string x(failed_cells, 'x');
        std::cout << fmt::format("{:<11} ", label) << paint(sent_bar, Colour::green)
                  << paint(x, Colour::red)
                  << std::string(width - std::min(width, sent_bar.size() + x.size()), ' ')
                  << fmt::format(" {:>5}", b.sent)
                  << (b.failed > 0 ? fmt::format(" +{} failed", b.failed) : std::string()) << '\n';
    }
    std::cout << fmt::format("\nsent {}, failed {}, held {}, skipped {}\n", sent, failed, held,
                             skipped)
              << fmt::format("failure rate {:.1f}%, retry rate {:.1f}% (of {} finished rows)\n",
                             failure_rate * 100, retry_rate * 100, sent + failed)
              << fmt::format("latency queued to sent: median {}, p95 {}\n", median_text, p95_text);
    if (!errors.empty()) {
        std::cout << "top errors:\n";
        for (const auto& [message, n] : errors) {
            std::cout << fmt::format("  {:>6}  {}\n", n, fit(message, 70, false));
        }
    }
    return 0;
}

} // namespace

void setup_stats(CLI::App& app, Context& context) {
    auto* s = app.add_subcommand("stats", "Sends per hour, rates, top errors, latency");
    auto o = std::make_shared<StatsOptions>();
    s->add_option("--company", o->company, "Only this company")->type_name("ID");
    s->add_option("--since", o->since, "The period, back from now (default 24h)")
        ->type_name("DURATION");
    s->callback([&context, o] { context.action = [&context, o] { return stats(context, *o); }; });
}

} // namespace eq::admin
