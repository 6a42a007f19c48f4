#include "support/http_receiver.hpp"

#include <fmt/format.h>

#include <stdexcept>
#include <thread>

#include "support/json_lines.hpp"
#include "support/smtp_server.hpp"

namespace eq::test {

HttpReceiver::HttpReceiver(Mode mode) {
    m_port = free_port();
    std::vector<std::string> argv{
        k_system_python, std::string(EQ_SOURCE_DIR) + "/test/support/http_receiver.py",
        "--port",        std::to_string(m_port),
        "--requests",    m_dir.file("requests.jsonl")};
    if (mode == Mode::hang) {
        argv.push_back("--hang");
    }
    const std::string log = m_dir.file("server.log");
    m_process = std::make_unique<BackgroundProcess>(argv, log);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (true) {
        std::string text;
        try {
            text = read_file(log);
        } catch (const std::exception&) {
        }
        if (text.find("READY") != std::string::npos) {
            break;
        }
        if (!m_process->running() || std::chrono::steady_clock::now() > deadline) {
            throw std::runtime_error("the HTTP test receiver did not start: " + text);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

std::string HttpReceiver::url() const {
    return fmt::format("http://127.0.0.1:{}/", m_port);
}

std::vector<Json> HttpReceiver::requests() const {
    return read_json_lines(m_dir.file("requests.jsonl"), "the HTTP test receiver");
}

std::vector<Json> HttpReceiver::wait_for_requests(std::size_t count,
                                                  std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto out = requests();
    while (out.size() < count && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        out = requests();
    }
    return out;
}

} // namespace eq::test
