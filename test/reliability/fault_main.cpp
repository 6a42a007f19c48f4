// queue-process-faulty: queue-process with a fault hook, for the crash suite only (never
// installed). EMAILQUEUE_TEST_FAULT=POINT:N makes the process SIGKILL itself the N-th
// time any worker reaches POINT (see lib/process/fault_point.hpp); without it the
// program is queue-process exactly.

#include <signal.h>

#include <atomic>
#include <cstdlib>
#include <string>

#include "cli/app.hpp"
#include "process/fault_point.hpp"
#include "process/process.hpp"

namespace {

std::string g_point;
long g_target = 0;
std::atomic<long> g_hits{0};

void kill_at_point(std::string_view point) {
    if (point == g_point && g_hits.fetch_add(1) + 1 == g_target) {
        ::raise(SIGKILL);
    }
}

} // namespace

int main(int argc, char** argv) {
    if (const char* spec = std::getenv("EMAILQUEUE_TEST_FAULT"); spec != nullptr && *spec) {
        const std::string s(spec);
        const auto colon = s.rfind(':');
        g_point = s.substr(0, colon);
        g_target = colon == std::string::npos ? 1 : std::strtol(s.c_str() + colon + 1, nullptr, 10);
        eq::process::set_fault_hook(kill_at_point);
    }
    return eq::cli::run("queue-process", argc, argv, eq::process::main);
}
