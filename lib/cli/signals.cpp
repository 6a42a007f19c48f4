#include "cli/signals.hpp"

#include <atomic>
#include <csignal>

#include "util/exit_code.hpp"

namespace eq::cli {

namespace {

std::atomic<int> g_stop{0};

extern "C" void on_stop_signal(int signal) {
    g_stop.store(signal);
}

} // namespace

void install_stop_handlers() {
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; // no SA_RESTART: a blocking wait returns early
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
}

int stop_requested() {
    return g_stop.load();
}

int exit_status_for_stop() {
    return g_stop.load() == SIGINT ? to_int(ExitCode::interrupted) : to_int(ExitCode::terminated);
}

} // namespace eq::cli
