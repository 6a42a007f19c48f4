#include <catch2/catch.hpp>
#include <sys/stat.h>

#include <filesystem>
#include <regex>

#include "support/programs.hpp"
#include "support/temp_dir.hpp"
#include "util/strings.hpp"

using namespace eq;
using namespace eq::test;

namespace fs = std::filesystem;

namespace {

std::string etc_file(const std::string& name) {
    return read_file(std::string(EQ_SOURCE_DIR) + "/etc/" + name);
}

bool executable(const char* path) {
    return ::access(path, X_OK) == 0;
}

// The options a program's --help lists.
std::string help_of(const std::string& program) {
    const auto r = run_program_without_db(program, {"--help"});
    REQUIRE(r.exit_code == 0);
    return r.out;
}

} // namespace

TEST_CASE("the crontab runs both programs every five minutes with options they accept",
          "[deploy]") {
    const auto text = etc_file("cron.d/emailqueue");
    std::vector<std::string> programs;
    for (const auto& raw : split(text, '\n')) {
        const auto line = std::string(trim(raw));
        if (line.empty() || line.front() == '#' || line.find('=') < line.find(' ')) {
            continue;
        }
        INFO(line);
        std::smatch m;
        REQUIRE(std::regex_match(
            line, m, std::regex(R"(\*/5 \* \* \* \*\s+emailqueue\s+(queue-[a-z]+)(.*))")));
        const std::string program = m[1];
        programs.push_back(program);
        const auto help = help_of(program);
        const std::string rest = m[2];
        static const std::regex k_option(R"(\s(--[a-z][a-z0-9-]*))");
        for (std::sregex_iterator it(rest.begin(), rest.end(), k_option), end; it != end; ++it) {
            INFO((*it)[1]);
            CHECK(help.find((*it)[1].str()) != std::string::npos);
        }
        // Quiet on success: the log goes to the file, and only a failure prints.
        CHECK(line.find("2>>\"$LOG\" || tail") != std::string::npos);
    }
    CHECK(programs == std::vector<std::string>{"queue-enqueue", "queue-process"});
    CHECK(text.find("\nEMAILQUEUE_CONFIG=/etc/emailqueue/emailqueue.yaml\n") != std::string::npos);
    CHECK(text.find("\nLOG=/var/log/emailqueue/emailqueue.log\n") != std::string::npos);
    // The log the crontab writes is the one logrotate rotates.
    CHECK(etc_file("logrotate.d/emailqueue").find("/var/log/emailqueue/emailqueue.log {") !=
          std::string::npos);
}

TEST_CASE("logrotate accepts its configuration", "[deploy]") {
    if (!executable("/usr/sbin/logrotate")) {
        WARN("logrotate is not installed: not checked");
        return;
    }
    // The emailqueue user exists where the package is installed; here root stands in.
    TempDir dir;
    const auto original = etc_file("logrotate.d/emailqueue");
    const auto text = std::regex_replace(original, std::regex(" emailqueue adm"), " root adm");
    REQUIRE(text != original);
    const auto r = run_process({"/usr/sbin/logrotate", "--debug", "--state", dir.file("state"),
                                dir.write("emailqueue", text, 0644)});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.err.find("error") == std::string::npos);
}

TEST_CASE("the systemd units pass systemd-analyze verify", "[deploy]") {
    if (!executable("/usr/bin/systemd-analyze")) {
        WARN("systemd-analyze is not installed: not checked");
        return;
    }
    // The units name the installed programs and man pages; point them at the built ones.
    TempDir dir;
    fs::create_directories(dir.file("man/man1"));
    fs::create_directories(dir.file("man/man5"));
    for (const auto& entry : fs::directory_iterator(std::string(EQ_SOURCE_DIR) + "/man")) {
        const auto name = entry.path().filename().string();
        fs::copy_file(entry.path(),
                      dir.file("man/man" + name.substr(name.size() - 1) + "/" + name));
    }
    std::vector<std::string> argv{"/usr/bin/systemd-analyze", "verify"};
    for (const auto& entry : fs::directory_iterator(std::string(EQ_SOURCE_DIR) + "/etc/systemd")) {
        std::string text = read_file(entry.path().string());
        for (const std::string program : {"queue-enqueue", "queue-process"}) {
            text =
                std::regex_replace(text, std::regex("/usr/bin/" + program), program_path(program));
        }
        argv.push_back(dir.write(entry.path().filename().string(), text, 0644));
    }
    CHECK(argv.size() == 6);
    RunOptions o;
    o.env = {{"MANPATH", dir.file("man")}};
    const auto r = run_process(argv, o);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
    // The hardening holds: systemd's own exposure score stays low.
    const auto security = run_process({"/usr/bin/systemd-analyze", "security", "--offline=yes",
                                       "--threshold=25", dir.file("emailqueue-process.service")},
                                      o);
    INFO(security.out);
    CHECK(security.exit_code == 0);
}
