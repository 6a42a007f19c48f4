#include "support/process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/temp_dir.hpp"
#include "util/strings.hpp"
#include "util/subprocess.hpp"

extern char** environ;

namespace eq::test {

namespace {

std::vector<std::string> build_env(const std::map<std::string, std::string>& overrides) {
    std::vector<std::string> out;
    for (char** e = environ; *e != nullptr; ++e) {
        const std::string entry(*e);
        const auto name = entry.substr(0, entry.find('='));
        if (!overrides.contains(name)) {
            out.push_back(entry);
        }
    }
    for (const auto& [k, v] : overrides) {
        if (!v.empty()) {
            out.push_back(k + "=" + v);
        }
    }
    return out;
}

std::vector<char*> c_strings(std::vector<std::string>& v) {
    std::vector<char*> out;
    for (auto& s : v) {
        out.push_back(s.data());
    }
    out.push_back(nullptr);
    return out;
}

int decode_status(int status) {
    if (WIFEXITED(status)) {
        return WEXITSTATUS(status);
    }
    if (WIFSIGNALED(status)) {
        return 128 + WTERMSIG(status);
    }
    return -1;
}

} // namespace

ProcessResult run_process(const std::vector<std::string>& argv, const RunOptions& options) {
    util::SubprocessOptions o;
    o.argv = argv;
    o.env = build_env(options.env);
    o.stdin_text = options.stdin_text;
    o.timeout = options.timeout;
    const auto run = util::run_subprocess(o);
    if (!run) {
        throw std::runtime_error(run.error());
    }
    if (run->end == util::SubprocessEnd::timed_out) {
        throw std::runtime_error("process timed out: " + argv[0] + "\nstdout: " + run->out +
                                 "\nstderr: " + run->err);
    }
    ProcessResult result;
    result.out = run->out;
    result.err = run->err;
    result.exit_code =
        run->end == util::SubprocessEnd::signalled ? 128 + run->signal : run->exit_status;
    return result;
}

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv,
                                     const std::string& log_path,
                                     const std::map<std::string, std::string>& env_overrides) {
    auto args = argv;
    auto env = build_env(env_overrides);
    auto c_args = c_strings(args);
    auto c_env = c_strings(env);
    // Closed by the exec: once it reads as closed, the child is the program, no longer a
    // copy of this process (whose descriptors it would still hold).
    int exec_pipe[2];
    if (pipe2(exec_pipe, O_CLOEXEC) != 0) {
        throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    }
    m_pid = fork();
    if (m_pid < 0) {
        close(exec_pipe[0]);
        close(exec_pipe[1]);
        throw std::runtime_error("fork failed");
    }
    if (m_pid == 0) {
        close(exec_pipe[0]);
        const int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        const int null = open("/dev/null", O_RDONLY);
        dup2(null, 0);
        dup2(log, 1);
        dup2(log, 2);
        setpgid(0, 0);
        execve(c_args[0], c_args.data(), c_env.data());
        std::fprintf(stderr, "exec %s: %s\n", c_args[0], std::strerror(errno));
        _exit(127);
    }
    close(exec_pipe[1]);
    char byte = 0;
    while (read(exec_pipe[0], &byte, 1) < 0 && errno == EINTR) {
    }
    close(exec_pipe[0]);
}

BackgroundProcess::~BackgroundProcess() {
    if (m_pid > 0) {
        ::kill(-m_pid, SIGKILL);
        ::kill(m_pid, SIGKILL);
        int st = 0;
        waitpid(m_pid, &st, 0);
    }
}

bool BackgroundProcess::running() {
    if (m_pid <= 0) {
        return false;
    }
    int st = 0;
    return waitpid(m_pid, &st, WNOHANG) == 0;
}

void BackgroundProcess::kill(int signal) {
    if (m_pid > 0) {
        ::kill(m_pid, signal);
    }
}

int BackgroundProcess::wait() {
    int status = 0;
    waitpid(m_pid, &status, 0);
    m_pid = -1;
    return decode_status(status);
}

std::string program_path(const std::string& name) {
    return std::string(EQ_BIN_DIR) + "/" + name;
}

namespace {

// The lowest port the kernel hands to outgoing connections (32768 unless configured).
int ephemeral_low() {
    std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
    int low = 0;
    if (range >> low && low > 1024) {
        return low;
    }
    return 32768;
}

bool can_bind(int port) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    close(fd);
    return ok;
}

} // namespace

int free_port() {
    // The 12,000 ports just below the ephemeral range (fewer when that starts below 13,025).
    const int high = ephemeral_low() - 1;
    const int low = std::max(1025, high - 12000);
    thread_local std::mt19937 rng{std::random_device{}()};
    std::uniform_int_distribution<int> pick(low, high);
    for (int attempt = 0; attempt < 200; ++attempt) {
        const int port = pick(rng);
        if (can_bind(port)) {
            return port;
        }
    }
    throw std::runtime_error(
        fmt::format("no free port on 127.0.0.1 between {} and {} after 200 tries", low, high));
}

std::string read_log(const std::string& log_path) {
    try {
        return read_file(log_path);
    } catch (const std::exception&) {
        return {}; // not written yet
    }
}

bool log_has(const std::string& log_path, const std::string& text) {
    return read_log(log_path).find(text) != std::string::npos;
}

bool wait_until_ready(BackgroundProcess& process, const std::string& log_path,
                      const std::function<bool()>& ready, const std::string& what) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (true) {
        const bool up = ready();
        if (!process.running()) {
            const std::string log = read_log(log_path);
            if (to_lower(log).find("address already in use") != std::string::npos) {
                return false;
            }
            throw std::runtime_error(what + " did not start: " + log);
        }
        if (up) {
            return true;
        }
        if (std::chrono::steady_clock::now() > deadline) {
            throw std::runtime_error(what + " was not ready after 15 s: " + read_log(log_path));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

int start_on_free_port(const std::function<bool(int port)>& start) {
    for (int attempt = 0; attempt < 5; ++attempt) {
        const int port = free_port();
        if (start(port)) {
            return port;
        }
    }
    throw std::runtime_error("a test server found its port taken five times in a row");
}

StartedServer start_server(const std::vector<std::string>& argv,
                           const std::function<std::vector<std::string>(int port)>& port_args,
                           const std::string& log_path,
                           const std::function<bool(BackgroundProcess&, int port)>& ready,
                           const std::string& what) {
    StartedServer server;
    server.port = start_on_free_port([&](int port) {
        auto with_port = argv;
        const auto extra = port_args(port);
        with_port.insert(with_port.end(), extra.begin(), extra.end());
        server.process = std::make_unique<BackgroundProcess>(with_port, log_path);
        auto& process = *server.process;
        return wait_until_ready(
            process, log_path, [&] { return ready(process, port); }, what);
    });
    return server;
}

StartedServer start_python_server(const std::vector<std::string>& argv, const std::string& log_path,
                                  const std::string& what) {
    return start_server(
        argv,
        [](int port) {
            return std::vector<std::string>{"--port", std::to_string(port)};
        },
        log_path, [&](BackgroundProcess&, int) { return log_has(log_path, "READY"); }, what);
}

bool listens(pid_t pid, int port) {
    std::set<std::string> inodes;
    std::error_code ec;
    for (const auto& fd :
         std::filesystem::directory_iterator(fmt::format("/proc/{}/fd", pid), ec)) {
        const auto target = std::filesystem::read_symlink(fd.path(), ec).string();
        if (!ec && target.starts_with("socket:[")) {
            inodes.insert(target.substr(8, target.size() - 9));
        }
    }
    std::ifstream tcp("/proc/net/tcp");
    std::string line;
    std::getline(tcp, line); // the heading
    const std::string wanted = fmt::format(":{:04X}", port);
    while (std::getline(tcp, line)) {
        std::istringstream fields(line);
        std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
        fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >>
            timeout >> inode;
        if (state == "0A" && local.ends_with(wanted) && inodes.contains(inode)) {
            return true;
        }
    }
    return false;
}

} // namespace eq::test
