#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "util/json.hpp"

namespace eq::test {

// A real HTTP server (test/support/http_receiver.py, Debian's /usr/bin/python3) on a
// free port of 127.0.0.1, started for one test and killed with this object. It records
// every POST (path, lowercase headers, body) and answers 202; a hanging one reads each
// request and never answers.
class HttpReceiver {
public:
    enum class Mode { answer, hang };

    explicit HttpReceiver(Mode mode = Mode::answer);
    HttpReceiver(const HttpReceiver&) = delete;
    HttpReceiver& operator=(const HttpReceiver&) = delete;

    int port() const { return m_port; }
    // The server process (it holds the listening socket).
    pid_t pid() const { return m_process->pid(); }
    std::string url() const;

    // Each request recorded so far: {"path", "headers", "body"}.
    std::vector<Json> requests() const;
    // Waits (bounded) until at least `count` requests arrived, then returns them all.
    std::vector<Json>
    wait_for_requests(std::size_t count,
                      std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

private:
    TempDir m_dir;
    int m_port = 0;
    std::unique_ptr<BackgroundProcess> m_process;
};

} // namespace eq::test
