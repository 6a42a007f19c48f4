#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
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

// A TCP port on 127.0.0.1 that nothing listens on right now, drawn at random from below
// the kernel's ephemeral range, so no outgoing connection of a test running beside this
// one can take it before the server that asked for it binds it.
int free_port();

// Starts a test server on a port from free_port(). `start(port)` launches the server and
// waits until it is ready; it returns false when the server could not bind because the
// port was taken meanwhile (a server of a test running beside this one drew the same
// number), and a new port is tried. Returns the port in use.
int start_on_free_port(const std::function<bool(int port)>& start);

// Waits until `ready()` holds while the server process runs. Returns false when the
// process ended because its port was taken (its log at `log_path` says "Address already
// in use"); throws, with the log, when it ended otherwise or was not ready in 15 s.
bool wait_until_ready(BackgroundProcess& process, const std::string& log_path,
                      const std::function<bool()>& ready, const std::string& what);

// A test server started by start_server(): its process and the port it listens on.
struct StartedServer {
    std::unique_ptr<BackgroundProcess> process;
    int port = 0;
};

// Starts `argv` followed by port_args(port), logging to `log_path`, on a port from
// start_on_free_port(), and waits (wait_until_ready) until ready(process, port).
StartedServer start_server(const std::vector<std::string>& argv,
                           const std::function<std::vector<std::string>(int port)>& port_args,
                           const std::string& log_path,
                           const std::function<bool(BackgroundProcess&, int port)>& ready,
                           const std::string& what);

// start_server() for the test servers in Python (test/support/*.py): they take
// `--port N` and write READY to their log once they listen.
StartedServer start_python_server(const std::vector<std::string>& argv, const std::string& log_path,
                                  const std::string& what);

// A server's log at `log_path`: empty when it does not exist yet.
std::string read_log(const std::string& log_path);

// Whether the log at `log_path` (empty when it does not exist yet) has `text`.
bool log_has(const std::string& log_path, const std::string& text);

// Whether process `pid` itself listens on TCP port `port` (from /proc: its open sockets
// and the kernel's table of TCP sockets), so another server's port is never taken for it.
bool listens(pid_t pid, int port);

} // namespace eq::test
