#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "support/process_fixture.hpp"
#include "support/smtp_sink.hpp"
#include "util/json.hpp"

using namespace eq;
using namespace eq::test;
using namespace std::chrono;

namespace {

Json summary_of(const ProcessResult& r) {
    INFO(r.out << r.err);
    auto j = Json::parse(r.out);
    REQUIRE(j.ok());
    return *j;
}

} // namespace

TEST_CASE("queue-process sends the due rows, logs them and completes the run", "[process]") {
    SmtpSink sink;
    ProcessFixture f(sink);
    const auto company = f.company("sink");
    const auto run = f.queue_run(company, 3);

    const auto r = f.process();
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.empty()); // quiet off a terminal
    CHECK(r.err.empty());
    const auto messages = sink.wait_for_messages(3);
    REQUIRE(messages.size() == 3);
    CHECK(f.count("SELECT count(*) FROM email_queue WHERE status = 'sent' AND processed_at IS "
                  "NOT NULL") == 3);
    // The Message-ID sent is the one stored on the row and in the email log.
    std::set<std::string> sent_ids;
    for (const auto& m : messages) {
        const auto id = header_of(m.content, "Message-ID");
        CHECK(
            f.count("SELECT count(*) FROM email_queue q JOIN email_log_details d ON "
                    "d.message_id = q.sent_message_id JOIN email_logs l ON l.id = d.email_logs_id "
                    "AND l.id = q.sent_email_log_id WHERE q.sent_message_id = '" +
                    id + "'") == 1);
        sent_ids.insert(id);
        CHECK(m.mail_from == "<jack.doe@acme.example>");
        CHECK(header_of(m.content, "From") == "\"Jack Doe\" <jack.doe@acme.example>");
    }
    CHECK(sent_ids.size() == 3);
    CHECK(f.db.scalar("SELECT status || ' ' || leads_processed FROM campaign_runs WHERE id = " +
                      id_literal(run)) == "completed 3");
    CHECK(f.db.scalar("SELECT email_body NOT LIKE '%track-email%' FROM email_log_details "
                      "LIMIT 1") == "t");
    CHECK(f.db.scalar("SELECT sent || ' ' || companies_visited || ' ' || (finished_at IS NOT "
                      "NULL) FROM email_queue_invocations") == "3 1 true");
}

TEST_CASE("queue-process never exceeds the hourly limit and the window slides", "[process]") {
    SmtpSink sink;
    ProcessFixture f(sink);
    const auto company = f.company("sink");
    f.queue_run(company, 12);
    f.set_limits(company, 5, 100);
    // Three were sent 30 minutes ago.
    f.db.exec("UPDATE email_queue SET status = 'sent', processed_at = now() - interval '30 "
              "minutes' WHERE id IN (SELECT id FROM email_queue ORDER BY created_at LIMIT 3)");

    REQUIRE(f.process().exit_code == 0);
    CHECK(sink.wait_for_messages(2).size() == 2);
    CHECK(f.rows_with_status("sent") == 5);
    // Exactly at the limit: nothing more.
    REQUIRE(f.process().exit_code == 0);
    CHECK(f.rows_with_status("sent") == 5);
    // An hour later the three old sends have left the window: three more go.
    f.db.exec("UPDATE email_queue SET processed_at = processed_at - interval '31 minutes' "
              "WHERE status = 'sent' AND processed_at < now() - interval '20 minutes'");
    REQUIRE(f.process().exit_code == 0);
    CHECK(f.rows_with_status("sent") == 8);
    CHECK(sink.wait_for_messages(5).size() == 5);
}

TEST_CASE("queue-process never exceeds the daily limit", "[process]") {
    SmtpSink sink;
    ProcessFixture f(sink);
    const auto company = f.company("sink");
    f.queue_run(company, 10);
    f.set_limits(company, 100, 6);
    f.db.exec("UPDATE email_queue SET status = 'sent', processed_at = now() - interval '23 "
              "hours' WHERE id IN (SELECT id FROM email_queue ORDER BY created_at LIMIT 4)");
    REQUIRE(f.process().exit_code == 0);
    CHECK(f.rows_with_status("sent") == 6);
    f.db.exec("UPDATE email_queue SET processed_at = now() - interval '25 hours' WHERE "
              "processed_at < now() - interval '22 hours'");
    REQUIRE(f.process().exit_code == 0);
    CHECK(f.rows_with_status("sent") == 10);
}

TEST_CASE("queue-process sends at most batch_cap rows per company per run", "[process]") {
    SmtpSink sink;
    ProcessFixture f(sink);
    f.queue_run(f.company("sink"), 14);
    REQUIRE(f.process().exit_code == 0);
    CHECK(f.rows_with_status("sent") == 10);
    f.set("processing", "batch_cap", "3");
    REQUIRE(f.process().exit_code == 0);
    CHECK(f.rows_with_status("sent") == 13);
}

TEST_CASE("a company whose throttle is disabled is held, the others are sent", "[process]") {
    SmtpSink sink;
    ProcessFixture f(sink);
    const auto off = f.company("sink", "Off Ltd", "off@off.example");
    f.queue_run(off, 2);
    f.queue_run(f.company("sink"), 2);
    f.db.exec("INSERT INTO email_throttle_settings (company_id, enabled) VALUES (" +
              id_literal(off) + ", false)");
    const auto s = summary_of(f.process({"--json"}));
    CHECK(s.find("sent")->as_int() == 2);
    CHECK(s.find("companies_visited")->as_int() == 2);
    CHECK(s.find("companies_held")->as_int() == 1);
    CHECK(f.count("SELECT count(*) FROM email_queue WHERE status = 'pending' AND company_id = " +
                  id_literal(off)) == 2);
}

TEST_CASE("rows go out by priority, then age, and not before they are scheduled", "[process]") {
    SmtpSink sink;
    ProcessFixture f(sink);
    f.queue_run(f.company("sink"), 4);
    f.db.exec(R"(
        WITH r AS (SELECT id, row_number() OVER (ORDER BY created_at, id) AS n FROM email_queue)
        UPDATE email_queue q SET
          priority = CASE r.n WHEN 3 THEN 9 ELSE 1 END,
          scheduled_for = CASE r.n WHEN 4 THEN now() + interval '1 hour' ELSE now() END,
          created_at = now() - (10 - r.n) * interval '1 minute'
        FROM r WHERE q.id = r.id)");
    f.set("processing", "concurrency", "1");
    REQUIRE(f.process().exit_code == 0);
    // The sink's files can share a timestamp: the order is the one the sends started in.
    std::set<std::vector<std::string>> received;
    for (const auto& m : sink.wait_for_messages(3)) {
        received.insert(m.rcpt_to);
    }
    CHECK(received == std::set<std::vector<std::string>>{
                          {"<lead0@x.example>"}, {"<lead1@x.example>"}, {"<lead2@x.example>"}});
    CHECK(f.db.scalar("SELECT string_agg(l.email, ' ' ORDER BY q.send_started_at)"
                      " FROM email_queue q JOIN leads l ON l.id = q.lead_id"
                      " WHERE q.status = 'sent'") ==
          "lead2@x.example lead0@x.example lead1@x.example");
    CHECK(f.rows_with_status("pending") == 1);
}

TEST_CASE("a transient failure is retried later with back-off, then fails when spent",
          "[process]") {
    SmtpSink sink({"-r", "RCPT"});
    ProcessFixture f;
    f.add_provider("sink", sink.port());
    f.queue_run(f.company("sink"), 1);
    f.db.exec("UPDATE email_queue SET max_retries = 2");
    const auto s = summary_of(f.process({"--json"}));
    CHECK(s.find("retried")->as_int() == 1);
    CHECK(f.db.scalar("SELECT status || ' ' || retry_count FROM email_queue") == "pending 1");
    // 2^1 minutes, stretched by at most a quarter.
    CHECK(f.db.scalar("SELECT scheduled_for BETWEEN now() + interval '110 seconds' AND now() + "
                      "interval '151 seconds' FROM email_queue") == "t");
    INFO(f.db.scalar("SELECT error_message FROM email_queue"));
    CHECK(f.db.scalar("SELECT error_message FROM email_queue").find(" 4") != std::string::npos);
    f.db.exec("UPDATE email_queue SET scheduled_for = now()");
    REQUIRE(f.process().exit_code == 0);
    CHECK(f.db.scalar("SELECT status || ' ' || retry_count FROM email_queue") == "failed 2");
}

TEST_CASE("a permanent recipient failure fails the row at once", "[process]") {
    SmtpSink sink({"-f", "RCPT", "-B", "550 5.1.1 No such user"});
    ProcessFixture f;
    f.add_provider("sink", sink.port());
    const auto run = f.queue_run(f.company("sink"), 1);
    REQUIRE(f.process().exit_code == 0);
    CHECK(f.db.scalar("SELECT status || ' ' || retry_count FROM email_queue") == "failed 0");
    CHECK(f.db.scalar("SELECT error_message FROM email_queue").find("5.1.1") != std::string::npos);
    CHECK(f.db.scalar("SELECT status FROM campaign_runs WHERE id = " + id_literal(run)) ==
          "completed");
}

TEST_CASE("a disconnect after the message was handed over holds the row as unknown", "[process]") {
    SmtpSink sink({"-q", "."});
    ProcessFixture f;
    f.add_provider("sink", sink.port());
    f.queue_run(f.company("sink"), 1);
    const auto s = summary_of(f.process({"--json"}));
    CHECK(s.find("held")->as_int() == 1);
    CHECK(f.db.scalar("SELECT status || ' ' || retry_count FROM email_queue") == "held 0");
    // Never sent again on its own.
    REQUIRE(f.process().exit_code == 0);
    CHECK(f.db.scalar("SELECT status FROM email_queue") == "held");
}

TEST_CASE("an account-level failure holds the company without spending retries", "[process]") {
    SmtpSink broken({"-Q", "MAIL"});
    SmtpSink good;
    ProcessFixture f;
    f.add_provider("broken", broken.port());
    f.add_provider("good", good.port());
    const auto held = f.company("broken", "Broken Ltd", "ops@broken.example");
    f.queue_run(held, 3);
    f.queue_run(f.company("good"), 3);
    const auto r = f.process({"--json"});
    const auto s = summary_of(r);
    CHECK(r.exit_code == 0);
    CHECK(r.err.find("warning: company " + held.str() + " held: ") != std::string::npos);
    CHECK(s.find("sent")->as_int() == 3);
    CHECK(good.wait_for_messages(3).size() == 3);
    CHECK(f.count("SELECT count(*) FROM email_queue WHERE company_id = " + id_literal(held) +
                  " AND status = 'pending' AND retry_count = 0") == 3);
    CHECK(f.db.scalar("SELECT (held_until > now() + interval '4 minutes') || ' ' || "
                      "consecutive_holds || ' ' || (hold_reason LIKE '%421%') FROM "
                      "email_queue_companies WHERE company_id = " +
                      id_literal(held)) == "true 1 true");
    // While held, the company is not tried again.
    const auto again = summary_of(f.process({"--json"}));
    CHECK(again.find("companies_held")->as_int() == 1);
    CHECK(f.count("SELECT count(*) FROM email_queue WHERE retry_count > 0") == 0);
}

TEST_CASE("a batch that sends lifts the company's expired hold and notes the last send",
          "[process]") {
    SmtpSink sink;
    ProcessFixture f(sink);
    const auto company = f.company("sink");
    f.queue_run(company, 8);
    f.db.exec("INSERT INTO email_queue_companies (company_id, held_until, hold_reason, "
              "held_since, consecutive_holds) VALUES (" +
              id_literal(company) +
              ", now() - interval '1 second', '421 busy', now() - interval '1 hour', 2)");
    const auto r = f.process();
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(sink.wait_for_messages(8).size() == 8);
    CHECK(f.db.scalar("SELECT (held_until IS NULL) || ' ' || (hold_reason IS NULL) || ' ' || "
                      "consecutive_holds || ' ' || (last_sent_at > now() - interval '1 minute') "
                      "FROM email_queue_companies WHERE company_id = " +
                      id_literal(company)) == "true true 0 true");
}

TEST_CASE("unreadable credentials hold the company", "[process]") {
    SmtpSink sink;
    ProcessFixture f(sink);
    const auto company = f.company("sink");
    f.queue_run(company, 2);
    f.db.exec("UPDATE companies SET account_password = 'gAAAAAnot-a-token'");
    const auto r = f.process();
    CHECK(r.exit_code == 0);
    CHECK(r.err.find("credentials unreadable") != std::string::npos);
    CHECK(r.err.find("gAAAAAnot-a-token") == std::string::npos);
    CHECK(
        f.count("SELECT count(*) FROM email_queue WHERE status = 'pending' AND retry_count = 0") ==
        2);
    CHECK(f.db.scalar("SELECT hold_reason FROM email_queue_companies")
              .find("credentials unreadable") == 0);
}

TEST_CASE("rows that cannot be sent fail or are skipped with a clear reason", "[process]") {
    SmtpSink sink;
    ProcessFixture f(sink);
    const auto company = f.company("sink");
    f.queue_run(company, 5);
    f.db.exec(R"(
        WITH r AS (SELECT lead_id, row_number() OVER (ORDER BY created_at, id) AS n FROM email_queue)
        UPDATE leads l SET email = CASE r.n WHEN 1 THEN NULL WHEN 2 THEN 'not an address'
                                   ELSE l.email END,
                           deleted_at = CASE r.n WHEN 3 THEN now() END
        FROM r WHERE l.id = r.lead_id)");
    f.db.exec(
        "INSERT INTO do_not_email (email, reason) VALUES ('LEAD3@x.example', 'unsubscribed')");
    f.db.exec("INSERT INTO do_not_email (email, company_id) VALUES ('lead4@x.example', " +
              id_literal(company) + ")");
    REQUIRE(f.process().exit_code == 0);
    CHECK(sink.messages().empty());
    CHECK(f.db.scalar("SELECT string_agg(status || ': ' || error_message, ' | ' ORDER BY "
                      "created_at, id) FROM email_queue") ==
          "failed: the lead has no email address | failed: invalid address: it contains a space "
          "or a control character | failed: the lead was deleted | skipped: the address is on "
          "the do-not-email list | skipped: the address is on the do-not-email list");
}

TEST_CASE("a campaign without a usable template fails its rows", "[process]") {
    SmtpSink sink;
    ProcessFixture f(sink);
    f.queue_run(f.company("sink"), 1);
    f.db.exec("UPDATE campaigns SET template = 'Subject: Hi {{lead.nmae}}\n\n<p>x</p>'");
    REQUIRE(f.process().exit_code == 0);
    CHECK(f.db.scalar("SELECT status FROM email_queue") == "failed");
    CHECK(f.db.scalar("SELECT error_message FROM email_queue").find("unknown placeholder") !=
          std::string::npos);
}

TEST_CASE("rows left by a crashed run are recovered, and a started one is held", "[process]") {
    SmtpSink sink;
    ProcessFixture f(sink);
    f.queue_run(f.company("sink"), 3);
    f.db.exec(R"(
        WITH r AS (SELECT id, row_number() OVER (ORDER BY created_at, id) AS n FROM email_queue)
        UPDATE email_queue q SET status = 'processing', claimed_by = 'dead:1:x',
          lease_until = now() - interval '1 minute',
          send_started_at = CASE WHEN r.n = 1 THEN now() - interval '11 minutes' END,
          sent_message_id = CASE WHEN r.n = 1 THEN '<crashed@acme.example>' END
        FROM r WHERE q.id = r.id)");
    const auto s = summary_of(f.process({"--json"}));
    CHECK(s.find("recovered")->as_int() == 3);
    CHECK(s.find("sent")->as_int() == 2);
    CHECK(f.db.scalar("SELECT status FROM email_queue WHERE sent_message_id = "
                      "'<crashed@acme.example>'") == "held");
    for (const auto& m : sink.wait_for_messages(2)) {
        CHECK(header_of(m.content, "Message-ID") != "<crashed@acme.example>");
    }
    CHECK(sink.messages().size() == 2);
}

TEST_CASE("runs a killed invocation left open are completed by the next one", "[process]") {
    SmtpSink sink;
    ProcessFixture f(sink);
    const auto company = f.company("sink");
    // Killed while sending its last row: the row is held by the next run's recovery, and
    // the company has nothing pending for the next run to visit.
    const auto held = f.queue_run(company, 2);
    f.db.exec("UPDATE email_queue SET status = 'sent', processed_at = now() WHERE campaign_run_id "
              "= " +
              id_literal(held) +
              " AND id = (SELECT min(id::text)::uuid FROM email_queue "
              "WHERE campaign_run_id = " +
              id_literal(held) + ")");
    f.db.exec("UPDATE email_queue SET status = 'processing', claimed_by = 'dead:1:x', "
              "lease_until = now() - interval '1 minute', send_started_at = now() - interval "
              "'11 minutes', sent_message_id = '<last@acme.example>' WHERE status = 'pending'");
    // Killed after its last outcome, before completing its run.
    const auto sent = f.queue_run(company, 2);
    f.db.exec("UPDATE email_queue SET status = 'sent', processed_at = now() WHERE "
              "campaign_run_id = " +
              id_literal(sent));
    // A running run with no rows yet (its fan-out has not happened) stays running.
    const auto empty = insert_run(f.conn, insert_campaign(f.conn, company), "running");

    const auto s = summary_of(f.process({"--json"}));
    CHECK(s.find("recovered")->as_int() == 1);
    CHECK(f.db.scalar("SELECT status FROM email_queue WHERE sent_message_id = "
                      "'<last@acme.example>'") == "held");
    // A held row's outcome is the operator's to decide: its run stays open until then.
    CHECK(f.db.scalar("SELECT status FROM campaign_runs WHERE id = " + id_literal(held)) ==
          "running");
    CHECK(f.db.scalar("SELECT status FROM campaign_runs WHERE id = " + id_literal(sent)) ==
          "completed");
    CHECK(f.db.scalar("SELECT status FROM campaign_runs WHERE id = " + id_literal(empty)) ==
          "running");
    CHECK(f.count("SELECT count(*) FROM email_queue_runs WHERE completed_at IS NOT NULL") == 1);
    CHECK(sink.messages().empty());
}

TEST_CASE("overlapping runs deliver every row exactly once within every limit", "[process]") {
    SmtpSink sink;
    ProcessFixture f(sink);
    const std::vector<std::pair<int, int>> limits{{25, 100}, {40, 30}, {100, 1000}};
    std::vector<Uuid> companies;
    for (std::size_t i = 0; i < limits.size(); ++i) {
        const auto c =
            f.company("sink", "C" + std::to_string(i), "sender@c" + std::to_string(i) + ".example");
        companies.push_back(c);
        f.queue_run(c, 40, "c" + std::to_string(i) + ".example");
        f.set_limits(c, limits[i].first, limits[i].second);
    }
    f.set("processing", "batch_cap", "7");
    for (int round = 0; round < 4; ++round) {
        for (const auto& r : f.process_concurrently(6)) {
            INFO(r.err);
            CHECK(r.exit_code == 0);
        }
        for (std::size_t i = 0; i < limits.size(); ++i) {
            const auto sent = f.count("SELECT count(*) FROM email_queue WHERE status = 'sent' "
                                      "AND company_id = " +
                                      id_literal(companies[i]));
            CHECK(sent <= std::min(limits[i].first, limits[i].second));
        }
    }
    const auto sent = f.rows_with_status("sent");
    INFO(f.db.scalar("SELECT string_agg(company_id::text || ' ' || status || ' ' || "
                     "coalesce(error_message, '') || ' ' || scheduled_for::text, E'\\n') "
                     "FROM email_queue WHERE status <> 'sent'"));
    CHECK(sent == 25 + 30 + 40);
    const auto messages = sink.wait_for_messages(static_cast<std::size_t>(sent));
    std::set<std::string> ids;
    for (const auto& m : messages) {
        ids.insert(header_of(m.content, "Message-ID"));
    }
    CHECK(messages.size() == static_cast<std::size_t>(sent));
    CHECK(ids.size() == messages.size());
    CHECK(f.count("SELECT count(*) FROM email_queue WHERE status = 'sent' AND sent_message_id = "
                  "ANY("
                  "ARRAY['" +
                  [&] {
                      std::string s;
                      for (const auto& id : ids) {
                          s += (s.empty() ? "" : "','") + id;
                      }
                      return s;
                  }() +
                  "'])") == sent);
}

TEST_CASE("a dry run composes and counts but sends and changes nothing", "[process]") {
    SmtpSink sink;
    ProcessFixture f(sink);
    f.queue_run(f.company("sink"), 3);
    const auto r = f.process({"--dry-run", "--json"});
    const auto s = summary_of(r);
    CHECK(s.find("dry_run")->as_bool());
    CHECK(s.find("sent")->as_int() == 3);
    CHECK(f.count("SELECT count(*) FROM email_queue WHERE status = 'pending' AND "
                  "sent_email_log_id IS NULL") == 3);
    CHECK(f.count("SELECT count(*) FROM email_queue_invocations") == 0);
    std::this_thread::sleep_for(milliseconds(200));
    CHECK(sink.messages().empty());
}

TEST_CASE("a single-instance run (--single) leaves at once when another is running", "[process]") {
    SmtpSink sink;
    ProcessFixture f(sink);
    f.queue_run(f.company("sink"), 2);
    auto other = f.db.connect();
    other.run("SELECT pg_advisory_lock_shared(111520460139632)", "hold"); // 0x656d61696c70
    const auto r = f.process({"--single", "--json"});
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("another queue-process is running") != std::string::npos);
    CHECK(f.rows_with_status("pending") == 2);
    other.run("SELECT pg_advisory_unlock_all()", "release");
    CHECK(f.process({"--single"}).exit_code == 0);
    CHECK(f.rows_with_status("sent") == 2);
}

TEST_CASE("one company only (--company), checked to exist", "[process]") {
    SmtpSink sink;
    ProcessFixture f(sink);
    const auto a = f.company("sink", "A", "a@a.example");
    f.queue_run(a, 2, "a.example");
    f.queue_run(f.company("sink", "B", "b@b.example"), 2, "b.example");
    REQUIRE(f.process({"--company", a.str()}).exit_code == 0);
    CHECK(f.rows_with_status("sent") == 2);
    CHECK(f.count("SELECT count(*) FROM email_queue WHERE status = 'sent' AND company_id = " +
                  id_literal(a)) == 2);
    const auto unknown = f.process({"--company", Uuid::random().str()});
    CHECK(unknown.exit_code == 66);
    CHECK(unknown.err.find("no company") != std::string::npos);
    const auto malformed = f.process({"--company", "acme"});
    CHECK(malformed.exit_code == 64);
    CHECK(malformed.err.find("--company: malformed UUID 'acme'") != std::string::npos);
}

TEST_CASE("SIGTERM finishes the message in flight and gives the rest back", "[process]") {
    SmtpSink sink({"-w", "1"});
    ProcessFixture f;
    f.add_provider("sink", sink.port());
    f.queue_run(f.company("sink"), 8);
    TempDir logs;
    const auto p = f.start(logs.file("out"));
    std::this_thread::sleep_for(milliseconds(2500));
    p->kill(SIGTERM);
    CHECK(p->wait() == 143);
    const auto sent = f.rows_with_status("sent");
    CHECK(sent >= 1);
    CHECK(sent < 8);
    CHECK(f.rows_with_status("processing") == 0);
    CHECK(f.rows_with_status("pending") == 8 - sent);
    CHECK(sink.messages().size() == static_cast<std::size_t>(sent));
}

TEST_CASE("SIGTERM while working one message ahead gives the marked next row back", "[process]") {
    // smtp-sink answers at once, so the batch sends each next row's mark before the
    // current message's dialogue; a stop must still leave every unsent row pending.
    SmtpSink sink;
    ProcessFixture f(sink);
    f.set("processing", "batch_cap", "1000");
    const auto company = f.company("sink");
    f.queue_run(company, 1000);
    f.set_limits(company, 100000, 100000);
    TempDir logs;
    const auto p = f.start(logs.file("out"));
    f.wait_until_sent(50);
    p->kill(SIGTERM);
    CHECK(p->wait() == 143);
    const auto sent = f.rows_with_status("sent");
    CHECK(sent < 1000);
    CHECK(f.count("SELECT count(*) FROM email_queue WHERE status IN ('processing', 'held')") == 0);
    CHECK(f.count("SELECT count(*) FROM email_queue WHERE status = 'pending' AND "
                  "send_started_at IS NULL AND claimed_by IS NULL") == 1000 - sent);
    std::this_thread::sleep_for(milliseconds(600)); // the sink's last files settle
    CHECK(sink.messages().size() == static_cast<std::size_t>(sent));
}

TEST_CASE("queue-process without the encryption settings or a database fails clearly",
          "[process]") {
    SmtpSink sink;
    ProcessFixture f(sink);
    f.queue_run(f.company("sink"), 1);
    const auto no_key = run_program("queue-process", {"--config", f.config_path()}, f.db,
                                    {{"ENCRYPTION_KEY", ""}, {"ENCRYPTION_SALT", ""}});
    CHECK(no_key.exit_code == 78);
    CHECK(no_key.err.find("ENCRYPTION_KEY") != std::string::npos);
    CHECK(f.rows_with_status("pending") == 1);

    const auto no_db = run_program_without_db("queue-process", {});
    CHECK(no_db.exit_code == 69);
    CHECK(no_db.err.find("cannot connect to the database") != std::string::npos);
}

TEST_CASE("a lead whose columns nest too deep fails that row, not the batch", "[process]") {
    SmtpSink sink;
    ProcessFixture f(sink);
    f.queue_run(f.company("sink"), 3);
    f.db.exec("ALTER TABLE leads ADD COLUMN enriched_data jsonb");
    f.db.exec("UPDATE leads SET enriched_data = (repeat('[', 300) || repeat(']', 300))::jsonb "
              "WHERE email = 'lead0@x.example'");
    const auto r = f.process();
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(f.rows_with_status("sent") == 2);
    CHECK(f.db.scalar("SELECT status || ': ' || error_message FROM email_queue q JOIN leads l "
                      "ON l.id = q.lead_id WHERE l.email = 'lead0@x.example'")
              .starts_with("failed: the lead's columns cannot be read"));
    CHECK(sink.wait_for_messages(2).size() == 2);
}

TEST_CASE("an address put on the do-not-email list after its row was loaded is not sent to",
          "[process][suppression]") {
    // The rows are loaded a chunk at a time, before their content is written; the content
    // generator, while it writes lead0's message, puts lead1 on the list (as the web
    // application does when a lead unsubscribes). The list is checked again by each
    // row's send-started mark, right before its send.
    SmtpSink sink;
    ProcessFixture f(sink);
    const auto generator = f.dir.path() + "/generate.sh";
    std::ofstream(generator) << "#!/bin/sh\n"
                                "input=$(cat)\n"
                                "case \"$input\" in *lead0@x.example*)\n"
                                "  /usr/bin/psql -qAt '"
                             << f.db.url()
                             << "' -c \"INSERT INTO "
                                "do_not_email (email, reason) VALUES ('Lead1@x.example', "
                                "'unsubscribed')\" >/dev/null || exit 1 ;;\n"
                                "esac\n"
                                "printf '{\"subject\": \"Hi\", \"body\": \"<p>Hi</p>\"}'\n";
    std::filesystem::permissions(generator, std::filesystem::perms::owner_all);
    f.set("content", "generator", "command");
    f.set("content", "command", generator);
    f.queue_run(f.company("sink"), 3);
    const auto r = f.process();
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(f.count("SELECT count(*) FROM do_not_email") == 1);
    CHECK(f.rows_with_status("sent") == 2);
    CHECK(f.db.scalar("SELECT status || ': ' || error_message FROM email_queue q JOIN leads l "
                      "ON l.id = q.lead_id WHERE l.email = 'lead1@x.example'") ==
          "skipped: the address is on the do-not-email list (added before the send)");
    const auto messages = sink.wait_for_messages(2);
    CHECK(messages.size() == 2);
    for (const auto& m : messages) {
        CHECK(m.rcpt_to != std::vector<std::string>{"<lead1@x.example>"});
    }
    CHECK(f.count("SELECT count(*) FROM email_logs WHERE lead_id = (SELECT id FROM leads WHERE "
                  "email = 'lead1@x.example')") == 0);
}
