#include "content/generator.hpp"

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
#include <vector>

#include "util/strings.hpp"

extern char** environ;

namespace eq::content {

namespace {

constexpr std::size_t k_max_stdout = 4 * 1024 * 1024;
constexpr std::size_t k_stderr_kept = 1000;

// Variables the generator must not see: emailqueue's own secrets.
constexpr std::array<std::string_view, 5> k_hidden_env{
    "ENCRYPTION_KEY", "ENCRYPTION_SALT", "BUGSNAG_API_KEY", "DATABASE_URL", "PGPASSWORD"};

class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : m_fd(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    Fd(Fd&& o) noexcept : m_fd(o.release()) {}
    Fd& operator=(Fd&& o) noexcept {
        if (this != &o) {
            reset();
            m_fd = o.release();
        }
        return *this;
    }
    ~Fd() { reset(); }
    int get() const { return m_fd; }
    int release() {
        const int fd = m_fd;
        m_fd = -1;
        return fd;
    }
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

std::vector<std::string> child_environment() {
    std::vector<std::string> out;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        const std::string_view entry(*e);
        const auto name = entry.substr(0, entry.find('='));
        bool hidden = false;
        for (const auto h : k_hidden_env) {
            hidden = hidden || name == h;
        }
        if (!hidden) {
            out.emplace_back(entry);
        }
    }
    return out;
}

std::string stderr_note(const std::string& err) {
    std::string tail = err.size() > k_stderr_kept ? err.substr(err.size() - k_stderr_kept) : err;
    for (auto& c : tail) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
            c = ' ';
        }
    }
    const auto t = trim(tail);
    return t.empty() ? std::string{} : fmt::format("; stderr: {}", t);
}

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

std::string describe(std::chrono::milliseconds d) {
    if (d.count() % 1000 == 0) {
        return fmt::format("{}s", d.count() / 1000);
    }
    return fmt::format("{}ms", d.count());
}

} // namespace

Json generator_input(const Records& records, const TemplateColumns& columns) {
    const auto section = [](const Fields& fields, const std::vector<std::string>& known,
                            bool derive_first_name) {
        Json obj = Json::object();
        for (const auto& column : known) {
            const auto it = fields.find(column);
            if (it != fields.end()) {
                obj.set(column, it->second ? Json(*it->second) : Json());
            } else if (derive_first_name && column == "first_name") {
                const auto name = fields.find("name");
                obj.set(column, name == fields.end() || !name->second
                                    ? Json()
                                    : Json(first_name(name->second)));
            }
        }
        return obj;
    };
    Json input = Json::object();
    input.set("lead", section(records.lead, columns.lead, true));
    input.set("campaign", section(records.campaign, columns.campaign, false));
    input.set("company", section(records.company, columns.company, false));
    return input;
}

namespace {

// The generator's reply: the JSON object it wrote, and the note on its stderr.
struct Reply {
    Json json;
    std::string note;
};

Expected<Reply> run_for_reply(const std::string& command, const Json& input,
                              std::chrono::milliseconds timeout) {
    auto in = make_pipe();
    auto out = make_pipe();
    auto err = make_pipe();
    if (!in || !out || !err) {
        return fail("content generator: " + (!in ? in.error() : !out ? out.error() : err.error()));
    }

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in->read.get(), STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out->write.get(), STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, err->write.get(), STDERR_FILENO);
    // Nothing else crosses: not the database connections, not another worker's SMTP
    // socket (libcurl does not open them close-on-exec), whatever this process opened.
    posix_spawn_file_actions_addclosefrom_np(&actions, STDERR_FILENO + 1);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    // Its own process group, so a timeout kills everything it started; default signal
    // dispositions and an empty mask, whatever queue-process ignores (SIGPIPE).
    sigset_t defaults, empty;
    sigemptyset(&empty);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGTERM);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setsigmask(&attr, &empty);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF |
                                        POSIX_SPAWN_SETSIGMASK);

    std::string sh = "/bin/sh", dash_c = "-c", cmd = command;
    std::array<char*, 4> argv{sh.data(), dash_c.data(), cmd.data(), nullptr};
    auto env = child_environment();
    std::vector<char*> envp;
    for (auto& e : env) {
        envp.push_back(e.data());
    }
    envp.push_back(nullptr);

    pid_t pid = -1;
    const int rc = posix_spawn(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    in->read.reset();
    out->write.reset();
    err->write.reset();
    if (rc != 0) {
        return fail(fmt::format("content generator: cannot start /bin/sh: {}", std::strerror(rc)));
    }

    const std::string stdin_text = input.dump() + "\n";
    std::size_t written = 0;
    Fd to_child = std::move(in->write);
    ::fcntl(to_child.get(), F_SETFL, O_NONBLOCK);
    Fd from_out = std::move(out->read);
    Fd from_err = std::move(err->read);
    std::string stdout_text, stderr_text;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    bool timed_out = false, too_big = false;
    int status = 0;
    bool reaped = false;
    std::array<char, 65536> buf{};
    const SigpipeBlock no_sigpipe;

    while (true) {
        if (!reaped && from_out.get() < 0 && from_err.get() < 0) {
            const pid_t w = ::waitpid(pid, &status, WNOHANG);
            reaped = w == pid;
            if (reaped) {
                break;
            }
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            timed_out = true;
            break;
        }
        std::array<pollfd, 3> fds{};
        nfds_t n = 0;
        for (const int fd : {from_out.get(), from_err.get()}) {
            if (fd >= 0) {
                fds[n++] = {fd, POLLIN, 0};
            }
        }
        if (to_child.get() >= 0) {
            fds[n++] = {to_child.get(), POLLOUT, 0};
        }
        if (n == 0) {
            // Output closed but the program still runs: wait for it, a little at a time.
            std::this_thread::sleep_for(std::min(left, std::chrono::milliseconds(10)));
            continue;
        }
        if (::poll(fds.data(), n, static_cast<int>(std::min<long>(left.count(), 1000))) < 0 &&
            errno != EINTR) {
            break;
        }
        for (nfds_t i = 0; i < n; ++i) {
            if (fds[i].revents == 0) {
                continue;
            }
            if (fds[i].fd == to_child.get()) {
                const auto w = ::write(to_child.get(), stdin_text.data() + written,
                                       stdin_text.size() - written);
                if (w > 0) {
                    written += static_cast<std::size_t>(w);
                }
                if ((w < 0 && errno != EAGAIN && errno != EINTR) || written == stdin_text.size()) {
                    to_child.reset(); // done, or the program does not read its input
                }
                continue;
            }
            const bool is_out = fds[i].fd == from_out.get();
            const auto r = ::read(fds[i].fd, buf.data(), buf.size());
            if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
                continue;
            }
            if (r <= 0) {
                (is_out ? from_out : from_err).reset();
                continue;
            }
            auto& target = is_out ? stdout_text : stderr_text;
            target.append(buf.data(), static_cast<std::size_t>(r));
            if (!is_out && stderr_text.size() > 64 * 1024) {
                stderr_text.erase(0, stderr_text.size() - k_stderr_kept);
            }
            if (is_out && stdout_text.size() > k_max_stdout) {
                too_big = true;
            }
        }
        if (too_big) {
            break;
        }
    }
    if (!reaped) {
        ::kill(-pid, SIGKILL);
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
    }
    const auto note = stderr_note(stderr_text);
    if (timed_out) {
        return fail(fmt::format("content generator timed out after {} and was killed{}",
                                describe(timeout), note));
    }
    if (too_big) {
        return fail(fmt::format("content generator wrote more than {} MiB and was killed{}",
                                k_max_stdout / (1024 * 1024), note));
    }
    if (WIFSIGNALED(status)) {
        return fail(
            fmt::format("content generator was killed by signal {}{}", WTERMSIG(status), note));
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        return fail(fmt::format("content generator exited with status {}{}",
                                WIFEXITED(status) ? WEXITSTATUS(status) : -1, note));
    }
    auto reply = Json::parse(stdout_text);
    if (!reply) {
        return fail(
            fmt::format("content generator's output is not JSON ({}){}", reply.error(), note));
    }
    return Reply{std::move(reply).value(), note};
}

} // namespace

Expected<Content> run_generator(const std::string& command, const Json& input,
                                std::chrono::milliseconds timeout) {
    auto run = run_for_reply(command, input, timeout);
    if (!run) {
        return fail(run.error());
    }
    const Json* reply = &run->json;
    const auto& note = run->note;
    const Json* subject = reply->find("subject");
    const Json* body = reply->find("body");
    if (!reply->is_object() || subject == nullptr || !subject->is_string() || body == nullptr ||
        !body->is_string()) {
        return fail(fmt::format("content generator's output is not an object with string "
                                "fields \"subject\" and \"body\"{}",
                                note));
    }
    if (trim(subject->as_string()).empty()) {
        return fail(fmt::format("content generator returned an empty subject{}", note));
    }
    return Content{std::string(trim(subject->as_string())), body->as_string()};
}

Expected<std::string> run_call_script_generator(const std::string& command, Json input,
                                                std::chrono::milliseconds timeout) {
    input.set("request", "call");
    auto run = run_for_reply(command, input, timeout);
    if (!run) {
        return fail(run.error());
    }
    const Json* script = run->json.find("script");
    if (!run->json.is_object() || script == nullptr || !script->is_string() ||
        trim(script->as_string()).empty()) {
        return fail(fmt::format("content generator's output for a call is not an object with a "
                                "non-empty string field \"script\"{}",
                                run->note));
    }
    return script->as_string();
}

} // namespace eq::content
