#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <thread>

#include "integration/enqueue/enqueue_fixture.hpp"
#include "support/programs.hpp"
#include "support/seed_data.hpp"
#include "support/test_database.hpp"
#include "util/json.hpp"

using namespace eq;
using namespace eq::test;

namespace {

constexpr db::Statement k_schedule{
    "test_schedule_campaign",
    "UPDATE campaigns SET scheduled_at = now() + $2::interval, auto_run_triggered = $3"
    " WHERE id = $1"};

struct Fixture {
    TestDatabase db;
    db::Connection conn = db.connect();
    Uuid company = insert_company(conn);

    // An email campaign of the company scheduled `offset` from now ("-1 hour").
    Uuid campaign(const std::string& offset, bool triggered = false,
                  const std::string& type = "email") {
        const auto id = insert_campaign(conn, company, k_default_template, type);
        conn.none(k_schedule, id, offset, triggered);
        return id;
    }
    std::int64_t runs_of(const Uuid& campaign_id) const {
        return db.count(fmt::format("SELECT count(*) FROM campaign_runs WHERE campaign_id = '{}'",
                                    campaign_id.str()));
    }
    std::string triggered(const Uuid& campaign_id) const {
        return db.scalar(fmt::format("SELECT auto_run_triggered FROM campaigns WHERE id = '{}'",
                                     campaign_id.str()));
    }
    ProcessResult due(std::vector<std::string> extra = {}) const {
        extra.insert(extra.begin(), "--due");
        return run_program("queue-enqueue", extra, db);
    }
};

} // namespace

TEST_CASE("queue-enqueue --due starts every due email campaign once and marks it started",
          "[enqueue][due]") {
    Fixture f;
    insert_lead(f.conn, f.company, "ann@globex.example");
    insert_lead(f.conn, f.company, "bob@globex.example");
    const auto due1 = f.campaign("-2 hours");
    const auto due2 = f.campaign("-1 minute");
    const auto later = f.campaign("1 hour");
    const auto started = f.campaign("-1 day", true);
    const auto sms = f.campaign("-1 hour", false, "sms");
    const auto unscheduled = insert_campaign(f.conn, f.company);

    const auto r = f.due({"--json"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto j = parse_json(r);
    const auto& runs = j.find("runs")->as_array();
    REQUIRE(runs.size() == 2);
    // Oldest scheduled first.
    CHECK(runs[0].find("campaign_id")->as_string() == due1.str());
    CHECK(runs[1].find("campaign_id")->as_string() == due2.str());
    CHECK(j.find("queued")->as_int() == 4);
    for (const auto& id : {due1, due2}) {
        CHECK(f.runs_of(id) == 1);
        CHECK(f.triggered(id) == "t");
    }
    CHECK(f.db.count("SELECT count(*) FROM campaign_runs WHERE status = 'running'"
                     " AND leads_total = 2") == 2);
    CHECK(f.db.count("SELECT count(*) FROM email_queue") == 4);
    for (const auto& id : {later, started, sms, unscheduled}) {
        CHECK(f.runs_of(id) == 0);
    }
    CHECK(f.triggered(later) == "f");

    // Nothing is due any more: a second invocation starts nothing and stays quiet.
    const auto again = f.due();
    CHECK(again.exit_code == 0);
    CHECK(again.out.empty());
    CHECK(f.db.count("SELECT count(*) FROM campaign_runs") == 2);
}

TEST_CASE("a due campaign that fails validation is started with a failed run and exit 1",
          "[enqueue][due]") {
    Fixture f;
    insert_lead(f.conn, f.company, "ann@globex.example");
    const auto good = f.campaign("-1 hour");
    const auto bad = f.campaign("-2 hours");
    f.db.exec(fmt::format("UPDATE campaigns SET template = NULL WHERE id = '{}'", bad.str()));

    const auto r = f.due();
    CHECK(r.exit_code == 1);
    CHECK(r.out.empty());
    const auto bad_run = f.db.scalar(
        fmt::format("SELECT id FROM campaign_runs WHERE campaign_id = '{}'", bad.str()));
    CHECK(r.err == fmt::format("queue-enqueue: warning: campaign {}: run {} failed validation: "
                               "the campaign has no template\n",
                               bad.str(), bad_run));
    CHECK(f.db.scalar(fmt::format("SELECT status || ': ' || failure_reason FROM campaign_runs"
                                  " WHERE id = '{}'",
                                  bad_run)) == "failed: the campaign has no template");
    // Started all the same, so cron does not make a failed run every five minutes.
    CHECK(f.triggered(bad) == "t");
    CHECK(f.triggered(good) == "t");
    CHECK(f.db.scalar(fmt::format("SELECT status FROM campaign_runs WHERE campaign_id = '{}'",
                                  good.str())) == "running");
    CHECK(f.db.count("SELECT count(*) FROM email_queue") == 1);

    const auto again = f.due();
    CHECK(again.exit_code == 0);
    CHECK(f.db.count("SELECT count(*) FROM campaign_runs") == 2);
}

TEST_CASE("queue-enqueue --due --dry-run lists what would start and changes nothing",
          "[enqueue][due]") {
    Fixture f;
    insert_lead(f.conn, f.company, "ann@globex.example");
    const auto due = f.campaign("-1 hour");
    const auto broken = f.campaign("-1 hour");
    f.db.exec(fmt::format("UPDATE campaigns SET type = 'email', template = 'no subject'"
                          " WHERE id = '{}'",
                          broken.str()));

    const auto r = f.due({"--dry-run", "--json"});
    CHECK(r.exit_code == 1);
    const auto j = parse_json(r);
    CHECK(j.find("dry_run")->as_bool());
    CHECK(j.find("runs")->as_array().size() == 2);
    CHECK(j.find("queued")->as_int() == 1);
    CHECK(j.find("failed_runs")->as_int() == 1);

    const auto text = f.due({"--dry-run"});
    CHECK(text.out.find("would queue 1, 0 already queued") != std::string::npos);
    CHECK(text.out.find("would fail validation: template line 1: the template must start "
                        "with a 'Subject: ...' line") != std::string::npos);
    CHECK(text.out.find("2 campaigns would be started, 1 would fail validation") !=
          std::string::npos);

    CHECK(f.db.count("SELECT count(*) FROM campaign_runs") == 0);
    CHECK(f.db.count("SELECT count(*) FROM email_queue") == 0);
    CHECK(f.triggered(due) == "f");
    CHECK(f.triggered(broken) == "f");
}

TEST_CASE("concurrent queue-enqueue --due invocations start each due campaign exactly once",
          "[enqueue][due][concurrency]") {
    Fixture f;
    constexpr int k_campaigns = 40;
    constexpr int k_leads = 300;
    constexpr int k_invocations = 3;
    insert_numbered_leads(f.db, f.company, k_leads);
    for (int i = 0; i < k_campaigns; ++i) {
        f.campaign("-1 hour");
    }

    std::vector<ProcessResult> results(k_invocations);
    {
        std::vector<std::jthread> threads;
        for (int i = 0; i < k_invocations; ++i) {
            threads.emplace_back(
                [&f, &results, i] { results[static_cast<std::size_t>(i)] = f.due({"--json"}); });
        }
    }
    std::size_t started = 0;
    for (const auto& r : results) {
        INFO(r.err);
        CHECK(r.exit_code == 0);
        started += parse_json(r).find("runs")->as_array().size();
    }
    CHECK(started == k_campaigns);
    CHECK(f.db.count("SELECT count(*) FROM campaign_runs") == k_campaigns);
    CHECK(f.db.count("SELECT count(*) FROM campaigns c WHERE auto_run_triggered AND"
                     " (SELECT count(*) FROM campaign_runs r WHERE r.campaign_id = c.id) = 1") ==
          k_campaigns);
    CHECK(f.db.count("SELECT count(*) FROM email_queue") == k_campaigns * k_leads);
    CHECK(f.db.count("SELECT count(*) FROM campaign_runs WHERE status = 'running'"
                     " AND leads_total = " +
                     std::to_string(k_leads)) == k_campaigns);
}
