#include <catch2/catch.hpp>

#include "content/template.hpp"

using namespace eq;
using namespace eq::content;

namespace {

Records ann() {
    Records r;
    r.lead = {{"name", "Ann <Lee>"},
              {"email", "ann@x.example"},
              {"company", "A&B Ltd"},
              {"job_title", std::nullopt}};
    r.company = {{"name", "Acme"}, {"account_password", "gAAAA-secret"}};
    r.campaign = {{"name", "Spring \"launch\""}};
    return r;
}

std::string error_of(std::string_view text) {
    const auto f = validate_template(text);
    return f ? f->message : "valid";
}

} // namespace

TEST_CASE("a template renders with HTML-escaped body values and a plain subject", "[template]") {
    const auto c = render_template(
        "Subject: Hi {{lead.first_name}} from {{ company.name }}: {{campaign.name}}\n\n"
        "<p>Dear {{lead.name}} of {{lead.company}} ({{lead.job_title}})</p>\n",
        ann());
    REQUIRE(c.ok());
    CHECK(c->subject == "Hi Ann from Acme: Spring \"launch\"");
    CHECK(c->html_body == "<p>Dear Ann &lt;Lee&gt; of A&amp;B Ltd ()</p>\n");
}

TEST_CASE("a template may use CRLF, leading blank lines and no blank line", "[template]") {
    const auto a = render_template("\xef\xbb\xbf\r\nsubject:  Hello\r\n\r\n<p>x</p>", ann());
    REQUIRE(a.ok());
    CHECK(a->subject == "Hello");
    CHECK(a->html_body == "<p>x</p>");
    const auto b = render_template("Subject: Hello\n<p>x</p>", ann());
    REQUIRE(b.ok());
    CHECK(b->html_body == "<p>x</p>");
}

TEST_CASE("first_name is the first word of the name, or the row's own value", "[template]") {
    CHECK(first_name(std::string("  Ann Marie Lee ")) == "Ann");
    CHECK(first_name(std::nullopt).empty());
    CHECK(first_name(std::string("   ")).empty());
    auto r = ann();
    r.lead["first_name"] = "Annie";
    CHECK(render_template("Subject: {{lead.first_name}}\n\nx", r)->subject == "Annie");
}

TEST_CASE("values with line breaks stay on the subject line", "[template]") {
    auto r = ann();
    r.lead["name"] = "Ann\r\nBcc: evil@x.example";
    CHECK(render_template("Subject: Hi {{lead.name}}\n\nx", r)->subject ==
          "Hi Ann  Bcc: evil@x.example");
}

// Found by test/fuzz/template_fuzz.cpp: a bare CR inside the subject line was kept.
TEST_CASE("a bare CR in the subject line's own text becomes a space", "[template][fuzz]") {
    const auto c =
        render_template("Subject: Hello\rBcc: x@evil.example {{lead.name}}\n\n<p>x</p>", ann());
    REQUIRE(c.ok());
    CHECK(c->subject == "Hello Bcc: x@evil.example Ann <Lee>");
    CHECK(c->subject.find_first_of("\r\n") == std::string::npos);
}

TEST_CASE("bad templates are refused with the line and a suggestion", "[template]") {
    CHECK(error_of("Subject: Hi\n\n<p>{{lead.name}}</p>") == "valid");
    CHECK(error_of("Hello\n\n<p>x</p>") ==
          "template line 1: the template must start with a 'Subject: ...' line, a blank line, "
          "then the HTML body");
    CHECK(error_of("").starts_with("template line 1: the template must start with"));
    CHECK(error_of("Subject:   \n\nx") == "template line 1: the subject line is empty");
    CHECK(error_of("Subject: x\n\n   \n") ==
          "template line 1: the template has a subject but no body");
    CHECK(error_of("Subject: x\n\n<p>\n{{lead.nmae}}</p>") ==
          "template line 4: unknown placeholder {{lead.nmae}}; did you mean {{lead.name}}?");
    CHECK(error_of("Subject: {{foo}}\n\nx") ==
          "template line 1: unknown placeholder {{foo}}; use {{lead.<column>}}, "
          "{{company.<column>}} or {{campaign.<column>}}");
    CHECK(error_of("Subject: x\n\n<p>{{lead.name</p>\n}}") ==
          "template line 3: '{{' without a closing '}}'");
    CHECK(error_of("Subject: x\n\n{{company.account_password}}")
              .starts_with("template line 3: unknown placeholder {{company.account_password}}"));
}

TEST_CASE("render fails exactly where validate does, and on an empty subject", "[template]") {
    CHECK_FALSE(render_template("Subject: x\n\n{{lead.nope}}", ann()).ok());
    auto r = ann();
    r.lead["name"] = std::nullopt;
    const auto c = render_template("Subject: {{lead.first_name}}\n\nx", r);
    REQUIRE_FALSE(c.ok());
    CHECK(c.error() == "template line 1: the subject is empty for this lead");
}

TEST_CASE("the known columns can be passed in", "[template]") {
    TemplateColumns columns = default_template_columns();
    columns.lead.push_back("city");
    CHECK(validate_template("Subject: x\n\n{{lead.city}}").has_value());
    CHECK_FALSE(validate_template("Subject: x\n\n{{lead.city}}", columns).has_value());
    auto r = ann();
    r.lead["city"] = "Oslo";
    CHECK(render_template("Subject: x\n\n{{lead.city}}", r, columns)->html_body == "Oslo");
}
