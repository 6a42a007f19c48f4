// The database-fault suite: queue-process's connections terminated mid-batch
// (pg_terminate_backend), the server restarted mid-run (a cluster of the test's own), and
// the server down at start. Each time: a clear error and exit status 69, nothing lost,
// nothing sent twice, and the next runs recover and finish the queue.

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "support/delivery_audit.hpp"
#include "support/figures.hpp"
#include "support/private_cluster.hpp"
#include "support/process_fixture.hpp"
#include "support/smtp_server.hpp"
#include "support/smtp_sink.hpp"

using namespace eq;
using namespace eq::test;
using namespace std::chrono;

namespace {

constexpr auto k_lease = seconds(3);
constexpr int k_companies = 3;
constexpr int k_rows = 10;

// A server that takes a while over each message, so a batch is still running when the
// database goes away. Every company signs in with the fixture's default account.
SmtpServerOptions slow_server() {
    SmtpServerOptions o;
    o.data_delay = milliseconds(100);
    o.auth =
        SmtpServerOptions::Credentials{"jack.doe@acme.example", ProcessFixture::k_account_password};
    return o;
}

void queue_rows(ProcessFixture& f, int port) {
    f.add_provider("slow", port);
    f.set_lease(k_lease);
    for (int i = 0; i < k_companies; ++i) {
        f.queue_run(f.company("slow", fmt::format("Company {}", i)), k_rows,
                    fmt::format("c{}.example", i));
    }
}

// Normal runs, after the leases of the stopped run have passed, until the queue drains.
void drain(const ProcessFixture& f) {
    std::this_thread::sleep_for(k_lease + milliseconds(100));
    for (int i = 0; i < 10; ++i) {
        if (f.count("SELECT count(*) FROM email_queue WHERE status IN ('pending', "
                    "'processing')") == 0) {
            return;
        }
        const auto r = f.process();
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
    }
}

void check_recovered(const ProcessFixture& f, const SmtpServer& server, Figures& figures) {
    drain(f);
    std::this_thread::sleep_for(milliseconds(300));
    const auto audit = audit_delivery(f.db, server.messages());
    INFO(audit.describe());
    CHECK(audit.rows == k_companies * k_rows);
    CHECK(audit.drained());
    CHECK(audit.exactly_once());
    // Held only what was being sent when the database went away: one per company at most.
    CHECK(audit.count("held") <= k_companies);
    CHECK(audit.count("sent") + audit.count("held") == k_companies * k_rows);
    // Every run completed, but one with a held row: that waits for the operator's decision.
    CHECK(f.count("SELECT count(*) FROM campaign_runs r WHERE status <> 'completed' AND NOT "
                  "EXISTS (SELECT 1 FROM email_queue q WHERE q.campaign_run_id = r.id AND "
                  "q.status = 'held')") == 0);
    figures.add("rows", audit.rows);
    figures.add("rows_lost", k_companies * k_rows - audit.rows);
    figures.add("duplicates_found", audit.duplicates + audit.duplicate_recipients + audit.stray);
    figures.add("held_in_window", audit.count("held"));
}

} // namespace

TEST_CASE("connections terminated mid-batch stop the run with 69, and the next run recovers",
          "[dbfault]") {
    SmtpServer server(slow_server());
    ProcessFixture f;
    queue_rows(f, server.port());
    Figures figures("dbfault");
    TempDir logs;
    auto run = f.start(logs.file("run.log"));
    f.wait_until_sent(2);
    const auto terminated = f.count(
        "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
        "datname = current_database() AND application_name = 'queue-process') t");
    CHECK(terminated >= 1);
    CHECK(run->wait() == 69);
    const auto out = read_file(logs.file("run.log"));
    INFO(out);
    CHECK(out.find("queue-process: error: database: statement '") != std::string::npos);
    CHECK(out.find("terminating connection due to administrator command") != std::string::npos);
    CHECK(f.rows_with_status("sent") < k_companies * k_rows);
    figures.add("faults_connection_terminated");
    check_recovered(f, server, figures);
    figures.write();
}

TEST_CASE("the server restarted mid-run stops the run with 69, and the next run recovers",
          "[dbfault]") {
    PrivateCluster cluster;
    SmtpServer server(slow_server());
    ProcessFixture f(cluster.server());
    queue_rows(f, server.port());
    Figures figures("dbfault");
    TempDir logs;
    auto run = f.start(logs.file("run.log"));
    f.wait_until_sent(2);
    cluster.restart();
    CHECK(run->wait() == 69);
    const auto out = read_file(logs.file("run.log"));
    INFO(out);
    CHECK(out.find("queue-process: error: ") != std::string::npos);
    CHECK(out.find("database") != std::string::npos);
    figures.add("faults_server_restarted");
    check_recovered(f, server, figures);
    figures.write();
}

TEST_CASE("the server down at start: a clear error, 69, nothing touched, then it all goes",
          "[dbfault]") {
    PrivateCluster cluster;
    SmtpServer server(slow_server());
    ProcessFixture f(cluster.server());
    queue_rows(f, server.port());
    Figures figures("dbfault");
    cluster.stop();
    const auto r = f.process({"--json"});
    CHECK(r.exit_code == 69);
    CHECK(r.out.empty());
    CHECK(r.err.find("queue-process: error: cannot connect to the database: ") == 0);
    CHECK(r.err.find("\nhint: set database.url in the config, or DATABASE_URL") !=
          std::string::npos);
    figures.add("faults_server_down_at_start");
    cluster.restart();
    CHECK(f.rows_with_status("pending") == k_companies * k_rows);
    CHECK(server.messages().empty());
    check_recovered(f, server, figures);
    CHECK(f.rows_with_status("held") == 0);
    figures.write();
}

namespace {

// One row's send-started mark refused at COMMIT by a deferred constraint trigger; `fast`:
// a server that answers at once (marks sent ahead with the outcomes), else a slow one
// (marks written before each dialogue).
void check_mark_refused_at_commit(bool fast) {
    SmtpSink sink;
    SmtpServerOptions slow = slow_server();
    slow.data_delay = milliseconds(40);
    SmtpServer server(slow);
    ProcessFixture f;
    f.add_provider("mail", fast ? sink.port() : server.port());
    const auto company = f.company("mail");
    f.queue_run(company, k_rows, "commit.example");
    // A deferred constraint trigger refuses, at COMMIT, the send-started mark of one row
    // (the fourth by address): the UPDATE and its RETURNING succeed, the commit does not.
    const auto chosen = f.db.scalar(
        "SELECT q.id FROM email_queue q JOIN leads l ON l.id = q.lead_id ORDER BY l.email "
        "OFFSET 3 LIMIT 1");
    const auto chosen_email = f.db.scalar(
        "SELECT l.email FROM email_queue q JOIN leads l ON l.id = q.lead_id WHERE q.id = '" +
        chosen + "'");
    f.db.exec(
        fmt::format("CREATE FUNCTION refuse_mark() RETURNS trigger LANGUAGE plpgsql AS $$"
                    " BEGIN IF NEW.id = '{}' AND NEW.send_started_at IS NOT NULL THEN"
                    " RAISE EXCEPTION 'mark refused at commit'; END IF; RETURN NULL; END $$;"
                    "CREATE CONSTRAINT TRIGGER refuse_mark AFTER UPDATE ON email_queue DEFERRABLE "
                    "INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_mark()",
                    chosen));
    const auto r = f.process({"--log-level", "info"});
    INFO(r.err);
    CHECK(r.exit_code == 0);
    const auto received = [&] {
        std::vector<std::string> to;
        if (fast) {
            for (const auto& m : sink.messages()) {
                to.insert(to.end(), m.rcpt_to.begin(), m.rcpt_to.end());
            }
        } else {
            for (const auto& m : server.messages()) {
                const auto at = m.find("\nTo: ");
                to.push_back(at == std::string::npos ? m : m.substr(at, m.find('\n', at + 1) - at));
            }
        }
        return to;
    };
    std::this_thread::sleep_for(milliseconds(300));
    const auto first = received();
    const auto to_chosen = std::count_if(first.begin(), first.end(), [&](const auto& t) {
        return t.find(chosen_email) != std::string::npos;
    });
    // Nothing went to the row whose mark did not commit; every other row was sent.
    CHECK(to_chosen == 0);
    CHECK(first.size() == static_cast<std::size_t>(k_rows - 1));
    CHECK(f.rows_with_status("sent") == k_rows - 1);
    // The row is kept, pending, with the reason, and was never marked as sent or started.
    CHECK(f.db.scalar("SELECT status || ' ' || coalesce(error_message, '') || ' ' || "
                      "(send_started_at IS NULL)::text FROM email_queue WHERE id = '" +
                      chosen + "'") ==
          "pending the send-started mark did not commit: mark refused at commit true");
    CHECK(r.err.find("not sent, released: the send-started mark did not commit") !=
          std::string::npos);

    // Once the database takes the mark, the row goes, once.
    f.db.exec("DROP TRIGGER refuse_mark ON email_queue");
    f.db.exec("UPDATE email_queue SET scheduled_for = now() WHERE status = 'pending'");
    const auto again = f.process();
    INFO(again.err);
    CHECK(again.exit_code == 0);
    std::this_thread::sleep_for(milliseconds(300));
    const auto all = received();
    CHECK(all.size() == static_cast<std::size_t>(k_rows));
    CHECK(std::count_if(all.begin(), all.end(), [&](const auto& t) {
              return t.find(chosen_email) != std::string::npos;
          }) == 1);
    CHECK(f.rows_with_status("sent") == k_rows);

    Figures figures("dbfault");
    figures.add("rows", k_rows);
    figures.add("rows_lost", k_rows - f.count("SELECT count(*) FROM email_queue"));
    figures.add("commit_failures_injected");
    figures.add("sends_after_uncommitted_mark", to_chosen);
    figures.write();
}

} // namespace

TEST_CASE("a send-started mark whose COMMIT fails is never followed by a send (marks sent "
          "ahead)",
          "[dbfault]") {
    check_mark_refused_at_commit(true);
}

TEST_CASE("a send-started mark whose COMMIT fails is never followed by a send (marks written "
          "one by one)",
          "[dbfault]") {
    check_mark_refused_at_commit(false);
}
