#include <catch2/catch.hpp>

#include "queue/email_queue_item.hpp"
#include "throttle/email_throttle_settings.hpp"

using namespace eq;

TEST_CASE("queue statuses round-trip and unknown ones are refused", "[models]") {
    for (const char* s :
         {"pending", "processing", "sent", "failed", "skipped", "held", "cancelled"}) {
        const auto parsed = queue::parse_queue_status(s);
        REQUIRE(parsed.ok());
        CHECK(queue::to_string(*parsed) == s);
    }
    CHECK_FALSE(queue::parse_queue_status("done").ok());
    CHECK(queue::is_final(queue::QueueStatus::sent));
    CHECK_FALSE(queue::is_final(queue::QueueStatus::held));
    CHECK_FALSE(queue::is_final(queue::QueueStatus::pending));
}

TEST_CASE("EmailQueueItem validation", "[models]") {
    queue::EmailQueueItem item{.id = Uuid::random(),
                               .company_id = Uuid::random(),
                               .campaign_id = Uuid::random(),
                               .campaign_run_id = Uuid::random(),
                               .lead_id = Uuid::random()};
    CHECK_FALSE(item.validate().has_value());
    item.max_retries = -1;
    CHECK(item.validate()->message == "max_retries -1 is negative");
    item.max_retries = 3;
    item.subject = "Hi";
    CHECK(item.validate()->message.find("both a subject and a body") != std::string::npos);
}

TEST_CASE("EmailThrottleSettings validation and warnings", "[models]") {
    throttle::EmailThrottleSettings s;
    CHECK(s.max_emails_per_hour == 50);
    CHECK(s.max_emails_per_day == 500);
    CHECK(s.enabled);
    CHECK(s.is_default());
    CHECK_FALSE(s.validate().has_value());
    CHECK(s.warnings().empty());
    s.max_emails_per_hour = 600;
    REQUIRE(s.warnings().size() == 1);
    CHECK(s.warnings()[0].find("the hourly limit (600) exceeds the daily limit (500)") == 0);
    s.max_emails_per_day = -1;
    CHECK(s.validate()->message == "max_emails_per_day -1 is negative");
}
