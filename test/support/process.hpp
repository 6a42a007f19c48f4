#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace eq::test {

struct ProcessResult {
    int exit_code = -1; // 128 + signal when killed by a signal
    std::string out;
    std::string err;
};

struct RunOptions {
    // Added to (or replacing in) the inherited environment; an empty value unsets.
    std::map<std::string, std::string> env;
    std::string stdin_text;
    std::chrono::milliseconds timeout{60'000};
};

// Runs argv[0] (a path) with the arguments, waits, and captures stdout and stderr.
// A process still running at the timeout is killed and the test fails.
ProcessResult run_process(const std::vector<std::string>& argv, const RunOptions& options = {});

// A process running in the background (an SMTP server), killed when destroyed.
class BackgroundProcess {
public:
    BackgroundProcess(const std::vector<std::string>& argv, const std::string& log_path,
                      const std::map<std::string, std::string>& env = {});
    BackgroundProcess(const BackgroundProcess&) = delete;
    BackgroundProcess& operator=(const BackgroundProcess&) = delete;
    ~BackgroundProcess();

    pid_t pid() const { return m_pid; }
    bool running();
    void kill(int signal);
    // Waits for the process to end; returns its exit code (128 + signal).
    int wait();

private:
    pid_t m_pid = -1;
};

// The path of one of the built programs: queue-enqueue, queue-process, queue-admin.
std::string program_path(const std::string& name);

// A TCP port on 127.0.0.1 that nothing listens on right now.
int free_port();

// Blocks until something accepts connections on 127.0.0.1:port, or throws.
void wait_for_port(int port, std::chrono::milliseconds timeout = std::chrono::seconds(15));

} // namespace eq::test
