#include <catch2/catch.hpp>

#include "process/composer.hpp"

using namespace eq;
using process::Composer;
using process::Refusal;

namespace {

Json json(std::string_view text) {
    auto parsed = Json::parse(text);
    REQUIRE(parsed);
    return std::move(parsed).value();
}

queue::ClaimedRow sendable_row() {
    queue::ClaimedRow row;
    row.item.id = Uuid::random();
    row.item.company_id = Uuid::random();
    row.item.campaign_id = Uuid::random();
    row.item.campaign_run_id = Uuid::random();
    row.item.lead_id = Uuid::random();
    row.item.subject = "Hello Ada";
    row.item.email_body = "<p>Hi Ada</p>";
    row.lead_found = true;
    row.campaign_found = true;
    row.lead_email = "ada@example.org";
    row.lead = json(R"({"name": "Ada Lovelace", "email": "ada@example.org",
                        "phone_number": "+44 20 7946 0000"})");
    row.campaign = json(R"({"type": "email_and_call", "trigger_call_on": "after_email_sent"})");
    return row;
}

campaign::CompanyAccount account() {
    campaign::CompanyAccount a;
    a.id = Uuid::random();
    a.name = "Acme";
    a.account_email = "sales@acme.example";
    a.account_type = "gmail";
    a.fields = json(R"({"name": "Acme"})");
    return a;
}

} // namespace

TEST_CASE("rows that cannot be sent are refused before composing", "[batch][compose]") {
    auto row = sendable_row();
    CHECK_FALSE(process::row_refusal(row));

    const auto refused = [](const queue::ClaimedRow& r) {
        const auto refusal = process::row_refusal(r);
        REQUIRE(refusal);
        return *refusal;
    };
    SECTION("the lead is gone") {
        row.lead_found = false;
        CHECK(refused(row).kind == Refusal::Kind::fail);
        CHECK(refused(row).reason == "the lead no longer exists");
    }
    SECTION("the lead was deleted") {
        row.lead_deleted = true;
        CHECK(refused(row).reason == "the lead was deleted");
    }
    SECTION("the campaign is gone") {
        row.campaign_found = false;
        CHECK(refused(row).reason == "the campaign no longer exists");
    }
    SECTION("no address") {
        row.lead_email.reset();
        CHECK(refused(row).reason == "the lead has no email address");
    }
    SECTION("an invalid address") {
        row.lead_email = "ada at example.org";
        CHECK(refused(row).kind == Refusal::Kind::fail);
        CHECK_THAT(refused(row).reason, Catch::StartsWith("invalid address: "));
    }
    SECTION("a suppressed address is skipped, not failed") {
        row.suppressed = true;
        CHECK(refused(row).kind == Refusal::Kind::skip);
    }
}

TEST_CASE("a first email of an email-and-call campaign hands its lead a call script",
          "[batch][compose]") {
    config::Config config;
    const Composer composer(config, account());
    auto row = sendable_row();
    CHECK_FALSE(composer.hands_off_a_call(row)); // no generator configured
    CHECK_FALSE(composer.generates(row));

    config.content.generator = config::ContentGenerator::command;
    config.content.command = "true";
    CHECK(composer.hands_off_a_call(row));
    CHECK_FALSE(composer.generates(row)); // the row has its content
    row.item.subject.reset();
    CHECK(composer.generates(row));

    SECTION("not a reminder or reply") {
        row.item.email_log_id = Uuid::random();
        CHECK_FALSE(composer.hands_off_a_call(row));
    }
    SECTION("not without a phone number") {
        row.lead = json(R"({"name": "Ada", "phone_number": "  "})");
        CHECK_FALSE(composer.hands_off_a_call(row));
    }
    SECTION("not when the hand-off is off") {
        config.processing.call_handoff = false;
        CHECK_FALSE(composer.hands_off_a_call(row));
    }
}

TEST_CASE("a row's message is built with its Message-ID, and rebuilt with the one its mark "
          "stored",
          "[batch][compose]") {
    const config::Config config;
    const Composer composer(config, account());
    bool call_script = false;
    auto composed = composer.compose(sendable_row(), [&] { call_script = true; });
    REQUIRE(std::holds_alternative<process::Prepared>(composed));
    auto& p = std::get<process::Prepared>(composed);
    CHECK_FALSE(call_script); // the template generator writes no call script
    CHECK(p.to == "ada@example.org");
    CHECK_THAT(p.message_id, Catch::EndsWith("@acme.example>"));
    CHECK_THAT(p.bytes, Catch::Contains("Subject: Hello Ada"));
    CHECK_THAT(p.bytes, Catch::Contains(p.message_id));

    const auto before = p.bytes;
    CHECK_FALSE(composer.adopt(p, p.message_id, p.email_log_id));
    CHECK(p.bytes == before); // the same: not rebuilt

    const std::string stored = "<first-attempt@acme.example>";
    CHECK_FALSE(composer.adopt(p, stored, p.email_log_id));
    CHECK(p.message_id == stored);
    CHECK_THAT(p.bytes, Catch::Contains(stored));
}

TEST_CASE("a row without content under the template generator fails", "[batch][compose]") {
    const config::Config config;
    const Composer composer(config, account());
    auto row = sendable_row();
    row.item.subject.reset();
    const auto composed = composer.compose(std::move(row), [] {});
    REQUIRE(std::holds_alternative<Refusal>(composed));
    CHECK(std::get<Refusal>(composed).kind == Refusal::Kind::fail);
}

TEST_CASE("columns become template fields", "[batch][compose]") {
    const auto fields =
        process::to_fields(json(R"({"a": "text", "b": null, "c": true, "d": 42, "e": [1]})"));
    CHECK(fields.at("a") == "text");
    CHECK_FALSE(fields.at("b"));
    CHECK(fields.at("c") == "true");
    CHECK(fields.at("d") == "42");
    CHECK(fields.at("e") == "[1]");
    CHECK(process::to_fields(Json()).empty());
}
