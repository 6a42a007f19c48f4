#include "enqueue/enqueue.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <limits>

#include "cli/app.hpp"
#include "db/connection.hpp"
#include "enqueue/enqueue_run.hpp"
#include "enqueue/summary.hpp"
#include "log/log.hpp"
#include "util/error.hpp"
#include "util/strings.hpp"

namespace eq::enqueue {

namespace {

constexpr std::string_view k_program = "queue-enqueue";

struct CommandLine {
    cli::CommonOptions common;
    std::string run;
    std::string campaign;
    bool due = false;
    std::string priority;
    std::string at;
    bool dry_run = false;
};

void setup(CLI::App& app, CommandLine& cl) {
    cli::init_app(app, k_program, cl.common);
    app.add_option("--run", cl.run, "Fan out this existing campaign run")->type_name("RUN_ID");
    app.add_option("--campaign", cl.campaign,
                   "Create a run of this campaign, fan it out, and print the run's id")
        ->type_name("CAMPAIGN_ID");
    app.add_flag("--due", cl.due,
                 "Start every email campaign whose scheduled time has passed (for cron; safe "
                 "to run concurrently)");
    app.add_option("--priority", cl.priority,
                   "Priority of the new rows (higher is sent first; default 1)")
        ->type_name("N");
    app.add_option("--at", cl.at,
                   "Send no earlier than this ISO 8601 time with a zone, e.g. "
                   "2026-05-01T09:00:00+02:00 (default: now)")
        ->type_name("TIME");
    app.add_flag("--dry-run", cl.dry_run, "Validate and count only; change nothing");
}

// The parts of the command line that need checking beyond CLI11's.
EnqueueOptions enqueue_options(const CommandLine& cl) {
    EnqueueOptions options;
    options.dry_run = cl.dry_run;
    if (!cl.priority.empty()) {
        const auto p =
            parse_integer(cl.priority, "--priority", 0, std::numeric_limits<std::int32_t>::max());
        if (!p) {
            throw Error(ExitCode::usage, p.error());
        }
        options.priority = static_cast<int>(*p);
    }
    if (!cl.at.empty()) {
        const auto t = parse_timestamp(cl.at);
        if (!t) {
            throw Error(ExitCode::usage, fmt::format("--at: {}", t.error()));
        }
        options.scheduled_for = *t;
    }
    return options;
}

// A progress line on stderr while a fan-out runs, erased when it ends.
void show_progress(EnqueueOptions& options) {
    options.on_fan_out_start = [](std::string_view what) {
        log::progress(fmt::format("{}...", what));
    };
    options.on_fan_out_end = [] { log::end_progress(); };
}

// The error for a --run or --campaign whose campaign cannot be sent.
Error validation_error(const RunOutcome& o, bool dry_run) {
    const std::string run = o.run_id ? "run " + o.run_id->str() : "a new run";
    if (dry_run) {
        return Error(ExitCode::data,
                     fmt::format("{} of campaign {} would fail validation: {}", run,
                                 o.campaign_id.str(), *o.failure_reason),
                     "dry run: nothing was changed");
    }
    if (o.status != "failed") {
        return Error(ExitCode::data,
                     fmt::format("{} cannot be fanned out: {}", run, *o.failure_reason),
                     fmt::format("the run stays {} with the rows it has; fix the campaign or "
                                 "the company's account and run this again",
                                 o.status));
    }
    return Error(ExitCode::data, fmt::format("{} failed validation: {}", run, *o.failure_reason),
                 fmt::format("the run is marked failed; fix the campaign or the company's "
                             "account, then start a new run with 'queue-enqueue --campaign {}'",
                             o.campaign_id.str()));
}

int execute(const CommandLine& cl) {
    std::vector<std::string> modes;
    for (const auto& [given, name] :
         {std::pair{!cl.run.empty(), "--run"}, std::pair{!cl.campaign.empty(), "--campaign"},
          std::pair{cl.due, "--due"}}) {
        if (given) {
            modes.emplace_back(name);
        }
    }
    if (modes.size() != 1) {
        throw Error(ExitCode::usage,
                    modes.empty()
                        ? std::string("one of --run, --campaign or --due is required")
                        : fmt::format("{} and {} cannot be used together", modes[0], modes[1]),
                    "run 'queue-enqueue --help' for usage");
    }
    // Everything on the command line is checked before the database is touched.
    const auto run_id =
        cl.run.empty() ? std::nullopt : std::optional<Uuid>(Uuid::from_arg(cl.run, "--run"));
    const auto campaign_id = cl.campaign.empty()
                                 ? std::nullopt
                                 : std::optional<Uuid>(Uuid::from_arg(cl.campaign, "--campaign"));
    auto options = enqueue_options(cl);
    const bool json = cl.common.json;
    const bool terminal = cli::stdout_is_terminal();
    if (!json && cli::stderr_is_terminal()) {
        show_progress(options);
    }

    const auto config = cli::load_config(cl.common);
    auto conn = cli::connect(config, k_program);

    std::vector<RunOutcome> outcomes;
    if (run_id) {
        outcomes.push_back(enqueue_run(conn, config, *run_id, options));
    } else if (campaign_id) {
        outcomes.push_back(enqueue_campaign(conn, config, *campaign_id, options));
    } else {
        outcomes = enqueue_due(conn, config, options);
    }

    if (json) {
        cli::print_json(summary_json(outcomes, cl.dry_run));
    } else if (terminal || cl.dry_run) {
        std::fputs(summary_text(outcomes, cl.dry_run, cl.due).c_str(), stdout);
    } else if (campaign_id && !outcomes.front().failed()) {
        // Off a terminal, --campaign prints the new run's id alone, for scripts.
        std::fputs((outcomes.front().run_id->str() + "\n").c_str(), stdout);
    }
    std::fflush(stdout);

    if (!cl.due) {
        if (outcomes.front().failed()) {
            throw validation_error(outcomes.front(), cl.dry_run);
        }
        return 0;
    }
    // A campaign that failed validation is reported on stderr too, so cron mails it.
    int failed = 0;
    for (const auto& o : outcomes) {
        if (o.failed()) {
            ++failed;
            if (!cl.dry_run && (json || !terminal)) {
                log::warn(fmt::format("campaign {}: run {} failed validation: {}",
                                      o.campaign_id.str(), o.run_id->str(), *o.failure_reason),
                          log::Context{.company = o.company_id, .run = o.run_id});
            }
        }
    }
    return failed == 0 ? 0 : to_int(ExitCode::partial);
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"Fan a campaign run out into queue rows, idempotently"};
    CommandLine cl;
    setup(app, cl);
    if (const auto done = cli::parse(app, argc, argv)) {
        return *done;
    }
    return execute(cl);
}

} // namespace eq::enqueue
