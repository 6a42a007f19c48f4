// queue-process-faulty: queue-process with a fault hook, for the reliability suites only
// (never installed). EMAILQUEUE_TEST_FAULT=POINT:N makes the process SIGKILL itself the
// N-th time any worker reaches POINT (see lib/process/fault_point.hpp); several
// POINT:N separated by commas are each taken. With EMAILQUEUE_TEST_FAULT_SIGNAL=STOP it
// stops itself there instead (SIGSTOP), for the test to act and send SIGCONT. Without
// them the program is queue-process exactly.

#include <signal.h>

#include <atomic>
#include <cstdlib>
#include <deque>
#include <string>

#include "cli/app.hpp"
#include "process/fault_point.hpp"
#include "process/process.hpp"

namespace {

struct Fault {
    std::string point;
    long target = 1;
    std::atomic<long> hits{0};
};
std::deque<Fault> g_faults; // set before any worker starts, never resized after
int g_signal = SIGKILL;

void kill_at_point(std::string_view point) {
    for (auto& f : g_faults) {
        if (point == f.point && f.hits.fetch_add(1) + 1 == f.target) {
            ::raise(g_signal);
        }
    }
}

} // namespace

int main(int argc, char** argv) {
    if (const char* spec = std::getenv("EMAILQUEUE_TEST_FAULT"); spec != nullptr && *spec) {
        std::string s(spec);
        while (!s.empty()) {
            const auto comma = s.find(',');
            const std::string one = s.substr(0, comma);
            s = comma == std::string::npos ? "" : s.substr(comma + 1);
            const auto colon = one.rfind(':');
            auto& f = g_faults.emplace_back();
            f.point = one.substr(0, colon);
            f.target =
                colon == std::string::npos ? 1 : std::strtol(one.c_str() + colon + 1, nullptr, 10);
        }
        if (const char* sig = std::getenv("EMAILQUEUE_TEST_FAULT_SIGNAL");
            sig != nullptr && std::string(sig) == "STOP") {
            g_signal = SIGSTOP;
        }
        eq::process::set_fault_hook(kill_at_point);
    }
    return eq::cli::run("queue-process", argc, argv, eq::process::main);
}
