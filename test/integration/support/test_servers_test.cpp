// The test servers' ports: drawn below the ephemeral range, and a server that finds its
// port taken is started again on another instead of failing the test (or, worse, of the
// test talking to someone else's server).
#include <catch2/catch.hpp>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/http_receiver.hpp"
#include "support/process.hpp"
#include "support/smtp_server.hpp"
#include "support/smtp_sink.hpp"
#include "support/temp_dir.hpp"

using namespace eq::test;

namespace {

// A socket of this test listening on 127.0.0.1:port (not inherited by the servers it starts).
class Listener {
public:
    explicit Listener(int port) : m_fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = htons(static_cast<uint16_t>(port));
        if (bind(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
            listen(m_fd, 8) != 0) {
            close(m_fd);
            throw std::runtime_error("cannot listen on port " + std::to_string(port));
        }
    }
    Listener(const Listener&) = delete;
    Listener& operator=(const Listener&) = delete;
    ~Listener() { close(m_fd); }

private:
    int m_fd;
};

int ephemeral_low() {
    std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
    int low = 0;
    range >> low;
    return low;
}

} // namespace

TEST_CASE("test servers get ports below the ephemeral range, free when drawn") {
    const int low = ephemeral_low();
    REQUIRE(low > 1024);
    for (int i = 0; i < 20; ++i) {
        const int port = free_port();
        CHECK(port > 1024);
        CHECK(port < low);
        Listener can_listen(port); // throws when the port was not free
    }
}

TEST_CASE("a server that finds its port taken reports it, even when the port answers") {
    TempDir dir;
    const int port = free_port();
    Listener taken(port); // accepts connections, so a connect test would be fooled

    SECTION("smtp-sink") {
        std::vector<std::string> argv{"/usr/sbin/smtp-sink"};
        if (geteuid() == 0) {
            argv.insert(argv.end(), {"-u", "nobody"});
        }
        argv.insert(argv.end(), {"127.0.0.1:" + std::to_string(port), "64"});
        BackgroundProcess sink(argv, dir.file("sink.log"));
        CHECK_FALSE(wait_until_ready(
            sink, dir.file("sink.log"), [&] { return listens(sink.pid(), port); }, "smtp-sink"));
    }
    SECTION("aiosmtpd") {
        BackgroundProcess server({k_system_python,
                                  std::string(EQ_SOURCE_DIR) + "/test/support/smtp_server.py",
                                  "--port", std::to_string(port), "--dump-dir", dir.path(),
                                  "--events", dir.file("events.jsonl"), "--tls", "none"},
                                 dir.file("server.log"));
        CHECK_FALSE(wait_until_ready(
            server, dir.file("server.log"),
            [&] { return log_has(dir.file("server.log"), "READY"); }, "aiosmtpd"));
    }
}

TEST_CASE("a server that fails for another reason is an error with its log") {
    TempDir dir;
    BackgroundProcess failing({"/bin/sh", "-c", "echo 'no such option' >&2; exit 3"},
                              dir.file("failing.log"));
    CHECK_THROWS_WITH(wait_until_ready(
                          failing, dir.file("failing.log"), [] { return false; }, "the server"),
                      Catch::Contains("the server did not start") &&
                          Catch::Contains("no such option"));
}

TEST_CASE("a taken port is given up for another, five times at most") {
    std::vector<int> tried;
    const int port = start_on_free_port([&](int p) {
        tried.push_back(p);
        return tried.size() == 3;
    });
    REQUIRE(tried.size() == 3);
    CHECK(port == tried.back());

    tried.clear();
    CHECK_THROWS_WITH(start_on_free_port([&](int p) {
                          tried.push_back(p);
                          return false;
                      }),
                      Catch::Contains("five times"));
    CHECK(tried.size() == 5);
}

TEST_CASE("each test server listens itself on the port it reports") {
    SmtpSink sink;
    CHECK(listens(sink.pid(), sink.port()));
    SmtpServer server(SmtpServerOptions{});
    CHECK(listens(server.pid(), server.port()));
    HttpReceiver receiver(HttpReceiver::Mode::answer);
    CHECK(listens(receiver.pid(), receiver.port()));
}
