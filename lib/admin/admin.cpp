#include "admin/admin.hpp"

#include <array>

namespace eq::admin {

std::span<const Subcommand> subcommands() {
    static constexpr std::array<Subcommand, 1> k_table{{
        {"db", setup_db},
    }};
    return k_table;
}

int main(int argc, char** argv) {
    CLI::App app{"Operate the emailqueue: database migrations, throttle settings, status"};
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
