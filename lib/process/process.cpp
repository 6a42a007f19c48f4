#include "process/process.hpp"

#include <fmt/format.h>

#include <iostream>

#include "cli/app.hpp"
#include "cli/signals.hpp"
#include "log/log.hpp"
#include "process/processor.hpp"

namespace eq::process {

namespace {

constexpr std::string_view k_program = "queue-process";

void print_human(const Summary& s) {
    std::cout << fmt::format("{}{} companies visited ({} held): {} sent, {} failed, {} skipped, "
                             "{} held, {} to retry, {} recovered\n",
                             s.dry_run ? "dry run: " : "", s.companies_visited, s.companies_held,
                             s.sent, s.failed, s.skipped, s.held, s.retried, s.recovered);
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"Send one throttled batch per company with due email, then exit "
                 "(run it from cron every five minutes)"};
    cli::CommonOptions common;
    cli::init_app(app, k_program, common);
    std::string company;
    Options options;
    app.add_option("--company", company, "Process this company only")->type_name("ID");
    app.add_flag("--dry-run", options.dry_run,
                 "Compose and check what would be sent; send nothing, change nothing");
    app.add_flag("--single", options.single,
                 "Exit at once (status 0) when another queue-process is running (a session "
                 "lock: refused with database.pool_mode: transaction)");
    if (const auto done = cli::parse(app, argc, argv)) {
        return *done;
    }
    if (!company.empty()) {
        options.company = Uuid::from_arg(company, "--company");
    }
    const auto config = cli::load_config(common);
    cli::install_stop_handlers();

    ProgressFn progress;
    if (cli::stderr_is_terminal() && !common.json) {
        progress = [](std::int64_t done, std::int64_t total, std::int64_t sent) {
            log::progress(fmt::format("{}/{} companies, {} sent", done, total, sent));
        };
    }
    const auto summary = run_invocation(config, options, progress);
    log::end_progress();
    if (!summary) {
        log::info("another queue-process is running; nothing done (--single)");
        if (cli::stdout_is_terminal() || common.json) {
            if (common.json) {
                cli::print_json(
                    Json(Json::Object{{"skipped", "another queue-process is running"}}));
            } else {
                std::cout << "another queue-process is running; nothing done (--single)\n";
            }
        }
        return 0;
    }
    for (const auto& h : summary->holds) {
        log::warn(h.line, log::Context{h.company});
    }
    std::vector<bugsnag::Event> reports;
    for (const auto& e : summary->errors) {
        log::error(e.line(), log::Context{e.company});
        reports.push_back(
            {.error_class = e.error_class, .message = e.line(), .company = e.company});
    }
    cli::report(reports);
    log::info(fmt::format(
        "{} companies visited ({} held): {} sent, {} failed, {} skipped, {} held, "
        "{} to retry, {} recovered",
        summary->companies_visited, summary->companies_held, summary->sent, summary->failed,
        summary->skipped, summary->held, summary->retried, summary->recovered));
    if (common.json) {
        cli::print_json(summary->to_json());
    } else if (cli::stdout_is_terminal() || options.dry_run) {
        print_human(*summary);
    }
    if (cli::stop_requested() != 0) {
        return cli::exit_status_for_stop();
    }
    return summary->errors.empty() ? 0 : to_int(ExitCode::partial);
}

} // namespace eq::process
