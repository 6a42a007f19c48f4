#include <catch2/catch.hpp>

#include "bugsnag/notifier.hpp"
#include "db/connection.hpp"
#include "log/log.hpp"
#include "util/error.hpp"

using namespace eq;

namespace {

bugsnag::Settings settings() {
    return bugsnag::Settings{.api_key = "k-0123456789",
                             .endpoint = "http://127.0.0.1:1/",
                             .release_stage = "production",
                             .app_version = "1.2.3",
                             .program = "queue-process",
                             .hostname = "mail1"};
}

} // namespace

TEST_CASE("the payload groups by error class and company and holds no API key", "[bugsnag]") {
    const auto company = Uuid::parse("11111111-2222-3333-4444-555555555555").value();
    const auto p = bugsnag::payload(
        settings(),
        {bugsnag::Event{.error_class = "data", .message = "bad template", .company = company}});
    CHECK(p.dump().find("k-0123456789") == std::string::npos);
    CHECK(p.find("payloadVersion")->as_string() == "5");
    CHECK(p.find("notifier")->find("name")->as_string() == "emailqueue");
    const auto& e = p.find("events")->as_array().at(0);
    CHECK(e.find("groupingHash")->as_string() == "data company " + company.str());
    CHECK(e.find("context")->as_string() == "company " + company.str());
    CHECK(e.find("app")->find("version")->as_string() == "1.2.3");
    CHECK(e.find("app")->find("releaseStage")->as_string() == "production");
    CHECK(e.find("device")->find("hostname")->as_string() == "mail1");
    CHECK(e.find("metaData")->find("emailqueue")->find("company")->as_string() == company.str());
}

TEST_CASE("long messages are cut", "[bugsnag]") {
    const auto p = bugsnag::payload(
        settings(), {bugsnag::Event{.error_class = "x", .message = std::string(2000, 'a')}});
    const auto& m = p.find("events")
                        ->as_array()
                        .at(0)
                        .find("exceptions")
                        ->as_array()
                        .at(0)
                        .find("message")
                        ->as_string();
    CHECK(m.size() == bugsnag::k_max_message);
}

TEST_CASE("error classes come from the exit code and the kind of error", "[bugsnag]") {
    CHECK(bugsnag::error_class(Error(ExitCode::data, "m")) == "data");
    CHECK(bugsnag::error_class(db::DbError(ExitCode::schema, "m", "42P01", "m")) ==
          "database.schema");
    CHECK(bugsnag::error_class(std::runtime_error("m")) == "internal");
}

TEST_CASE("without an API key nothing is sent", "[bugsnag]") {
    auto s = settings();
    s.api_key.clear();
    bugsnag::Notifier n(s);
    CHECK_FALSE(n.enabled());
    const auto r = n.notify({bugsnag::Event{.error_class = "x", .message = "m"}});
    REQUIRE(r.ok());
    CHECK_FALSE(*r);
}

TEST_CASE("registered secrets are redacted from every message before it is cut", "[bugsnag]") {
    const std::string secret = "bugsnag-\"secret\"-91ab";
    log::add_secret(secret);
    const auto p = bugsnag::payload(
        settings(), {bugsnag::Event{.error_class = "database", .message = "failed: " + secret}});
    const auto& e = p.find("events")->as_array().at(0);
    CHECK(e.find("exceptions")->as_array().at(0).find("message")->as_string() ==
          "failed: [redacted]");
    CHECK(p.dump().find("secret") == std::string::npos);
}
