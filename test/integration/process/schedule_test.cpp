#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <thread>

#include "support/process_fixture.hpp"
#include "support/smtp_sink.hpp"
#include "util/json.hpp"

using namespace eq;
using namespace eq::test;
using namespace std::chrono;

// Sending windows, pacing, ramp-up, bounces and auto-pause, end to end: queue-process
// against the private PostgreSQL and a real smtp-sink, with times set in the database.

namespace {

void schedule(const ProcessFixture& f, const Uuid& company, const std::string& columns,
              const std::string& values) {
    f.db.exec("INSERT INTO email_queue_schedules (company_id, " + columns + ") VALUES (" +
              id_literal(company) + ", " + values + ")");
}

// Only today's weekday in the zone (ISO day 1 = bit 0).
std::string today_only(const ProcessFixture& f, const std::string& zone) {
    return f.db.scalar("SELECT (1 << (extract(isodow FROM now() AT TIME ZONE '" + zone +
                       "')::int - 1))::text");
}

// Pairs of consecutive sends that started less than half the 1 s gap apart. A slot is a
// lower bound: on a loaded machine a send may start a little after its slot.
std::int64_t sends_closer_than_the_gap(const ProcessFixture& f) {
    return f.count("SELECT count(*) FROM (SELECT last_attempt_at - lag(last_attempt_at) OVER "
                   "(ORDER BY last_attempt_at) AS gap FROM email_queue WHERE status = 'sent') g "
                   "WHERE gap < interval '500 milliseconds'");
}

ProcessResult admin(const ProcessFixture& f, const std::vector<std::string>& args) {
    return run_program("queue-admin", args, f.db);
}

} // namespace

TEST_CASE("only rows whose window is open now are sent, in the lead's own zone",
          "[process][schedule]") {
    SmtpSink sink;
    ProcessFixture f(sink);
    const auto company = f.company("sink");
    f.queue_run(company, 4);
    // The company sends only on today's UTC weekday. A zone fourteen hours ahead (before
    // noon UTC: twelve hours behind) is on another day: its lead waits.
    const auto other_day =
        f.db.scalar("SELECT CASE WHEN extract(hour FROM now() AT TIME ZONE 'UTC') >= 12 "
                    "THEN 'Etc/GMT-14' ELSE 'Etc/GMT+12' END");
    schedule(f, company, "timezone, days", "'UTC', " + today_only(f, "UTC"));
    f.db.exec("UPDATE leads SET timezone = '" + other_day + "' WHERE email = 'lead1@x.example'");
    f.db.exec("UPDATE leads SET timezone = 'No/Such_Zone' WHERE email = 'lead2@x.example'");

    const auto r = f.process();
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(sink.wait_for_messages(3).size() == 3);
    CHECK(f.db.scalar("SELECT string_agg(l.email, ',') FROM email_queue q JOIN leads l ON "
                      "l.id = q.lead_id WHERE q.status = 'pending'") == "lead1@x.example");
    // explain says why, in the lead's zone, and when the window opens.
    const auto row = f.db.scalar("SELECT q.id FROM email_queue q WHERE q.status = 'pending'");
    const auto explained = admin(f, {"explain", row, "--json"});
    INFO(explained.out << explained.err);
    auto j = Json::parse(explained.out);
    REQUIRE(j.ok());
    const auto& reasons = j->find("reasons")->as_array();
    REQUIRE_FALSE(reasons.empty());
    CHECK(reasons[0].find("code")->as_string() == "outside_window");
    CHECK(reasons[0].find("message")->as_string().find(other_day) != std::string::npos);
    CHECK_FALSE(reasons[0].find("until")->is_null());

    // The whole company outside its window (every day but today, and no lead zone of its
    // own any more): status says when it opens.
    f.db.exec("UPDATE email_queue_schedules SET days = 127 # " + today_only(f, "UTC"));
    f.db.exec("UPDATE leads SET timezone = NULL");
    f.db.exec("UPDATE email_queue SET status = 'pending', processed_at = NULL WHERE id = "
              "(SELECT id FROM email_queue WHERE status = 'sent' LIMIT 1)");
    REQUIRE(f.process().exit_code == 0);
    CHECK(f.rows_with_status("pending") == 2);
    const auto status = admin(f, {"status", "--json"});
    j = Json::parse(status.out);
    REQUIRE(j.ok());
    const auto& c = j->find("companies")->as_array().at(0);
    CHECK(c.find("next_send_reason")->as_string() == "sending window");
    CHECK(c.find("next_send_at")->as_string() ==
          f.db.scalar("SELECT to_char(date_trunc('day', now() AT TIME ZONE 'UTC') + interval "
                      "'1 day', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"));
    CHECK(admin(f, {"status"}).out.find("outside the sending window (UTC)") != std::string::npos);
}

TEST_CASE("pacing spreads a company's sends and the next run respects the gap",
          "[process][schedule][pacing]") {
    SmtpSink sink;
    ProcessFixture f(sink);
    const auto company = f.company("sink");
    f.queue_run(company, 10);
    f.set("processing", "run_length", "2s");
    schedule(f, company, "min_gap_seconds", "1");
    REQUIRE(f.process().exit_code == 0);
    // Slots at 0, 1 and 2 seconds fit a run of two seconds.
    CHECK(f.rows_with_status("sent") == 3);
    CHECK(sends_closer_than_the_gap(f) == 0);
    // The next slot was reserved a gap after the last send.
    CHECK(f.db.scalar("SELECT next_send_at > (SELECT max(last_attempt_at) FROM email_queue) "
                      "+ interval '500 milliseconds' FROM email_queue_companies") == "t");
    // A run while the gap runs waits for it: still at least a gap between any two sends.
    REQUIRE(f.process().exit_code == 0);
    CHECK(f.rows_with_status("sent") >= 5);
    CHECK(sends_closer_than_the_gap(f) == 0);
}

TEST_CASE("paced overlapping runs keep the gap and never pass the hourly limit",
          "[process][schedule][pacing]") {
    SmtpSink sink;
    ProcessFixture f(sink);
    const auto company = f.company("sink");
    f.queue_run(company, 12);
    f.set_limits(company, 4, 500);
    f.set("processing", "run_length", "3s");
    schedule(f, company, "min_gap_seconds, jitter_seconds", "1, 1");
    for (const auto& r : f.process_concurrently(3)) {
        INFO(r.err);
        CHECK(r.exit_code == 0);
    }
    const auto sent = f.rows_with_status("sent");
    CHECK(sent >= 2);
    CHECK(sent <= 4);
    CHECK(sends_closer_than_the_gap(f) == 0);
    CHECK(f.rows_with_status("processing") == 0);
}

TEST_CASE("a ramping account sends no more than its ramped daily limit",
          "[process][schedule][ramp]") {
    SmtpSink sink;
    ProcessFixture f(sink);
    const auto company = f.company("sink");
    f.queue_run(company, 14);
    // Day three of a ramp from 3 by 2 a day: 7 today; two were sent in the last 24 hours.
    schedule(f, company, "ramp_start, ramp_step, ramp_started_on",
             "3, 2, (now() AT TIME ZONE 'UTC')::date - 2");
    f.db.exec("UPDATE email_queue SET status = 'sent', processed_at = now() - interval '20 "
              "hours' WHERE id IN (SELECT id FROM email_queue ORDER BY created_at LIMIT 2)");
    REQUIRE(f.process().exit_code == 0);
    CHECK(f.rows_with_status("sent") == 7);
    REQUIRE(f.process().exit_code == 0);
    CHECK(f.rows_with_status("sent") == 7);
    const auto status = run_program("queue-admin", {"status"}, f.db);
    CHECK(status.out.find("ramping up: 7 a day today, growing to 500") != std::string::npos);
}

TEST_CASE("a 5.1.x bounce suppresses the address for every campaign of the company",
          "[process][schedule][bounce]") {
    SmtpSink sink({"-f", "RCPT", "-B", "550 5.1.1 No such user"});
    ProcessFixture f;
    f.add_provider("sink", sink.port());
    const auto company = f.company("sink");
    f.queue_run(company, 1);
    REQUIRE(f.process().exit_code == 0);
    CHECK(f.db.scalar("SELECT status FROM email_queue") == "failed");
    CHECK(
        f.db.scalar("SELECT email || ' ' || reason || ' ' || (company_id = " + id_literal(company) +
                    ") FROM do_not_email") == "lead0@x.example bounce true");
    // Another campaign of the company to the same address: skipped, not sent or failed.
    const auto campaign = insert_campaign(f.conn, company);
    const auto run = insert_run(f.conn, campaign, "running");
    f.db.exec("INSERT INTO email_queue (company_id, campaign_id, campaign_run_id, lead_id) "
              "SELECT company_id, " +
              id_literal(campaign) + ", " + id_literal(run) + ", lead_id FROM email_queue");
    REQUIRE(f.process().exit_code == 0);
    CHECK(f.db.scalar("SELECT status FROM email_queue WHERE campaign_run_id = " +
                      id_literal(run)) == "skipped");
    CHECK(f.count("SELECT count(*) FROM do_not_email") == 1);
}

TEST_CASE("a permanent failure that is not about the address adds no suppression",
          "[process][schedule][bounce]") {
    SmtpSink sink({"-f", "RCPT", "-B", "554 5.2.0 Message refused"});
    ProcessFixture f;
    f.add_provider("sink", sink.port());
    f.queue_run(f.company("sink"), 1);
    REQUIRE(f.process().exit_code == 0);
    CHECK(f.db.scalar("SELECT status FROM email_queue") == "failed");
    CHECK(f.count("SELECT count(*) FROM do_not_email") == 0);
}

TEST_CASE("an address the web application unsubscribes is skipped by the next run",
          "[process][schedule][unsubscribe]") {
    SmtpSink sink;
    ProcessFixture f(sink);
    const auto company = f.company("sink");
    f.queue_run(company, 2);
    // What the unsubscribe endpoint writes (see docs/processing.md).
    f.db.exec("INSERT INTO do_not_email (email, reason, company_id) VALUES "
              "('LEAD1@x.example', 'unsubscribe', " +
              id_literal(company) + ")");
    REQUIRE(f.process().exit_code == 0);
    CHECK(f.db.scalar("SELECT string_agg(l.email || ':' || q.status, ',' ORDER BY l.email) FROM "
                      "email_queue q JOIN leads l ON l.id = q.lead_id") ==
          "lead0@x.example:sent,lead1@x.example:skipped");
}

TEST_CASE("a run over its failure threshold is auto-paused, shown, and resumable",
          "[process][schedule][auto_pause]") {
    SmtpSink sink({"-f", "RCPT", "-B", "550 5.1.1 No such user"});
    ProcessFixture f;
    f.add_provider("sink", sink.port());
    const auto company = f.company("sink");
    const auto run = f.queue_run(company, 9);
    f.set("processing", "batch_cap", "3");
    schedule(f, company, "pause_failure_percent, pause_min_attempts", "50, 3");
    const auto r = f.process();
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.find("auto-paused: 3 of 3 attempts failed, over the 50% threshold") !=
          std::string::npos);
    CHECK(f.db.scalar("SELECT control || ' ' || (auto_paused_at IS NOT NULL) FROM "
                      "email_queue_runs") == "paused true");
    // Paused: the next run claims nothing of it.
    REQUIRE(f.process().exit_code == 0);
    CHECK(f.rows_with_status("failed") == 3);
    // status, run show and health say so.
    const auto status = run_program("queue-admin", {"status"}, f.db);
    CHECK(status.out.find("auto-paused: 3 of 3 attempts failed") != std::string::npos);
    const auto shown = run_program("queue-admin", {"run", "show", run.str()}, f.db);
    CHECK(shown.out.find("auto-paused: 3 of 3 attempts failed") != std::string::npos);
    const auto health = run_program("queue-admin", {"health"}, f.db);
    CHECK(health.out.find("1 run auto-paused on failures") != std::string::npos);
    // Resumed by an operator, the count starts again: three more failures are fewer
    // than four attempts (six counted from the start would pause it).
    REQUIRE(run_program("queue-admin", {"run", "resume", run.str()}, f.db).exit_code == 0);
    CHECK(f.db.scalar("SELECT control || ' ' || (auto_paused_at IS NULL) FROM "
                      "email_queue_runs") == "active true");
    f.db.exec("UPDATE email_queue_schedules SET pause_min_attempts = 4");
    REQUIRE(f.process().exit_code == 0);
    CHECK(f.rows_with_status("failed") == 6);
    CHECK(f.db.scalar("SELECT control FROM email_queue_runs") == "active");
    // The fourth attempt since the resume passes the threshold again.
    REQUIRE(f.process().exit_code == 0);
    CHECK(f.db.scalar("SELECT control FROM email_queue_runs") == "paused");
}

TEST_CASE("a run at or under its failure threshold goes on", "[process][schedule][auto_pause]") {
    SmtpSink sink;
    ProcessFixture f(sink);
    const auto company = f.company("sink");
    f.queue_run(company, 4);
    schedule(f, company, "pause_failure_percent, pause_min_attempts", "50, 4");
    // Two of the four failed before: after two successes, 2 of 4 is not over 50%.
    f.db.exec("UPDATE email_queue SET status = 'failed', processed_at = now() WHERE id IN "
              "(SELECT id FROM email_queue ORDER BY created_at LIMIT 2)");
    REQUIRE(f.process().exit_code == 0);
    CHECK(f.rows_with_status("sent") == 2);
    CHECK(f.count("SELECT count(*) FROM email_queue_runs WHERE control = 'paused'") == 0);
}

TEST_CASE("a paced company's next slot counts from after its lock was taken, not before",
          "[process][schedule][pacing]") {
    SmtpSink sink;
    ProcessFixture f(sink);
    const auto company = f.company("sink");
    f.queue_run(company, 3);
    f.set("processing", "run_length", "1s");
    schedule(f, company, "min_gap_seconds", "5");
    // Another transaction holds the company's lock for 3 s while the run starts.
    auto holder = f.db.connect();
    db::Transaction tx(holder);
    holder.run("SELECT pg_advisory_xact_lock(1701904385, hashtext('" + company.str() + "'))",
               "test_hold_company_lock");
    TempDir logs;
    const auto p = f.start(logs.file("run.log"));
    std::this_thread::sleep_for(seconds(3));
    tx.commit();
    REQUIRE(p->wait() == 0);
    REQUIRE(f.rows_with_status("sent") == 1);
    // The next slot is a whole gap after the send, not after the run began waiting.
    CHECK(f.db.scalar("SELECT next_send_at >= (SELECT max(send_started_at) FROM email_queue) + "
                      "interval '4500 milliseconds' FROM email_queue_companies") == "t");
}

TEST_CASE("a dry run counts only what a real run would send: paused runs and closed windows "
          "left out",
          "[process][schedule]") {
    SmtpSink sink;
    ProcessFixture f(sink);
    const auto company = f.company("sink");
    const auto run = f.queue_run(company, 3);
    const auto would_send = [&] {
        const auto r = f.process({"--dry-run", "--json"});
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        auto j = Json::parse(r.out);
        REQUIRE(j.ok());
        return j->find("sent")->as_int();
    };
    f.db.exec("INSERT INTO email_queue_runs (campaign_run_id, control) VALUES (" + id_literal(run) +
              ", 'paused')");
    CHECK(would_send() == 0);
    f.db.exec("UPDATE email_queue_runs SET control = 'active'");
    schedule(f, company, "timezone, days", "'UTC', 0"); // a window that never opens
    CHECK(would_send() == 0);
    f.db.exec("DELETE FROM email_queue_schedules");
    CHECK(would_send() == 3);
    CHECK(sink.messages().empty());
}
