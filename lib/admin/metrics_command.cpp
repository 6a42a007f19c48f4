// queue-admin metrics [--output FILE]

#include <fmt/format.h>

#include <iostream>

#include "admin/admin.hpp"
#include "admin/atomic_file.hpp"
#include "admin/prometheus.hpp"
#include "admin/snapshot.hpp"
#include "db/connection.hpp"

namespace eq::admin {

namespace {

struct MetricsOptions {
    std::string output;
};

double epoch_seconds(Timestamp t) {
    return static_cast<double>(t.time_since_epoch().count()) / 1e6;
}

std::vector<MetricFamily> collect(const QueueSnapshot& snap, const std::optional<LastRun>& last) {
    std::vector<MetricFamily> out;
    // The references gauge() hands out must stay valid while later families are added.
    out.reserve(32);
    const auto gauge = [&](std::string name, std::string help) -> MetricFamily& {
        out.push_back({std::move(name), std::move(help), "gauge", {}});
        return out.back();
    };
    auto& rows = gauge("emailqueue_rows", "Queue rows by company and state (due, scheduled, "
                                          "backing_off, paused, processing, stuck, held, failed, "
                                          "skipped).");
    auto& sent_hour =
        gauge("emailqueue_sent_last_hour", "Rows sent or held (possibly sent) in the last hour.");
    auto& sent_day = gauge("emailqueue_sent_last_day",
                           "Rows sent or held (possibly sent) in the last 24 hours.");
    auto& per_hour = gauge("emailqueue_limit_per_hour", "The company's hourly limit.");
    auto& per_day = gauge("emailqueue_limit_per_day", "The company's daily limit.");
    auto& enabled = gauge("emailqueue_throttle_enabled",
                          "1 when the company's queue is processed, 0 when its throttle is "
                          "disabled.");
    auto& held =
        gauge("emailqueue_company_held", "1 while the company is held after an account error.");
    auto& oldest = gauge("emailqueue_oldest_due_age_seconds",
                         "How long the company's oldest due row has been due (0: none).");
    auto& next = gauge("emailqueue_next_send_timestamp_seconds",
                       "When the company's next email can go (absent: none coming).");
    for (const auto& c : snap.companies) {
        const std::vector<std::pair<std::string, std::string>> id{{"company_id", c.id.str()},
                                                                  {"company", c.name}};
        const auto with_state = [&](const char* state) {
            auto labels = id;
            labels.emplace_back("state", state);
            return labels;
        };
        for (const auto& [state, v] :
             {std::pair{"due", c.due_now}, std::pair{"scheduled", c.scheduled_later},
              std::pair{"backing_off", c.backing_off}, std::pair{"paused", c.paused},
              std::pair{"processing", c.processing}, std::pair{"stuck", c.stuck},
              std::pair{"held", c.held}, std::pair{"failed", c.failed},
              std::pair{"skipped", c.skipped}}) {
            rows.samples.push_back({with_state(state), static_cast<double>(v)});
        }
        sent_hour.samples.push_back({id, static_cast<double>(c.sent_last_hour)});
        sent_day.samples.push_back({id, static_cast<double>(c.sent_last_day)});
        per_hour.samples.push_back({id, static_cast<double>(c.settings.max_emails_per_hour)});
        per_day.samples.push_back({id, static_cast<double>(c.settings.max_emails_per_day)});
        enabled.samples.push_back({id, c.settings.enabled ? 1.0 : 0.0});
        held.samples.push_back({id, c.account_held(snap.now) ? 1.0 : 0.0});
        oldest.samples.push_back({id, c.oldest_due ? std::max(0.0, epoch_seconds(snap.now) -
                                                                       epoch_seconds(*c.oldest_due))
                                                   : 0.0});
        if (c.next.at) {
            next.samples.push_back({id, epoch_seconds(*c.next.at)});
        }
    }
    if (last) {
        gauge("emailqueue_last_run_finished_timestamp_seconds",
              "When the newest queue-process run (not a dry run) finished.")
            .samples.push_back({{}, epoch_seconds(last->finished_at)});
        gauge("emailqueue_last_run_duration_seconds", "How long that run took.")
            .samples.push_back(
                {{}, epoch_seconds(last->finished_at) - epoch_seconds(last->started_at)});
        auto& counts =
            gauge("emailqueue_last_run_rows", "What that run did with rows, by outcome.");
        for (const auto& [outcome, v] :
             {std::pair{"sent", last->sent}, std::pair{"failed", last->failed},
              std::pair{"skipped", last->skipped}, std::pair{"held", last->held},
              std::pair{"retried", last->retried}, std::pair{"recovered", last->recovered}}) {
            counts.samples.push_back({{{"outcome", outcome}}, static_cast<double>(v)});
        }
        gauge("emailqueue_last_run_error", "1 when that run ended with an error.")
            .samples.push_back({{}, last->error ? 1.0 : 0.0});
    }
    const auto report = policy::evaluate_health(health_facts(snap, last), {});
    gauge("emailqueue_health_status",
          "queue-admin health with its default limits: 0 OK, 1 WARNING, 2 CRITICAL.")
        .samples.push_back({{}, static_cast<double>(report.state)});
    gauge("emailqueue_metrics_generated_timestamp_seconds", "When these figures were read.")
        .samples.push_back({{}, epoch_seconds(snap.now)});
    return out;
}

int metrics(const Context& context, const MetricsOptions& o) {
    const auto config = cli::load_config(context.common);
    auto conn = cli::connect(config, k_program);
    const auto snap = load_snapshot(conn, std::nullopt, throttle::ThrottleDefaults::from(config));
    const auto families = collect(snap, load_last_run(conn));
    const auto text = render_prometheus(families);
    if (!o.output.empty()) {
        write_file_atomically(o.output, text);
        if (context.common.json) {
            auto out = metrics_json(families);
            out.set("output", o.output);
            cli::print_json(out);
        }
        return 0;
    }
    if (context.common.json) {
        cli::print_json(metrics_json(families));
    } else {
        std::cout << text;
    }
    return 0;
}

} // namespace

void setup_metrics(CLI::App& app, Context& context) {
    auto* m = app.add_subcommand("metrics", "The figures in Prometheus text format");
    auto o = std::make_shared<MetricsOptions>();
    m->add_option("--output", o->output,
                  "Write to FILE atomically (temporary file, then rename) instead of stdout")
        ->type_name("FILE");
    m->callback([&context, o] { context.action = [&context, o] { return metrics(context, *o); }; });
}

} // namespace eq::admin
