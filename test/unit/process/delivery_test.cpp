#include <catch2/catch.hpp>

#include "process/delivery.hpp"
#include "unit/process/fakes.hpp"

using namespace eq;
using process::Delivery;
using process::DeliveryRules;
using process::RowAction;
using smtp::SmtpStage;
using test::accepted;
using test::FakeClock;
using test::refused;
using test::ScriptedMailer;
using namespace std::chrono_literals;

TEST_CASE("an accepted message is recorded sent, sent from and to the addresses given",
          "[batch][delivery]") {
    FakeClock clock;
    ScriptedMailer mailer(clock);
    mailer.script(accepted(), 5ms);
    Delivery delivery(mailer, clock, DeliveryRules{});
    const auto decision = delivery.send("sales@acme.example", "lead@example.org", "message", 0);
    CHECK(decision.action == RowAction::sent);
    REQUIRE(mailer.sent.size() == 1);
    CHECK(mailer.sent[0].from == "sales@acme.example");
    CHECK(mailer.sent[0].to == "lead@example.org");
    CHECK(mailer.sent[0].message == "message");
}

TEST_CASE("replies are classified into what becomes of the row", "[batch][delivery]") {
    FakeClock clock;
    ScriptedMailer mailer(clock);
    Delivery delivery(mailer, clock, DeliveryRules{false, 3});
    const auto send = [&](smtp::SendOutcome outcome) {
        mailer.script(std::move(outcome), 1ms);
        return delivery.send("sales@acme.example", "lead@example.org", "m", 0);
    };

    SECTION("a greylisting 4xx at RCPT retries the row") {
        const auto d = send(refused(450, "4.2.0", SmtpStage::rcpt_to));
        CHECK(d.action == RowAction::retry);
        CHECK_FALSE(d.bounce);
    }
    SECTION("an unknown recipient fails the row and bounces the address") {
        const auto d = send(refused(550, "5.1.1", SmtpStage::rcpt_to));
        CHECK(d.action == RowAction::fail);
        CHECK(d.bounce);
        CHECK_THAT(d.reason, Catch::Contains("550"));
    }
    SECTION("a content refusal fails the row without a bounce") {
        const auto d = send(refused(554, "5.7.1", SmtpStage::after_body));
        CHECK(d.action == RowAction::fail);
        CHECK_FALSE(d.bounce);
    }
    SECTION("a silence after the whole message holds the row for an operator") {
        const auto d = send(test::lost_after_body());
        CHECK(d.action == RowAction::held);
    }
    SECTION("a refused login holds the company, not counted against the row") {
        const auto d = send(refused(535, "5.7.8", SmtpStage::session, 67));
        CHECK(d.action == RowAction::hold_company);
        CHECK_FALSE(d.row_held_company);
        CHECK_FALSE(d.quota);
    }
    SECTION("a spent quota at MAIL FROM holds the company for the quota, counted on the row") {
        const auto d = send(refused(550, "5.4.5", SmtpStage::mail_from));
        CHECK(d.action == RowAction::hold_company);
        CHECK(d.row_held_company);
        CHECK(d.quota);
    }
}

TEST_CASE("an unknown outcome is retried when resend_unknown is on", "[batch][delivery]") {
    FakeClock clock;
    ScriptedMailer mailer(clock);
    mailer.script(test::lost_after_body(), 1ms);
    Delivery delivery(mailer, clock, DeliveryRules{true, 3});
    CHECK(delivery.send("a@acme.example", "b@example.org", "m", 0).action == RowAction::retry);
}

TEST_CASE("a message that keeps holding its company stops holding it", "[batch][delivery]") {
    FakeClock clock;
    ScriptedMailer mailer(clock);
    Delivery delivery(mailer, clock, DeliveryRules{false, 3});
    const auto send = [&](smtp::SendOutcome outcome, int company_holds) {
        mailer.script(std::move(outcome), 1ms);
        return delivery.send("a@acme.example", "b@example.org", "m", company_holds);
    };

    SECTION("below the limit the company is held") {
        const auto d = send(refused(421, "4.7.0", SmtpStage::data), 1);
        CHECK(d.action == RowAction::hold_company);
        CHECK(d.row_held_company);
    }
    SECTION("at the limit a transient refusal retries the row and the company goes on") {
        const auto d = send(refused(421, "4.7.0", SmtpStage::data), 2);
        CHECK(d.action == RowAction::retry);
        CHECK_THAT(d.reason, Catch::Contains("held the company 3 times in a row"));
    }
    SECTION("at the limit a permanent refusal fails the row") {
        const auto d = send(refused(550, "5.7.1", SmtpStage::mail_from), 2);
        CHECK(d.action == RowAction::fail);
        CHECK_THAT(d.reason, Catch::Contains("this message no longer holds it"));
    }
    SECTION("a failure before MAIL FROM holds the company however often") {
        const auto d = send(refused(535, "5.7.8", SmtpStage::session, 67), 10);
        CHECK(d.action == RowAction::hold_company);
        CHECK_FALSE(d.row_held_company);
    }
}

TEST_CASE("the batch works ahead only after a server that answered quickly",
          "[batch][delivery][work-ahead]") {
    FakeClock clock;
    ScriptedMailer mailer(clock);
    Delivery delivery(mailer, clock, DeliveryRules{});
    CHECK_FALSE(delivery.quick()); // nothing known before the first answer

    mailer.script(accepted(), 2ms);
    delivery.send("a@acme.example", "b@example.org", "m", 0);
    CHECK(delivery.quick());

    mailer.script(accepted(), process::k_overlap_limit);
    delivery.send("a@acme.example", "b@example.org", "m", 0);
    CHECK_FALSE(delivery.quick());

    mailer.script(refused(450, "4.2.0", SmtpStage::rcpt_to), 0ms);
    delivery.send("a@acme.example", "b@example.org", "m", 0);
    CHECK(delivery.quick());
}
