#include <catch2/catch.hpp>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>

#include "util/strings.hpp"
#include "util/subprocess.hpp"

using namespace eq;
using namespace eq::util;
using namespace std::chrono;

namespace {

SubprocessResult sh(const std::string& script, std::string stdin_text = {},
                    milliseconds timeout = seconds(20)) {
    SubprocessOptions o;
    o.argv = {"/bin/sh", "-c", script};
    o.env = {"PATH=/usr/bin:/bin"};
    o.stdin_text = std::move(stdin_text);
    o.timeout = timeout;
    auto r = run_subprocess(o);
    REQUIRE(r.ok());
    return std::move(r).value();
}

// Whether the process is gone (or a zombie nobody reaped yet: it runs no more).
bool ended(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) {
        return true;
    }
    const auto state = line.find(") ");
    return state != std::string::npos && line[state + 2] == 'Z';
}

} // namespace

TEST_CASE("run_subprocess writes the input while it reads both outputs", "[subprocess]") {
    // More than any pipe buffer in each direction: a runner that wrote all the input
    // before reading would wait forever on a program that echoes as it reads.
    std::string big(3 * 1024 * 1024, 'x');
    for (std::size_t i = 0; i < big.size(); i += 4096) {
        big[i] = '\n';
    }
    const auto r = sh("tee /dev/stderr", big);
    CHECK(r.end == SubprocessEnd::exited);
    CHECK(r.exit_status == 0);
    CHECK(r.out == big);
    CHECK(r.err == big);
}

TEST_CASE("run_subprocess reports the exit status, the signal and the environment given",
          "[subprocess]") {
    auto r = sh("echo \"$ONLY\" \"${HOME:-unset}\"; echo oops >&2; exit 3");
    CHECK(r.end == SubprocessEnd::exited);
    CHECK(r.exit_status == 3);
    CHECK(r.out == " unset\n");
    CHECK(r.err == "oops\n");
    // The program gets default dispositions and an empty mask, whatever the caller
    // blocks: a SIGTERM blocked here still ends it.
    sigset_t term, old;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &term, &old);
    r = sh("kill -TERM $$; sleep 5");
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    CHECK(r.end == SubprocessEnd::signalled);
    CHECK(r.signal == SIGTERM);
}

TEST_CASE("run_subprocess kills the program and all it started at the time limit", "[subprocess]") {
    const auto started = steady_clock::now();
    const auto r = sh("sleep 30 & echo $!; wait", {}, milliseconds(300));
    CHECK(r.end == SubprocessEnd::timed_out);
    CHECK(steady_clock::now() - started < seconds(20));
    const auto child = std::stoi(std::string(trim(r.out)));
    for (int i = 0; i < 100 && !ended(child); ++i) {
        std::this_thread::sleep_for(milliseconds(20));
    }
    CHECK(ended(child));
}

TEST_CASE("run_subprocess stops a program whose output passes its bound", "[subprocess]") {
    SubprocessOptions o;
    o.argv = {"/usr/bin/yes"};
    o.max_stdout = 100'000;
    const auto r = run_subprocess(o);
    REQUIRE(r.ok());
    CHECK(r->end == SubprocessEnd::too_much_output);
    CHECK(r->out.size() > 100'000);
}

TEST_CASE("run_subprocess keeps the end of the error output", "[subprocess]") {
    SubprocessOptions o;
    o.argv = {"/bin/sh", "-c", "head -c 300000 /dev/zero | tr '\\0' a >&2; echo END >&2"};
    o.stderr_kept = 10;
    const auto r = run_subprocess(o);
    REQUIRE(r.ok());
    CHECK(r->end == SubprocessEnd::exited);
    CHECK(r->err == "aaaaaaEND\n");
}

TEST_CASE("run_subprocess passes no descriptor but the standard streams", "[subprocess]") {
    // Opened without close-on-exec, as libcurl opens its sockets.
    const int leaky = ::open("/dev/null", O_RDONLY);
    REQUIRE(leaky > 2);
    // Tested one number at a time: listing the folder would open a descriptor of its own.
    const auto r = sh("i=0; while [ $i -lt 256 ]; do [ -e /proc/$$/fd/$i ] && echo $i; "
                      "i=$((i + 1)); done");
    ::close(leaky);
    std::set<std::string> fds;
    for (const auto& line : split(std::string(trim(r.out)), '\n')) {
        fds.insert(line);
    }
    CHECK(fds == std::set<std::string>{"0", "1", "2"});
}

TEST_CASE("run_subprocess survives a program that does not read its input, and says when "
          "there is none",
          "[subprocess]") {
    const auto r = sh("exit 0", std::string(8 * 1024 * 1024, 'x'));
    CHECK(r.end == SubprocessEnd::exited);
    CHECK(r.exit_status == 0);
    SubprocessOptions o;
    o.argv = {"/nonexistent/program"};
    const auto missing = run_subprocess(o);
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error() == "cannot start /nonexistent/program: No such file or directory");
}
