#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <chrono>
#include <thread>

#include "integration/enqueue/enqueue_fixture.hpp"

using namespace eq;
using namespace eq::test;

namespace {

// Leads lead1@globex.example ... of the company, and a way to see queue-enqueue wait.
struct Fixture : EnqueueFixture {
    explicit Fixture(int count) { leads(count); }
    ProcessResult enqueue_json() const { return enqueue_run({"--json"}); }
    // Waits (bounded) until a queue-enqueue session waits for a lock.
    bool enqueue_is_waiting_for_a_lock() const {
        for (int i = 0; i < 300; ++i) {
            if (db.count("SELECT count(*) FROM pg_stat_activity"
                         " WHERE application_name = 'queue-enqueue'"
                         " AND wait_event_type = 'Lock'") > 0) {
                return true;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        return false;
    }
};

} // namespace

TEST_CASE("concurrent queue-enqueue of one run queue each lead once", "[enqueue][concurrency]") {
    constexpr int k_leads = 2000;
    Fixture f(k_leads);
    ProcessResult first, second;
    {
        std::jthread a([&] { first = f.enqueue_json(); });
        std::jthread b([&] { second = f.enqueue_json(); });
    }
    INFO(first.err << second.err);
    REQUIRE(first.exit_code == 0);
    REQUIRE(second.exit_code == 0);
    const auto one = parse_json(first);
    const auto two = parse_json(second);
    CHECK(one.find("queued")->as_int() + two.find("queued")->as_int() == k_leads);
    CHECK(one.find("already_queued")->as_int() + two.find("already_queued")->as_int() == k_leads);
    CHECK(f.db.count("SELECT count(*) FROM email_queue") == k_leads);
    CHECK(f.db.count(fmt::format("SELECT leads_total FROM campaign_runs WHERE id = '{}'",
                                 f.run.str())) == k_leads);
}

TEST_CASE("a row added to an empty run by another writer is not queued twice",
          "[enqueue][concurrency]") {
    // Without its foreign key to campaign_runs (some existing databases), email_queue
    // can take a row for the run while queue-enqueue holds the run's lock.
    constexpr int k_leads = 50;
    Fixture f(k_leads);
    f.db.exec("ALTER TABLE email_queue DROP CONSTRAINT email_queue_campaign_run_id_fkey");
    const auto lead = f.db.scalar("SELECT id FROM leads ORDER BY email LIMIT 1");
    auto writer = f.db.connect();
    writer.run(fmt::format("BEGIN; INSERT INTO email_queue (company_id, campaign_id,"
                           " campaign_run_id, lead_id) VALUES ('{}', '{}', '{}', '{}')",
                           f.company.str(), f.campaign.str(), f.run.str(), lead),
               "test_writer");
    ProcessResult r;
    {
        std::jthread enqueue([&] { r = f.enqueue_json(); });
        // queue-enqueue found the run empty and now waits on the writer's row.
        const bool waiting = f.enqueue_is_waiting_for_a_lock();
        writer.run("COMMIT", "test_writer_commit");
        REQUIRE(waiting);
    }
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto j = parse_json(r);
    CHECK(j.find("queued")->as_int() == k_leads - 1);
    CHECK(j.find("already_queued")->as_int() == 1);
    CHECK(j.find("leads_total")->as_int() == k_leads);
    CHECK(f.db.count("SELECT count(*) FROM email_queue") == k_leads);
    CHECK(f.db.count("SELECT count(DISTINCT lead_id) FROM email_queue") == k_leads);
}
