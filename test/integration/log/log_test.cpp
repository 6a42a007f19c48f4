#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <set>

#include "support/process_fixture.hpp"
#include "support/smtp_server.hpp"
#include "support/smtp_sink.hpp"
#include "util/json.hpp"
#include "util/strings.hpp"

using namespace eq;
using namespace eq::test;

namespace {

constexpr const char* k_api_key = "0123456789abcdef0123456789abcdef";

ProcessResult process_with(const ProcessFixture& f, const std::vector<std::string>& args,
                           std::map<std::string, std::string> env = {}) {
    std::vector<std::string> all{"--config", f.config_path()};
    all.insert(all.end(), args.begin(), args.end());
    for (const auto& [k, v] : f.env()) {
        env.emplace(k, v);
    }
    return run_program("queue-process", all, f.db, env);
}

std::vector<Json> json_lines(const std::string& text) {
    std::vector<Json> out;
    for (const auto& line : split(text, '\n')) {
        if (line.empty()) {
            continue;
        }
        INFO(line);
        auto parsed = Json::parse(line);
        REQUIRE(parsed.ok());
        REQUIRE(parsed->is_object());
        out.push_back(std::move(parsed).value());
    }
    return out;
}

} // namespace

TEST_CASE("info level logs one line per company batch and one per run", "[log]") {
    SmtpSink sink;
    ProcessFixture f(sink);
    const auto company = f.company("sink");
    f.queue_run(company, 2);
    const auto r = process_with(f, {"--log-level", "info"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.empty());
    CHECK(r.err.find(fmt::format("queue-process: info: company {}: 2 sent, 0 failed",
                                 company.str())) != std::string::npos);
    CHECK(r.err.find("queue-process: info: 1 companies visited (0 held): 2 sent") !=
          std::string::npos);
}

TEST_CASE("the log level and format also come from the configuration", "[log]") {
    SmtpSink sink;
    ProcessFixture f(sink);
    f.queue_run(f.company("sink"), 1);
    f.set("log", "level", "debug");
    f.set("log", "format", "json");
    const auto r = process_with(f, {});
    REQUIRE(r.exit_code == 0);
    const auto lines = json_lines(r.err);
    REQUIRE(lines.size() >= 3);
    CHECK(lines.front().find("level")->as_string() == "debug");
    // The command line wins over the file.
    const auto quiet = process_with(f, {"--log-level", "warn", "--log-format", "text"});
    CHECK(quiet.exit_code == 0);
    CHECK(quiet.err.empty());
}

TEST_CASE("json log lines carry time, level, program, company, run, row and message", "[log]") {
    SmtpSink broken({"-Q", "MAIL"});
    ProcessFixture f;
    f.add_provider("broken", broken.port());
    const auto company = f.company("broken");
    f.queue_run(company, 1);
    const auto r = process_with(f, {"--log-format", "json", "--log-level", "info"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto lines = json_lines(r.err);
    bool saw_hold = false;
    for (const auto& line : lines) {
        std::vector<std::string> keys;
        for (const auto& [k, v] : line.as_object()) {
            keys.push_back(k);
        }
        CHECK(keys == std::vector<std::string>{"time", "level", "program", "company", "run", "row",
                                               "message"});
        CHECK(line.find("program")->as_string() == "queue-process");
        CHECK(parse_timestamp(line.find("time")->as_string()).ok());
        if (line.find("level")->as_string() == "warn") {
            saw_hold = true;
            CHECK(line.find("company")->as_string() == company.str());
            CHECK(line.find("message")->as_string().find("held: ") != std::string::npos);
        }
    }
    CHECK(saw_hold);
}

TEST_CASE("each row's outcome is a line naming its company, run and row", "[log]") {
    SmtpSink sink;
    ProcessFixture f(sink);
    const auto company = f.company("sink");
    const auto run = f.queue_run(company, 2);
    // One of the two leads loses its address: that row fails, at info level.
    f.db.exec(fmt::format("UPDATE leads SET email = '' WHERE id = (SELECT lead_id FROM "
                          "email_queue WHERE campaign_run_id = '{}' ORDER BY created_at LIMIT 1)",
                          run.str()));
    const auto r = process_with(f, {"--log-format", "json", "--log-level", "debug"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::set<std::string> sent_rows;
    std::set<std::string> failed_rows;
    for (const auto& line : json_lines(r.err)) {
        const auto& message = line.find("message")->as_string();
        if (message.find(": row ") == std::string::npos) {
            continue;
        }
        CHECK(line.find("company")->as_string() == company.str());
        CHECK(line.find("run")->as_string() == run.str());
        const auto row = line.find("row")->as_string();
        CHECK(message.find(fmt::format("company {}: row {}: ", company.str(), row)) == 0);
        if (message.find(": sent as <") != std::string::npos) {
            CHECK(line.find("level")->as_string() == "debug");
            sent_rows.insert(row);
        } else if (message.find(": failed: the lead has no email address") != std::string::npos) {
            CHECK(line.find("level")->as_string() == "info");
            failed_rows.insert(row);
        }
    }
    CHECK(sent_rows.size() == 1);
    REQUIRE(failed_rows.size() == 1);
    CHECK(f.db.scalar(fmt::format("SELECT status FROM email_queue WHERE id = '{}'",
                                  *failed_rows.begin())) == "failed");
    CHECK(f.db.scalar(fmt::format("SELECT status FROM email_queue WHERE id = '{}'",
                                  *sent_rows.begin())) == "sent");
}

TEST_CASE("a held row is a warning and a retried row an info line, each with its reason", "[log]") {
    SmtpSink hangs_up({"-q", "."}); // no reply after the message: outcome unknown
    SmtpSink busy({"-r", "RCPT"});  // 4xx to RCPT: try again later
    ProcessFixture f;
    f.add_provider("hangs_up", hangs_up.port());
    f.add_provider("busy", busy.port());
    const auto unknown = f.company("hangs_up", "Unknown Ltd", "sender@unknown.example");
    const auto unknown_run = f.queue_run(unknown, 1, "u.example");
    const auto retried = f.company("busy", "Busy Ltd", "sender@busy.example");
    const auto retried_run = f.queue_run(retried, 1, "b.example");
    const auto r = process_with(f, {"--log-format", "json", "--log-level", "info"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    int held_lines = 0;
    int retry_lines = 0;
    for (const auto& line : json_lines(r.err)) {
        const auto& message = line.find("message")->as_string();
        if (message.find(": row ") == std::string::npos) {
            continue;
        }
        if (line.find("company")->as_string() == unknown.str()) {
            ++held_lines;
            CHECK(line.find("level")->as_string() == "warn");
            CHECK(line.find("run")->as_string() == unknown_run.str());
            CHECK(message.find(": held: ") != std::string::npos);
        } else {
            ++retry_lines;
            CHECK(line.find("company")->as_string() == retried.str());
            CHECK(line.find("level")->as_string() == "info");
            CHECK(line.find("run")->as_string() == retried_run.str());
            CHECK(message.find(": try 1 failed, next in ") != std::string::npos);
        }
    }
    CHECK(held_lines == 1);
    CHECK(retry_lines == 1);
}

TEST_CASE("an error that ends a program is a json line too", "[log]") {
    const auto r = run_program_without_db("queue-admin", {"status", "--log-format", "json"});
    CHECK(r.exit_code == 69);
    const auto lines = json_lines(r.err);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].find("level")->as_string() == "error");
    CHECK(lines[0].find("program")->as_string() == "queue-admin");
    CHECK(!lines[0].find("message")->as_string().empty());
}

TEST_CASE("a bad log level or format is a usage error", "[log]") {
    CHECK(run_program_without_db("queue-process", {"--log-level", "loud"}).exit_code == 64);
    CHECK(run_program_without_db("queue-admin", {"status", "--log-format", "xml"}).exit_code == 64);
}

TEST_CASE("secrets never appear in the logs, in either format", "[log][secrets]") {
    // The server wants another password, so the account's own is sent and refused: the
    // failure is logged at every level while the password, the encryption key and salt
    // and the Bugsnag key are all in play.
    SmtpServerOptions o;
    o.auth = SmtpServerOptions::Credentials{"jack.doe@acme.example", "other-password"};
    o.auth_required = true;
    SmtpServer server(o);
    ProcessFixture f;
    f.add_provider("authsink", server.port());
    const auto company = f.company("authsink");
    f.queue_run(company, 2);
    f.set("bugsnag", "endpoint", "http://127.0.0.1:1/");
    const std::map<std::string, std::string> env{{"BUGSNAG_API_KEY", k_api_key}};
    for (const char* format : {"text", "json"}) {
        INFO(format);
        f.db.exec("UPDATE email_queue_companies SET held_until = NULL");
        const auto r = process_with(f, {"--log-level", "debug", "--log-format", format}, env);
        INFO(r.err);
        CHECK(r.exit_code == 0);
        CHECK(r.err.find("held") != std::string::npos);
        CHECK(!server.events("auth").empty());
        for (const std::string& secret :
             {std::string("app-password"), std::string(ProcessFixture::k_encryption_key),
              std::string(ProcessFixture::k_encryption_salt), std::string(k_api_key)}) {
            INFO(secret);
            CHECK(r.err.find(secret) == std::string::npos);
            CHECK(r.out.find(secret) == std::string::npos);
        }
    }
}
