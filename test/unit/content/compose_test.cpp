#include <catch2/catch.hpp>

#include "content/compose.hpp"

using namespace eq;
using namespace eq::content;

namespace {

ContentRequest request() {
    ContentRequest r;
    r.campaign_template = "Subject: Hi {{lead.first_name}}\n\n<p>Hello {{lead.name}}</p>";
    r.records.lead = {{"name", "Ann Lee"}};
    return r;
}

} // namespace

TEST_CASE("pre-generated content is sent as it is", "[compose]") {
    auto r = request();
    r.subject = "Pre {{lead.name}}";
    r.email_body = "<p>as <b>is</b> {{x}}</p>";
    const auto c = std::get<Content>(compose_content(config::Config::Content{}, r));
    CHECK(c.subject == "Pre {{lead.name}}");
    CHECK(c.html_body == "<p>as <b>is</b> {{x}}</p>");
}

TEST_CASE("without pre-generated content the template is rendered", "[compose]") {
    auto r = request();
    r.subject = "only a subject"; // half of the pair: not pre-generated
    const auto c = std::get<Content>(compose_content(config::Config::Content{}, r));
    CHECK(c.subject == "Hi Ann");
    CHECK(c.html_body == "<p>Hello Ann Lee</p>");
}

TEST_CASE("a missing or bad template is a permanent failure", "[compose]") {
    auto r = request();
    r.campaign_template.reset();
    auto f = std::get<ContentFailure>(compose_content(config::Config::Content{}, r));
    CHECK_FALSE(f.transient);
    CHECK(f.message ==
          std::string("the campaign has no template") + std::string(content::k_no_content_hint));
    CHECK(f.message.find("content.generator: command") != std::string::npos);
    r.campaign_template = "Subject: x\n\n{{lead.bogus}}";
    f = std::get<ContentFailure>(compose_content(config::Config::Content{}, r));
    CHECK_FALSE(f.transient);
    CHECK(f.message.starts_with("template line 3: unknown placeholder {{lead.bogus}}"));
}

TEST_CASE("the command generator replaces the template, and its failures are transient",
          "[compose]") {
    config::Config::Content settings;
    settings.generator = config::ContentGenerator::command;
    settings.command = "echo '{\"subject\": \"From the program\", \"body\": \"<p>b</p>\"}'";
    const auto c = std::get<Content>(compose_content(settings, request()));
    CHECK(c.subject == "From the program");
    settings.command = "echo busy >&2; exit 75";
    const auto f = std::get<ContentFailure>(compose_content(settings, request()));
    CHECK(f.transient);
    CHECK(f.message == "content generator exited with status 75; stderr: busy");
}
