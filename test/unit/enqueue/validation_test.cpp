#include <catch2/catch.hpp>

#include "config/config.hpp"
#include "enqueue/validation.hpp"

using namespace eq;
using namespace eq::enqueue;

namespace {

campaign::Campaign good_campaign() {
    campaign::Campaign c;
    c.name = "Spring outreach";
    c.type = "email";
    c.email_template = "Subject: Hello {{lead.first_name}}\n\n<p>Hi {{company.name}}</p>";
    return c;
}

campaign::CompanyAccount good_account() {
    campaign::CompanyAccount a;
    a.name = "Acme";
    a.account_email = "jack.doe@acme.example";
    a.account_password = "gAAAA-token";
    a.account_type = "gmail";
    return a;
}

std::optional<std::string> problems(const campaign::Campaign& c,
                                    const std::optional<campaign::CompanyAccount>& a) {
    return sending_problems(c, a, config::defaults());
}

} // namespace

TEST_CASE("a complete email campaign with a usable account has no problem", "[validation]") {
    CHECK_FALSE(problems(good_campaign(), good_account()));
    auto crlf = good_campaign();
    crlf.email_template = "subject: Hi\r\n\r\n<p>Hi</p>\r\n";
    CHECK_FALSE(problems(crlf, good_account()));
    auto upper = good_account();
    upper.account_type = " Outlook ";
    CHECK_FALSE(problems(good_campaign(), upper));
}

TEST_CASE("each problem of the campaign or its account is named", "[validation]") {
    auto c = good_campaign();
    auto a = good_account();
    std::string expected;
    SECTION("type") {
        c.type = "sms";
        expected = "the campaign's type is 'sms', not 'email' or 'email_and_call'";
    }
    SECTION("no template") {
        c.email_template.reset();
        expected = "the campaign has no template";
    }
    SECTION("blank template") {
        c.email_template = " \n ";
        expected = "the campaign has no template";
    }
    SECTION("no subject line") {
        c.email_template = "<p>Hi</p>";
        expected = "template line 1: the template must start with a 'Subject: ...' line, a "
                   "blank line, then the HTML body";
    }
    SECTION("unknown placeholder") {
        c.email_template = "Subject: Hi\n\n<p>Hi {{lead.nmae}}</p>";
        expected = "template line 3: unknown placeholder {{lead.nmae}}; did you mean "
                   "{{lead.name}}?";
    }
    SECTION("no company") {
        c.company_id = Uuid::parse("5f0c5b1e-0000-4000-8000-000000000001").value();
        REQUIRE(sending_problems(c, std::nullopt, config::defaults()) ==
                "company 5f0c5b1e-0000-4000-8000-000000000001 does not exist");
        return;
    }
    SECTION("no account email") {
        a.account_email = "  ";
        expected = "the company has no account_email";
    }
    SECTION("invalid account email") {
        a.account_email = "jack@localhost";
        expected = "the company's account_email 'jack@localhost' is not a valid address: the "
                   "domain needs at least two labels (like example.com)";
    }
    SECTION("no password") {
        a.account_password.clear();
        expected = "the company has no account_password";
    }
    SECTION("no account type") {
        a.account_type.clear();
        expected = "the company has no account_type";
    }
    SECTION("unknown provider") {
        a.account_type = std::string(100, 'x');
        expected = "the company's account_type '" + std::string(64, 'x') +
                   "...' is not a configured SMTP provider (known: gmail, outlook, yahoo)";
    }
    CHECK(problems(c, a) == expected);
}

TEST_CASE("all problems are reported together, campaign first", "[validation]") {
    auto c = good_campaign();
    c.type = "sms";
    c.email_template.reset();
    auto a = good_account();
    a.account_password.clear();
    CHECK(problems(c, a) == "the campaign's type is 'sms', not 'email' or 'email_and_call'; the "
                            "campaign has no template; the company has no account_password");
}

TEST_CASE("providers come from the configuration", "[validation]") {
    auto a = good_account();
    a.account_type = "mailhost";
    CHECK(problems(good_campaign(), a).has_value());
    auto config = config::defaults();
    config.smtp.providers["mailhost"] = config::Provider{.host = "mail.acme.example"};
    CHECK_FALSE(sending_problems(good_campaign(), a, config));
}

TEST_CASE("with a content generator command the template is not needed", "[validation]") {
    auto c = good_campaign();
    c.email_template.reset();
    auto config = config::defaults();
    config.content.generator = config::ContentGenerator::command;
    config.content.command = "/usr/local/bin/write-email";
    CHECK_FALSE(sending_problems(c, good_account(), config));
}

TEST_CASE("a template with {email_body} and no Subject line is the web application's own",
          "[validation]") {
    auto c = good_campaign();
    CHECK_FALSE(enqueue::web_application_template(c));
    c.email_template = "<html><body>{email_body}</body></html>";
    CHECK(enqueue::web_application_template(c));
    // Not validated as emailqueue's template: refused before, by queue-enqueue.
    CHECK_FALSE(problems(c, good_account()));
    c.email_template = "subject: Hi {email_body}\n\nbody";
    CHECK_FALSE(enqueue::web_application_template(c));
    c.email_template = "Hello\n\nbody"; // a broken emailqueue template
    CHECK_FALSE(enqueue::web_application_template(c));
    CHECK(problems(c, good_account()).has_value());
    c.email_template.reset();
    CHECK_FALSE(enqueue::web_application_template(c));
}
