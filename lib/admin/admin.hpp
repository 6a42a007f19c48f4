#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <span>
#include <string_view>

#include "cli/app.hpp"

namespace eq::admin {

inline constexpr std::string_view k_program = "queue-admin";

// Shared by the subcommands: the common options, and the action the selected
// subcommand registers while the command line is parsed (run after parsing, so a
// usage error anywhere on the line is reported before anything happens).
struct Context {
    cli::CommonOptions common;
    std::function<int()> action;
};

// One subcommand: its name and the function that registers it (options and action)
// on the queue-admin app. Each lives in its own file next to its handler.
struct Subcommand {
    std::string_view name;
    void (*setup)(CLI::App& app, Context& context);
};

// Every subcommand, in the order --help lists them.
std::span<const Subcommand> subcommands();

// queue-admin's main, behind cli::run's top-level catch.
int main(int argc, char** argv);

void setup_db(CLI::App& app, Context& context);
void setup_throttle(CLI::App& app, Context& context);
void setup_status(CLI::App& app, Context& context);
void setup_run(CLI::App& app, Context& context);
void setup_priority(CLI::App& app, Context& context);
void setup_retry(CLI::App& app, Context& context);
void setup_mark_sent(CLI::App& app, Context& context);
void setup_purge(CLI::App& app, Context& context);
void setup_suppress(CLI::App& app, Context& context);
void setup_explain(CLI::App& app, Context& context);
void setup_stats(CLI::App& app, Context& context);
void setup_health(CLI::App& app, Context& context);
void setup_metrics(CLI::App& app, Context& context);
void setup_report(CLI::App& app, Context& context);

} // namespace eq::admin
