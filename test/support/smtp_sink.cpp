#include "support/smtp_sink.hpp"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <thread>

#include "util/strings.hpp"

namespace eq::test {

namespace {

constexpr const char* k_smtp_sink = "/usr/sbin/smtp-sink";

struct DumpFile {
    std::filesystem::file_time_type time;
    std::string path;
};

std::vector<DumpFile> dump_files(const std::string& dir) {
    std::vector<DumpFile> out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        // smtp-sink removes the file of an aborted transaction, maybe right after it was
        // listed: such a file is left out.
        std::error_code kind_error, time_error;
        const bool regular = entry.is_regular_file(kind_error);
        const auto time = entry.last_write_time(time_error);
        if (regular && !kind_error && !time_error) {
            out.push_back({time, entry.path().string()});
        }
    }
    std::sort(out.begin(), out.end(), [](const DumpFile& a, const DumpFile& b) {
        return a.time != b.time ? a.time < b.time : a.path < b.path;
    });
    return out;
}

// smtp-sink's dump: its own X- headers and a three-line Received: header, then the
// message, then one empty line.
SmtpSink::Message parse_dump(const std::string& text) {
    SmtpSink::Message m;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const auto nl = text.find('\n', pos);
        if (nl == std::string::npos) {
            break;
        }
        const std::string line = text.substr(pos, nl - pos);
        pos = nl + 1;
        if (line.starts_with("X-Helo-Args: ")) {
            m.helo = line.substr(13);
        } else if (line.starts_with("X-Mail-Args: ")) {
            m.mail_from = line.substr(13);
        } else if (line.starts_with("X-Rcpt-Args: ")) {
            m.rcpt_to.push_back(line.substr(13));
        } else if (line.starts_with("Received: ")) {
            // Two continuation lines follow (by ..., time stamp).
            for (int i = 0; i < 2 && pos < text.size(); ++i) {
                const auto next = text.find('\n', pos);
                pos = next == std::string::npos ? text.size() : next + 1;
            }
            break;
        }
    }
    m.content = text.substr(pos);
    if (m.content.ends_with("\n\n")) {
        m.content.pop_back();
    }
    return m;
}

} // namespace

SmtpSink::SmtpSink(std::vector<std::string> fault_flags) {
    m_dump_dir = m_dir.path() + "/dump";
    ::mkdir(m_dump_dir.c_str(), 0700);
    std::vector<std::string> argv{k_smtp_sink};
    if (::geteuid() == 0) {
        const passwd* nobody = ::getpwnam("nobody");
        if (nobody == nullptr) {
            throw std::runtime_error("smtp-sink runs as 'nobody' under root, and there is none");
        }
        ::chmod(m_dir.path().c_str(), 0711);
        if (::chown(m_dump_dir.c_str(), nobody->pw_uid, nobody->pw_gid) != 0) {
            throw std::runtime_error("cannot give the smtp-sink dump folder to nobody");
        }
        argv.insert(argv.end(), {"-u", "nobody"});
    }
    argv.insert(argv.end(), {"-a", "-d", m_dump_dir + "/%Y%m%d%H%M%S."});
    argv.insert(argv.end(), fault_flags.begin(), fault_flags.end());
    auto server = start_server(
        argv,
        [](int port) {
            return std::vector<std::string>{"127.0.0.1:" + std::to_string(port), "64"};
        },
        m_dir.path() + "/smtp-sink.log",
        [](BackgroundProcess& process, int port) { return listens(process.pid(), port); },
        "smtp-sink");
    m_process = std::move(server.process);
    m_port = server.port;
}

config::Provider SmtpSink::provider() const {
    return config::Provider{"127.0.0.1", m_port, config::Security::none, false, {}};
}

std::string SmtpSink::log() const {
    return read_log(m_dir.path() + "/smtp-sink.log");
}

std::vector<SmtpSink::Message> SmtpSink::messages() const {
    std::vector<Message> out;
    const auto read = [](const std::string& path) -> std::optional<std::string> {
        try {
            return read_file(path);
        } catch (const std::exception&) {
            return std::nullopt; // smtp-sink removes the file of an aborted transaction
        }
    };
    const auto settled =
        std::filesystem::file_time_type::clock::now() - std::chrono::milliseconds(500);
    for (const auto& f : dump_files(m_dump_dir)) {
        // A dump is complete when it ends with the empty line and stops growing; one not
        // written to for half a second has stopped.
        auto text = read(f.path);
        const bool old = f.time < settled;
        for (int i = 0; i < 100 && text && !(old && text->ends_with("\n\n")); ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            auto again = read(f.path);
            if (again == text && text->ends_with("\n\n")) {
                break;
            }
            text = std::move(again);
        }
        if (text) {
            out.push_back(parse_dump(*text));
        }
    }
    return out;
}

std::vector<SmtpSink::Message>
SmtpSink::wait_for_messages(std::size_t count, std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (dump_files(m_dump_dir).size() < count) {
        if (std::chrono::steady_clock::now() > deadline) {
            throw std::runtime_error("smtp-sink received " +
                                     std::to_string(dump_files(m_dump_dir).size()) +
                                     " messages, expected " + std::to_string(count) + "\n" + log());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return messages();
}

} // namespace eq::test
