#include "support/http_receiver.hpp"

#include <fmt/format.h>

#include <stdexcept>
#include <thread>

#include "support/json_lines.hpp"
#include "support/smtp_server.hpp"

namespace eq::test {

HttpReceiver::HttpReceiver(Mode mode) {
    std::vector<std::string> argv{k_system_python,
                                  std::string(EQ_SOURCE_DIR) + "/test/support/http_receiver.py",
                                  "--requests", m_dir.file("requests.jsonl")};
    if (mode == Mode::hang) {
        argv.push_back("--hang");
    }
    auto server = start_python_server(argv, m_dir.file("server.log"), "the HTTP test receiver");
    m_process = std::move(server.process);
    m_port = server.port;
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
