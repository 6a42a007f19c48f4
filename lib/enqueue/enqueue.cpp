#include "enqueue/enqueue.hpp"

#include "cli/app.hpp"

namespace eq::enqueue {

int main(int argc, char** argv) {
    CLI::App app{"Fan a campaign run out into queue rows"};
    cli::CommonOptions common;
    cli::init_app(app, "queue-enqueue", common);
    if (const auto done = cli::parse(app, argc, argv)) {
        return *done;
    }
    return 0;
}

} // namespace eq::enqueue
