#include "process/process.hpp"

#include "cli/app.hpp"

namespace eq::process {

int main(int argc, char** argv) {
    CLI::App app{"Send one throttled batch per company"};
    cli::CommonOptions common;
    cli::init_app(app, "queue-process", common);
    if (const auto done = cli::parse(app, argc, argv)) {
        return *done;
    }
    return 0;
}

} // namespace eq::process
