#include "admin/admin.hpp"

#include <array>

namespace eq::admin {

std::span<const Subcommand> subcommands() {
    static constexpr std::array<Subcommand, 14> k_table{{
        {"db", setup_db},
        {"throttle", setup_throttle},
        {"status", setup_status},
        {"run", setup_run},
        {"priority", setup_priority},
        {"retry", setup_retry},
        {"mark-sent", setup_mark_sent},
        {"purge", setup_purge},
        {"suppress", setup_suppress},
        {"explain", setup_explain},
        {"stats", setup_stats},
        {"health", setup_health},
        {"metrics", setup_metrics},
        {"report", setup_report},
    }};
    return k_table;
}

int main(int argc, char** argv) {
    CLI::App app{"Operate the emailqueue: schema, limits, status, runs, bulk operations, health"};
    Context context;
    cli::init_app(app, k_program, context.common);
    app.require_subcommand(1);
    for (const auto& sub : subcommands()) {
        sub.setup(app, context);
    }
    if (const auto done = cli::parse(app, argc, argv)) {
        return *done;
    }
    return context.action ? context.action() : 0;
}

} // namespace eq::admin
