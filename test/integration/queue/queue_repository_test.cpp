#include <catch2/catch.hpp>

#include "campaign/campaign_run.hpp"
#include "queue/queue_repository.hpp"
#include "support/run_fixture.hpp"
#include "throttle/throttle_repository.hpp"

using namespace eq;
using namespace eq::test;
using namespace std::chrono;

using Fixture = RunFixture;

TEST_CASE("add_email_to_queue stores a pending row with the seed's defaults", "[queue]") {
    Fixture f;
    const auto row = queue::add_email_to_queue(f.conn, f.item(f.lead("a@x.example")));
    CHECK(row.status == queue::QueueStatus::pending);
    CHECK(row.priority == 1);
    CHECK(row.retry_count == 0);
    CHECK(row.max_retries == 3);
    CHECK(row.campaign_run_id == f.run);
    CHECK_FALSE(row.processed_at.has_value());
    CHECK(row.scheduled_for <= time_point_cast<microseconds>(system_clock::now()) + seconds(5));
}

TEST_CASE("add_email_to_queue is idempotent per run and lead", "[queue]") {
    Fixture f;
    const auto lead = f.lead("a@x.example");
    auto spec = f.item(lead);
    const auto first = queue::add_email_to_queue(f.conn, spec);
    spec.priority = 9;
    const auto second = queue::add_email_to_queue(f.conn, spec);
    CHECK(second.id == first.id);
    CHECK(second.priority == 1);
    CHECK(f.db.count("SELECT count(*) FROM email_queue") == 1);
}

TEST_CASE("add_email_to_queue refuses invalid items and writes nothing", "[queue]") {
    Fixture f;
    auto spec = f.item(f.lead("a@x.example"));
    spec.priority = -1;
    CHECK_THROWS_WITH(queue::add_email_to_queue(f.conn, spec), "priority -1 is negative");
    spec.priority = 1;
    spec.subject = "only a subject";
    CHECK_THROWS_AS(queue::add_email_to_queue(f.conn, spec), Error);
    CHECK(f.db.count("SELECT count(*) FROM email_queue") == 0);
}

TEST_CASE("get_next_emails_to_process returns due rows in send order", "[queue]") {
    Fixture f;
    const auto low = queue::add_email_to_queue(f.conn, f.item(f.lead("low@x.example")));
    auto high_spec = f.item(f.lead("high@x.example"));
    high_spec.priority = 5;
    const auto high = queue::add_email_to_queue(f.conn, high_spec);
    const auto low2 = queue::add_email_to_queue(f.conn, f.item(f.lead("low2@x.example")));
    auto later = f.item(f.lead("later@x.example"));
    later.scheduled_for = time_point_cast<microseconds>(system_clock::now() + hours(1));
    queue::add_email_to_queue(f.conn, later);
    const auto sent = queue::add_email_to_queue(f.conn, f.item(f.lead("sent@x.example")));
    queue::update_queue_item_status(f.conn, sent.id, queue::QueueStatus::sent);
    age_in_order(f.conn, {low.id, high.id, low2.id});
    // Another company's rows never show up.
    const auto other = insert_company(f.conn, {.name = "Other"});
    const auto other_campaign = insert_campaign(f.conn, other);
    queue::add_email_to_queue(f.conn, {.company_id = other,
                                       .campaign_id = other_campaign,
                                       .campaign_run_id = insert_run(f.conn, other_campaign),
                                       .lead_id = insert_lead(f.conn, other, "o@x.example")});

    const auto rows = queue::get_next_emails_to_process(f.conn, f.company, 10);
    REQUIRE(rows.size() == 3);
    CHECK(rows[0].id == high.id);
    CHECK(rows[1].id == low.id);
    CHECK(rows[2].id == low2.id);
    CHECK(queue::get_next_emails_to_process(f.conn, f.company, 2).size() == 2);
    CHECK(queue::get_next_emails_to_process(f.conn, f.company, 0).empty());
    // Reading claims nothing.
    CHECK(f.db.rows_with_status("processing") == 0);
}

TEST_CASE("update_queue_item_status sets status, time and error", "[queue]") {
    Fixture f;
    const auto row = queue::add_email_to_queue(f.conn, f.item(f.lead("a@x.example")));
    const auto at = *parse_timestamp("2026-01-02T03:04:05Z");
    const auto updated = queue::update_queue_item_status(f.conn, row.id, queue::QueueStatus::failed,
                                                         at, "550 5.1.1 no such user");
    CHECK(updated.status == queue::QueueStatus::failed);
    CHECK(updated.processed_at == at);
    CHECK(updated.error_message == "550 5.1.1 no such user");
    const auto again = queue::update_queue_item_status(f.conn, row.id, queue::QueueStatus::pending);
    CHECK(again.processed_at == at);
    CHECK(again.error_message == "550 5.1.1 no such user");
    try {
        queue::update_queue_item_status(f.conn, Uuid::random(), queue::QueueStatus::sent);
        FAIL("no exception");
    } catch (const Error& e) {
        CHECK(e.code() == ExitCode::not_found);
    }
}

TEST_CASE("get_pending_emails_count counts pending and processing rows of a run", "[queue]") {
    Fixture f;
    const auto a = queue::add_email_to_queue(f.conn, f.item(f.lead("a@x.example")));
    const auto b = queue::add_email_to_queue(f.conn, f.item(f.lead("b@x.example")));
    queue::add_email_to_queue(f.conn, f.item(f.lead("c@x.example")));
    CHECK(queue::get_pending_emails_count(f.conn, f.run) == 3);
    queue::update_queue_item_status(f.conn, a.id, queue::QueueStatus::processing);
    CHECK(queue::get_pending_emails_count(f.conn, f.run) == 3);
    queue::update_queue_item_status(f.conn, a.id, queue::QueueStatus::sent);
    queue::update_queue_item_status(f.conn, b.id, queue::QueueStatus::skipped);
    CHECK(queue::get_pending_emails_count(f.conn, f.run) == 1);
    CHECK(queue::get_pending_emails_count(f.conn, Uuid::random()) == 0);
}

TEST_CASE("throttle settings default to 50/hour and 500/day without a row", "[throttle]") {
    Fixture f;
    const auto s = throttle::get_email_throttle_settings(f.conn, f.company);
    CHECK(s.is_default());
    CHECK(s.max_emails_per_hour == 50);
    CHECK(s.max_emails_per_day == 500);
    CHECK(s.enabled);
    CHECK_THROWS_AS(throttle::get_email_throttle_settings(f.conn, Uuid::random()), Error);
}

TEST_CASE("update_email_throttle_settings creates, then changes only what is given", "[throttle]") {
    Fixture f;
    const auto created =
        throttle::update_email_throttle_settings(f.conn, f.company, 20, std::nullopt, std::nullopt);
    CHECK_FALSE(created.is_default());
    CHECK(created.max_emails_per_hour == 20);
    CHECK(created.max_emails_per_day == 500);
    CHECK(created.enabled);
    f.db.exec("UPDATE email_throttle_settings SET created_at = now() - interval '1 day',"
              " updated_at = now() - interval '1 day'");
    const auto changed =
        throttle::update_email_throttle_settings(f.conn, f.company, std::nullopt, 100, false);
    CHECK(changed.max_emails_per_hour == 20);
    CHECK(changed.max_emails_per_day == 100);
    CHECK_FALSE(changed.enabled);
    CHECK(*changed.updated_at > *changed.created_at);
    CHECK(throttle::get_email_throttle_settings(f.conn, f.company).max_emails_per_day == 100);
}

TEST_CASE("throttle updates refuse unknown companies and negative limits", "[throttle]") {
    Fixture f;
    try {
        throttle::update_email_throttle_settings(f.conn, Uuid::random(), 5, 5, true);
        FAIL("no exception");
    } catch (const Error& e) {
        CHECK(e.code() == ExitCode::not_found);
    }
    try {
        throttle::update_email_throttle_settings(f.conn, f.company, -1, std::nullopt, std::nullopt);
        FAIL("no exception");
    } catch (const Error& e) {
        CHECK(e.code() == ExitCode::usage);
    }
    CHECK(f.db.count("SELECT count(*) FROM email_throttle_settings") == 0);
    // The database refuses negative limits from any writer.
    CHECK_THROWS(f.db.exec("INSERT INTO email_throttle_settings (company_id, max_emails_per_hour) "
                           "SELECT id, -5 FROM companies"));
}

TEST_CASE("sent counts and window usage follow the database clock", "[throttle]") {
    Fixture f;
    for (int i = 0; i < 6; ++i) {
        queue::add_email_to_queue(f.conn, f.item(f.lead("l" + std::to_string(i) + "@x.example")));
    }
    f.db.exec(R"(
        WITH r AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM email_queue)
        UPDATE email_queue q SET
          status = CASE WHEN r.n <= 3 THEN 'sent' WHEN r.n = 4 THEN 'held'
                        WHEN r.n = 5 THEN 'processing' ELSE 'pending' END,
          processed_at = CASE r.n WHEN 1 THEN now() - interval '10 minutes'
                                  WHEN 2 THEN now() - interval '2 hours'
                                  WHEN 3 THEN now() - interval '25 hours'
                                  WHEN 4 THEN now() - interval '5 minutes' END
        FROM r WHERE q.id = r.id)");
    const auto now = time_point_cast<microseconds>(system_clock::now());
    CHECK(throttle::get_emails_sent_count(f.conn, f.company, now - hours(1)) == 1);
    CHECK(throttle::get_emails_sent_count(f.conn, f.company, now - hours(24)) == 2);
    CHECK(throttle::get_emails_sent_count(f.conn, f.company, now - hours(48)) == 3);
    const auto usage = throttle::get_window_usage(f.conn, f.company);
    CHECK(usage.sent_last_hour == 2); // one sent, one held (possibly sent)
    CHECK(usage.sent_last_day == 3);
    CHECK(usage.in_flight == 1);
}

TEST_CASE("get_running_campaign_runs lists the company's running runs", "[campaign]") {
    Fixture f;
    const auto idle = insert_run(f.conn, f.campaign, "idle");
    const auto second = insert_run(f.conn, f.campaign, "running");
    const auto runs = campaign::get_running_campaign_runs(f.conn, f.company);
    REQUIRE(runs.size() == 2);
    CHECK(runs[0].id == f.run);
    CHECK(runs[1].id == second);
    CHECK(runs[0].status == "running");
    CHECK(runs[0].leads_processed == 0);
    (void)idle;
    CHECK(campaign::get_running_campaign_runs(f.conn, Uuid::random()).empty());
}
