#include "campaign/validation.hpp"
#include "config/config.hpp"

#include <catch2/catch.hpp>

using namespace eq;
using namespace eq::campaign;

namespace {

Campaign good_campaign() {
    Campaign c;
    c.name = "Spring outreach";
    c.type = "email";
    c.email_template = "Subject: Hello {{lead.first_name}}\n\n<p>Hi</p>";
    return c;
}

SendingAccount good_account() {
    SendingAccount a;
    a.company_name = "Acme";
    a.email = "jack.doe@acme.example";
    a.email_valid = true;
    a.has_password = true;
    a.type = "gmail";
    return a;
}

std::optional<std::string> problems(const Campaign& c, const std::optional<SendingAccount>& a) {
    return sending_problems(c, a, config::defaults());
}

} // namespace

TEST_CASE("a complete email campaign with a usable account has no problem", "[validation]") {
    CHECK_FALSE(problems(good_campaign(), good_account()));
    auto crlf = good_campaign();
    crlf.email_template = "subject: Hi\r\n\r\n<p>Hi</p>\r\n";
    CHECK_FALSE(problems(crlf, good_account()));
    auto upper = good_account();
    upper.type = " Outlook ";
    CHECK_FALSE(problems(good_campaign(), upper));
}

TEST_CASE("each problem of the campaign or its account is named", "[validation]") {
    auto c = good_campaign();
    auto a = good_account();
    std::string expected;
    SECTION("type") {
        c.type = "sms";
        expected = "the campaign's type is 'sms', not 'email'";
    }
    SECTION("no template") {
        c.email_template.reset();
        expected = "the campaign has no template";
    }
    SECTION("no subject line") {
        c.email_template = "<p>Hi</p>";
        expected = "the template's first line is not a 'Subject:' line";
    }
    SECTION("subject not on the first line") {
        c.email_template = "\nSubject: Hi\n\nbody";
        expected = "the template's first line is not a 'Subject:' line";
    }
    SECTION("empty subject") {
        c.email_template = "Subject:\t\n\nbody";
        expected = "the template's subject is empty";
    }
    SECTION("no body") {
        c.email_template = "Subject: Hi\n\n \n";
        expected = "the template has no body after its subject line";
    }
    SECTION("no company") {
        c.company_id = Uuid::parse("5f0c5b1e-0000-4000-8000-000000000001").value();
        REQUIRE(sending_problems(c, std::nullopt, config::defaults()) ==
                "company 5f0c5b1e-0000-4000-8000-000000000001 does not exist");
        return;
    }
    SECTION("no account email") {
        a.email = "  ";
        expected = "the company has no account_email";
    }
    SECTION("invalid account email") {
        a.email = "jack";
        a.email_valid = false;
        expected = "the company's account_email 'jack' is not a valid address";
    }
    SECTION("no password") {
        a.has_password = false;
        expected = "the company has no account_password";
    }
    SECTION("no account type") {
        a.type.reset();
        expected = "the company has no account_type";
    }
    SECTION("unknown provider") {
        a.type = std::string(100, 'x');
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
    a.has_password = false;
    CHECK(problems(c, a) == "the campaign's type is 'sms', not 'email'; the campaign has no "
                            "template; the company has no account_password");
}

TEST_CASE("providers come from the configuration", "[validation]") {
    auto a = good_account();
    a.type = "mailhost";
    CHECK(problems(good_campaign(), a).has_value());
    auto config = config::defaults();
    config.smtp.providers["mailhost"] = config::Provider{"mail.acme.example"};
    CHECK_FALSE(sending_problems(good_campaign(), a, config));
}
