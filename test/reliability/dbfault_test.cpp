// The database-fault suite: queue-process's connections terminated mid-batch
// (pg_terminate_backend), the server restarted mid-run (a cluster of the test's own), and
// the server down at start. Each time: a clear error and exit status 69, nothing lost,
// nothing sent twice, and the next runs recover and finish the queue.

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <chrono>
#include <thread>

#include "support/delivery_audit.hpp"
#include "support/figures.hpp"
#include "support/private_cluster.hpp"
#include "support/process_fixture.hpp"
#include "support/smtp_server.hpp"

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
    CHECK(f.count("SELECT count(*) FROM email_queue WHERE status = 'sent'") < k_companies * k_rows);
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
    CHECK(f.count("SELECT count(*) FROM email_queue WHERE status = 'pending'") ==
          k_companies * k_rows);
    CHECK(server.messages().empty());
    check_recovered(f, server, figures);
    CHECK(f.count("SELECT count(*) FROM email_queue WHERE status = 'held'") == 0);
    figures.write();
}
