#include "util/subprocess.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <thread>

namespace eq::util {

namespace {

// A descriptor closed when it goes out of scope, however the scope is left.
class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : m_fd(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    Fd(Fd&& o) noexcept : m_fd(o.m_fd) { o.m_fd = -1; }
    Fd& operator=(Fd&& o) noexcept {
        if (this != &o) {
            reset();
            m_fd = o.m_fd;
            o.m_fd = -1;
        }
        return *this;
    }
    ~Fd() { reset(); }
    int get() const { return m_fd; }
    bool open() const { return m_fd >= 0; }
    void reset() {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
        m_fd = -1;
    }

private:
    int m_fd = -1;
};

struct Pipe {
    Fd read;
    Fd write;
};

Expected<Pipe> make_pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        return fail(fmt::format("cannot create a pipe: {}", std::strerror(errno)));
    }
    return Pipe{Fd(fds[0]), Fd(fds[1])};
}

// posix_spawn's file actions and attributes, destroyed however the scope is left.
struct SpawnSetup {
    posix_spawn_file_actions_t actions{};
    posix_spawnattr_t attr{};
    SpawnSetup() {
        posix_spawn_file_actions_init(&actions);
        posix_spawnattr_init(&attr);
    }
    SpawnSetup(const SpawnSetup&) = delete;
    SpawnSetup& operator=(const SpawnSetup&) = delete;
    ~SpawnSetup() {
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attr);
    }
};

// Blocks SIGPIPE in this thread while writing to the program, so a program that exits
// without reading its input cannot kill the caller (whatever the process-wide
// disposition); a SIGPIPE raised meanwhile is consumed before the mask is restored.
class SigpipeBlock {
public:
    SigpipeBlock() {
        sigset_t pipe_only;
        sigemptyset(&pipe_only);
        sigaddset(&pipe_only, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &pipe_only, &m_old);
    }
    SigpipeBlock(const SigpipeBlock&) = delete;
    SigpipeBlock& operator=(const SigpipeBlock&) = delete;
    ~SigpipeBlock() {
        sigset_t pipe_only;
        sigemptyset(&pipe_only);
        sigaddset(&pipe_only, SIGPIPE);
        const timespec zero{0, 0};
        while (sigtimedwait(&pipe_only, nullptr, &zero) == SIGPIPE) {
        }
        pthread_sigmask(SIG_SETMASK, &m_old, nullptr);
    }

private:
    sigset_t m_old{};
};

std::vector<char*> c_strings(std::vector<std::string>& v) {
    std::vector<char*> out;
    out.reserve(v.size() + 1);
    for (auto& s : v) {
        out.push_back(s.data());
    }
    out.push_back(nullptr);
    return out;
}

// Its output and error output read, its input written, until both outputs are closed
// and it has ended, or the time is up, or its output is too large.
class Exchange {
public:
    Exchange(const SubprocessOptions& options, pid_t pid, Fd to_child, Fd from_out, Fd from_err)
        : m_options(options), m_pid(pid), m_to_child(std::move(to_child)),
          m_from_out(std::move(from_out)), m_from_err(std::move(from_err)) {
        if (m_options.stdin_text.empty()) {
            m_to_child.reset();
        } else {
            ::fcntl(m_to_child.get(), F_SETFL, O_NONBLOCK);
        }
    }
    Exchange(const Exchange&) = delete;
    Exchange& operator=(const Exchange&) = delete;

    // Kills and reaps the program when it has not ended, however the exchange ends.
    ~Exchange() {
        if (!m_reaped) {
            ::kill(-m_pid, SIGKILL);
            ::kill(m_pid, SIGKILL);
            int status = 0;
            while (::waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {
            }
        }
    }

    SubprocessResult run() {
        const SigpipeBlock no_sigpipe;
        const auto deadline = std::chrono::steady_clock::now() + m_options.timeout;
        while (true) {
            if (!m_from_out.open() && !m_from_err.open() && reap()) {
                break;
            }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) {
                m_result.end = SubprocessEnd::timed_out;
                break;
            }
            if (!step(left)) {
                m_result.end = SubprocessEnd::too_much_output;
                break;
            }
        }
        if (m_result.err.size() > m_options.stderr_kept) {
            m_result.err.erase(0, m_result.err.size() - m_options.stderr_kept);
        }
        return std::move(m_result);
    }

private:
    // Whether the program has ended (its status recorded).
    bool reap() {
        int status = 0;
        const pid_t w = ::waitpid(m_pid, &status, WNOHANG);
        if (w != m_pid) {
            return false;
        }
        m_reaped = true;
        if (WIFSIGNALED(status)) {
            m_result.end = SubprocessEnd::signalled;
            m_result.signal = WTERMSIG(status);
        } else {
            m_result.end = SubprocessEnd::exited;
            m_result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        }
        return true;
    }

    // One poll and what it found ready; false once the output is too large.
    bool step(std::chrono::milliseconds left) {
        std::array<pollfd, 3> fds{};
        nfds_t n = 0;
        for (const Fd* fd : {&m_from_out, &m_from_err}) {
            if (fd->open()) {
                fds[n++] = {fd->get(), POLLIN, 0};
            }
        }
        if (m_to_child.open()) {
            fds[n++] = {m_to_child.get(), POLLOUT, 0};
        }
        if (n == 0) {
            // Outputs closed but the program still runs: wait for it, a little at a time.
            std::this_thread::sleep_for(std::min(left, std::chrono::milliseconds(10)));
            return true;
        }
        if (::poll(fds.data(), n, static_cast<int>(std::min<long>(left.count(), 1000))) < 0) {
            return true; // EINTR: the loop polls again, within the time left
        }
        for (nfds_t i = 0; i < n; ++i) {
            if (fds[i].revents == 0) {
                continue;
            }
            if (fds[i].fd == m_to_child.get()) {
                write_input();
            } else if (!read_from(fds[i].fd == m_from_out.get() ? m_from_out : m_from_err)) {
                return false;
            }
        }
        return true;
    }

    void write_input() {
        const auto& text = m_options.stdin_text;
        const auto w = ::write(m_to_child.get(), text.data() + m_written, text.size() - m_written);
        if (w > 0) {
            m_written += static_cast<std::size_t>(w);
        }
        if ((w < 0 && errno != EAGAIN && errno != EINTR) || m_written == text.size()) {
            m_to_child.reset(); // done, or the program does not read its input
        }
    }

    // False once the output passed its bound.
    bool read_from(Fd& fd) {
        const bool is_out = &fd == &m_from_out;
        const auto r = ::read(fd.get(), m_buffer.data(), m_buffer.size());
        if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
            return true;
        }
        if (r <= 0) {
            fd.reset();
            return true;
        }
        auto& target = is_out ? m_result.out : m_result.err;
        target.append(m_buffer.data(), static_cast<std::size_t>(r));
        if (!is_out && target.size() > m_options.stderr_kept &&
            target.size() - m_options.stderr_kept > m_buffer.size()) {
            target.erase(0, target.size() - m_options.stderr_kept);
        }
        return !is_out || target.size() <= m_options.max_stdout;
    }

    const SubprocessOptions& m_options;
    pid_t m_pid;
    Fd m_to_child;
    Fd m_from_out;
    Fd m_from_err;
    bool m_reaped = false;
    std::size_t m_written = 0;
    SubprocessResult m_result;
    std::array<char, 65536> m_buffer{};
};

} // namespace

Expected<SubprocessResult> run_subprocess(const SubprocessOptions& options) {
    if (options.argv.empty()) {
        return fail("no program to run");
    }
    auto in = make_pipe();
    auto out = make_pipe();
    auto err = make_pipe();
    if (!in || !out || !err) {
        return fail(!in ? in.error() : !out ? out.error() : err.error());
    }
    SpawnSetup setup;
    posix_spawn_file_actions_adddup2(&setup.actions, in->read.get(), STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&setup.actions, out->write.get(), STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&setup.actions, err->write.get(), STDERR_FILENO);
    posix_spawn_file_actions_addclosefrom_np(&setup.actions, STDERR_FILENO + 1);
    sigset_t defaults, empty;
    sigemptyset(&empty);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGTERM);
    posix_spawnattr_setsigdefault(&setup.attr, &defaults);
    posix_spawnattr_setsigmask(&setup.attr, &empty);
    posix_spawnattr_setpgroup(&setup.attr, 0);
    posix_spawnattr_setflags(&setup.attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF |
                                              POSIX_SPAWN_SETSIGMASK);
    auto argv = options.argv;
    auto env = options.env;
    auto c_argv = c_strings(argv);
    auto c_env = c_strings(env);
    pid_t pid = -1;
    const int rc =
        posix_spawn(&pid, c_argv[0], &setup.actions, &setup.attr, c_argv.data(), c_env.data());
    in->read.reset();
    out->write.reset();
    err->write.reset();
    if (rc != 0) {
        return fail(fmt::format("cannot start {}: {}", options.argv[0], std::strerror(rc)));
    }
    Exchange exchange(options, pid, std::move(in->write), std::move(out->read),
                      std::move(err->read));
    return exchange.run();
}

} // namespace eq::util
