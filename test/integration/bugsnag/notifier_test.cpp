#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <chrono>

#include "support/http_receiver.hpp"
#include "support/process_fixture.hpp"
#include "support/smtp_sink.hpp"
#include "util/json.hpp"
#include "util/version.hpp"

using namespace eq;
using namespace eq::test;

namespace {

constexpr const char* k_api_key = "fedcba9876543210fedcba9876543210";
constexpr const char* k_body_marker = "BODY-MARKER-never-reported";

ProcessResult process_with(const ProcessFixture& f, const std::vector<std::string>& args,
                           std::map<std::string, std::string> env) {
    std::vector<std::string> all{"--config", f.config_path()};
    all.insert(all.end(), args.begin(), args.end());
    for (const auto& [k, v] : f.env()) {
        env.emplace(k, v);
    }
    return run_program("queue-process", all, f.db, env);
}

// A company whose batch fails inside the database: claiming its rows raises an error.
Uuid failing_company(ProcessFixture& f) {
    const auto company = f.company("sink", "Broken Db Ltd", "ops@brokendb.example");
    f.queue_run(company, 2);
    f.db.exec("UPDATE email_queue SET subject = 'Hello', email_body = '" +
              std::string(k_body_marker) + "'");
    f.db.exec("CREATE FUNCTION eq_test_fail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
              "RAISE EXCEPTION 'storage of this company is broken'; END $$");
    f.db.exec("CREATE TRIGGER eq_test_fail BEFORE UPDATE ON email_queue FOR EACH ROW WHEN "
              "(OLD.company_id = '" +
              company.str() + "') EXECUTE FUNCTION eq_test_fail()");
    return company;
}

} // namespace

TEST_CASE("a per-company error is reported to Bugsnag with grouping and no secrets", "[bugsnag]") {
    HttpReceiver receiver;
    SmtpSink sink;
    ProcessFixture f(sink);
    f.set("bugsnag", "endpoint", receiver.url() + "notify");
    f.set("bugsnag", "release_stage", "staging");
    const auto company = failing_company(f);
    const auto r = process_with(f, {}, {{"BUGSNAG_API_KEY", k_api_key}});
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("company " + company.str()) != std::string::npos);
    const auto requests = receiver.wait_for_requests(1);
    REQUIRE(requests.size() == 1);
    const auto& req = requests[0];
    CHECK(req.find("path")->as_string() == "/notify");
    const auto* headers = req.find("headers");
    CHECK(headers->find("bugsnag-api-key")->as_string() == k_api_key);
    CHECK(headers->find("bugsnag-payload-version")->as_string() == "5");
    CHECK(headers->find("content-type")->as_string() == "application/json");
    const auto& body = req.find("body")->as_string();
    for (const std::string& secret :
         {std::string(k_api_key), std::string("app-password"),
          std::string(ProcessFixture::k_encryption_key), std::string(k_body_marker)}) {
        INFO(secret);
        CHECK(body.find(secret) == std::string::npos);
    }
    const auto payload = Json::parse(body);
    REQUIRE(payload.ok());
    CHECK(payload->find("payloadVersion")->as_string() == "5");
    const auto& events = payload->find("events")->as_array();
    REQUIRE(events.size() == 1);
    const auto& e = events[0];
    const auto& exception = e.find("exceptions")->as_array().at(0);
    CHECK(exception.find("errorClass")->as_string().starts_with("database."));
    CHECK(exception.find("message")->as_string().find("storage of this company is broken") !=
          std::string::npos);
    CHECK(e.find("context")->as_string() == "company " + company.str());
    CHECK(e.find("groupingHash")->as_string() ==
          exception.find("errorClass")->as_string() + " company " + company.str());
    CHECK(e.find("app")->find("releaseStage")->as_string() == "staging");
    CHECK(e.find("app")->find("version")->as_string() == k_version);
    CHECK(e.find("unhandled")->as_bool() == false);
}

TEST_CASE("an unexpected error that ends a program is reported once", "[bugsnag]") {
    HttpReceiver receiver;
    ProcessFixture f;
    f.set("bugsnag", "endpoint", receiver.url());
    f.db.exec("DROP TABLE email_queue CASCADE");
    const auto r = process_with(f, {}, {{"BUGSNAG_API_KEY", k_api_key}});
    CHECK(r.exit_code == 76);
    const auto requests = receiver.wait_for_requests(1);
    REQUIRE(requests.size() == 1);
    const auto payload = Json::parse(requests[0].find("body")->as_string());
    REQUIRE(payload.ok());
    const auto& e = payload->find("events")->as_array().at(0);
    CHECK(e.find("unhandled")->as_bool());
    CHECK(e.find("context")->as_string() == "queue-process");
    CHECK(e.find("exceptions")->as_array().at(0).find("errorClass")->as_string() ==
          "database.schema");
}

TEST_CASE("a mistake of the caller is not reported", "[bugsnag]") {
    HttpReceiver receiver;
    ProcessFixture f;
    f.set("bugsnag", "endpoint", receiver.url());
    const auto r =
        process_with(f, {"--company", Uuid::random().str()}, {{"BUGSNAG_API_KEY", k_api_key}});
    CHECK(r.exit_code == 66);
    CHECK(receiver.requests().empty());
}

TEST_CASE("without BUGSNAG_API_KEY nothing is reported", "[bugsnag]") {
    HttpReceiver receiver;
    SmtpSink sink;
    ProcessFixture f(sink);
    f.set("bugsnag", "endpoint", receiver.url());
    failing_company(f);
    const auto r = process_with(f, {}, {{"BUGSNAG_API_KEY", ""}});
    CHECK(r.exit_code == 1);
    CHECK(receiver.requests().empty());
}

TEST_CASE("an endpoint that never answers delays the run by the timeout at most", "[bugsnag]") {
    HttpReceiver receiver(HttpReceiver::Mode::hang);
    SmtpSink sink;
    ProcessFixture f(sink);
    f.set("bugsnag", "endpoint", receiver.url());
    f.set("bugsnag", "timeout", "1s");
    const auto company = failing_company(f);
    f.queue_run(f.company("sink"), 3);
    const auto started = std::chrono::steady_clock::now();
    const auto r = process_with(f, {}, {{"BUGSNAG_API_KEY", k_api_key}});
    const auto took = std::chrono::steady_clock::now() - started;
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(sink.wait_for_messages(3).size() == 3);
    CHECK(r.err.find("warning: cannot report 1 error to Bugsnag") != std::string::npos);
    CHECK(took < std::chrono::seconds(6));
    CHECK(receiver.wait_for_requests(1).size() == 1);
    CHECK(f.rows_with_status("sent") == 3);
}
