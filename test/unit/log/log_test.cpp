#include <catch2/catch.hpp>
#include <unistd.h>

#include <cstdio>

#include "log/log.hpp"
#include "util/json.hpp"

using namespace eq;

TEST_CASE("levels and formats parse from their names only", "[log]") {
    CHECK(log::parse_level("error") == log::Level::error);
    CHECK(log::parse_level("warn") == log::Level::warn);
    CHECK(log::parse_level("warning") == log::Level::warn);
    CHECK(log::parse_level("info") == log::Level::info);
    CHECK(log::parse_level("debug") == log::Level::debug);
    CHECK_FALSE(log::parse_level("trace"));
    CHECK(log::parse_format("text") == log::Format::text);
    CHECK(log::parse_format("json") == log::Format::json);
    CHECK(log::parse_format("syslog") == log::Format::syslog);
    CHECK_FALSE(log::parse_format("xml"));
}

TEST_CASE("a text line names the program and level, and a hint follows on its own line", "[log]") {
    CHECK(log::format_text("queue-process", log::Level::warn, "company x held: 535", {}) ==
          "queue-process: warning: company x held: 535\n");
    CHECK(log::format_text("queue-admin", log::Level::error, "no company y", "see status") ==
          "queue-admin: error: no company y\nhint: see status\n");
    CHECK(log::format_text("queue-enqueue", log::Level::debug, "m", {}) ==
          "queue-enqueue: debug: m\n");
}

TEST_CASE("a json line has every field, in order, null when not about a company", "[log]") {
    const auto company = Uuid::parse("11111111-2222-3333-4444-555555555555").value();
    const auto time = parse_timestamp("2026-05-01T07:00:00.25Z").value();
    const auto line = log::format_json(time, "queue-process", log::Level::info, "say \"hi\"\n",
                                       log::Context{company}, {});
    REQUIRE(line.back() == '\n');
    CHECK(line.find('\n') == line.size() - 1); // one line, whatever the message holds
    const auto j = Json::parse(line).value();
    CHECK(j == Json(Json::Object{{"time", "2026-05-01T07:00:00.250000Z"},
                                 {"level", "info"},
                                 {"program", "queue-process"},
                                 {"company", company.str()},
                                 {"run", nullptr},
                                 {"row", nullptr},
                                 {"message", "say \"hi\"\n"}}));
    const auto hinted =
        Json::parse(log::format_json(time, "queue-admin", log::Level::error, "m", {}, "try this"))
            .value();
    CHECK(hinted.find("hint")->as_string() == "try this");
    CHECK(hinted.find("company")->is_null());
}

TEST_CASE("registered secrets are redacted wherever they occur", "[log]") {
    CHECK(log::redact("key s3cret-key and s3cret-key again", {"s3cret-key"}) ==
          "key [redacted] and [redacted] again");
    CHECK(log::redact("nothing here", {"s3cret-key", ""}) == "nothing here");
    CHECK(log::redact("aaaa", {"aa"}) == "[redacted][redacted]");
}

namespace {

// What log::write puts on stderr while `f` runs.
template <class F> std::string stderr_of(F&& f) {
    std::fflush(stderr);
    const int saved = ::dup(STDERR_FILENO);
    std::FILE* tmp = std::tmpfile();
    ::dup2(::fileno(tmp), STDERR_FILENO);
    f();
    std::fflush(stderr);
    ::dup2(saved, STDERR_FILENO);
    ::close(saved);
    std::string out;
    std::rewind(tmp);
    for (int c; (c = std::fgetc(tmp)) != EOF;) {
        out.push_back(static_cast<char>(c));
    }
    std::fclose(tmp);
    return out;
}

} // namespace

TEST_CASE("a secret JSON escapes is still redacted in JSON lines and by redact_secrets", "[log]") {
    const std::string secret = "pa\"ss\\wo\trd-7c1e";
    log::add_secret(secret);
    const auto before = log::settings();
    log::configure(
        {.program = "queue-process", .level = log::Level::info, .format = log::Format::json});
    const auto out = stderr_of([&] { log::error("refused: " + secret, {}, "try " + secret); });
    log::configure(before);
    INFO(out);
    const auto line = Json::parse(out);
    REQUIRE(line.ok());
    CHECK(line->find("message")->as_string() == "refused: [redacted]");
    CHECK(line->find("hint")->as_string() == "try [redacted]");
    CHECK(out.find("ss\\\\wo") == std::string::npos); // the escaped form is gone too
    CHECK(log::redact_secrets("x " + secret + " y") == "x [redacted] y");
}
