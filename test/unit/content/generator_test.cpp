#include <catch2/catch.hpp>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "content/generator.hpp"
#include "support/temp_dir.hpp"
#include "util/strings.hpp"

using namespace eq;
using namespace eq::content;
using namespace std::chrono_literals;

namespace {

Records ann() {
    Records r;
    r.lead = {{"id", "11111111-1111-1111-1111-111111111111"},
              {"name", "Ann Lee"},
              {"email", "ann@x.example"},
              {"phone_number", std::nullopt}};
    r.company = {{"name", "Acme"}, {"account_password", "gAAAA-secret"}};
    r.campaign = {{"name", "Spring"}};
    return r;
}

std::string error_of(const std::string& command, std::chrono::milliseconds timeout = 10s) {
    const auto r = run_generator(command, generator_input(ann()), timeout);
    return r ? "ok: " + r->subject : r.error();
}

} // namespace

TEST_CASE("the generator's input holds the known columns only", "[generator]") {
    const auto in = generator_input(ann());
    CHECK(in.dump() == R"({"lead":{"id":"11111111-1111-1111-1111-111111111111","name":"Ann Lee",)"
                       R"("first_name":"Ann","email":"ann@x.example","phone_number":null},)"
                       R"("campaign":{"name":"Spring"},"company":{"name":"Acme"}})");
}

TEST_CASE("the generator reads the JSON on stdin and writes subject and body", "[generator]") {
    test::TempDir dir;
    const auto in_file = dir.file("in.json");
    const auto r = run_generator("cat > '" + in_file +
                                     "'; printf '%s' '{\"subject\": \" Hello Ann \", \"body\": "
                                     "\"<p>Hi</p>\", \"model\": \"x\"}'",
                                 generator_input(ann()), 10s);
    REQUIRE(r.ok());
    CHECK(r->subject == "Hello Ann");
    CHECK(r->html_body == "<p>Hi</p>");
    CHECK(test::read_file(in_file) == generator_input(ann()).dump() + "\n");
}

TEST_CASE("the generator never sees emailqueue's secrets", "[generator]") {
    setenv("ENCRYPTION_KEY", "do-not-leak", 1);
    setenv("GENERATOR_API_KEY", "its-own", 1);
    const auto r =
        run_generator("printf '{\"subject\": \"[%s][%s]\", \"body\": \"\"}' \"$ENCRYPTION_KEY\" "
                      "\"$GENERATOR_API_KEY\"",
                      generator_input(ann()), 10s);
    unsetenv("ENCRYPTION_KEY");
    unsetenv("GENERATOR_API_KEY");
    REQUIRE(r.ok());
    CHECK(r->subject == "[][its-own]");
}

TEST_CASE("a failing generator is a failure carrying its stderr", "[generator]") {
    CHECK(error_of("echo 'model overloaded' >&2; exit 3") ==
          "content generator exited with status 3; stderr: model overloaded");
    CHECK(error_of("echo 'segfault coming' >&2; kill -SEGV $$") ==
          "content generator was killed by signal 11; stderr: segfault coming");
    CHECK(error_of("cat >/dev/null; echo 'not json'")
              .starts_with("content generator's output is not JSON (invalid JSON at offset 0"));
    CHECK(error_of("cat >/dev/null; echo '{\"subject\": 1, \"body\": \"x\"}'") ==
          "content generator's output is not an object with string fields \"subject\" and "
          "\"body\"");
    CHECK(error_of("echo '{\"subject\": \"  \", \"body\": \"x\"}'") ==
          "content generator returned an empty subject");
    CHECK(error_of("/nonexistent/generator")
              .starts_with("content generator exited with status 127; stderr:"));
}

TEST_CASE("a generator that ignores its input does not hurt the caller", "[generator]") {
    Json big = generator_input(ann());
    big.set("padding", std::string(4 * 1024 * 1024, 'x'));
    const auto r =
        run_generator("exec 0<&-; echo '{\"subject\": \"s\", \"body\": \"b\"}'", big, 10s);
    REQUIRE(r.ok());
    CHECK(r->subject == "s");
}

TEST_CASE("a generator past its timeout is killed with everything it started", "[generator]") {
    test::TempDir dir;
    const auto pid_file = dir.file("child.pid");
    const auto start = std::chrono::steady_clock::now();
    const auto e =
        error_of("echo 'thinking' >&2; sleep 30 & echo $! > '" + pid_file + "'; wait", 300ms);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(e == "content generator timed out after 300ms and was killed; stderr: thinking");
    CHECK(elapsed < 5s);
    const auto child = std::stoi(std::string(trim(test::read_file(pid_file))));
    // Gone, or a zombie waiting for init to reap it.
    const auto dead = [&] {
        if (::kill(child, 0) != 0) {
            return true;
        }
        try {
            const auto stat = test::read_file("/proc/" + std::to_string(child) + "/stat");
            const auto close = stat.rfind(')');
            return close != std::string::npos && stat.substr(close + 2, 1) == "Z";
        } catch (const std::exception&) {
            return true;
        }
    };
    bool gone = false;
    for (int i = 0; i < 100 && !gone; ++i) {
        gone = dead();
        if (!gone) {
            std::this_thread::sleep_for(10ms);
        }
    }
    CHECK(gone);
}
