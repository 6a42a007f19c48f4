// The pooler suite: the three programs through a real PgBouncer in transaction mode (a
// server session per transaction, as on a managed database's pooler port), with
// database.pool_mode: transaction. Enqueue, overlapping queue-process runs, the admin
// subcommands and runs killed at random instants must give the same delivery guarantee
// as with a direct connection: every row delivered once, no company over a limit,
// nothing lost. In session mode through the same pooler, a run must stop with an error
// that names the pooler and database.pool_mode, and leave no row 'processing'.

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <libpq-fe.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <random>
#include <thread>

#include "support/delivery_audit.hpp"
#include "support/figures.hpp"
#include "support/limit_watcher.hpp"
#include "support/pgbouncer.hpp"
#include "support/process_fixture.hpp"
#include "support/programs.hpp"
#include "support/seed_data.hpp"
#include "support/smtp_sink.hpp"
#include "util/json.hpp"

using namespace eq;
using namespace eq::test;
using namespace std::chrono;

namespace {

// A ProcessFixture whose runs go through a PgBouncer in transaction mode, as the worker
// role, with database.pool_mode as given; the other programs run as the owner through
// the same pooler.
struct PooledFixture {
    explicit PooledFixture(const std::string& pool_mode = "transaction",
                           PgBouncer::Options options = {})
        : bouncer(f.db.server(), {f.worker.name(), f.db.server().user}, options) {
        f.add_provider("sink", sink.port());
        f.set("database", "pool_mode", pool_mode);
        f.set_database_url(bouncer.url(f.db.name(), f.worker.name()));
    }

    // queue-enqueue or queue-admin as the owner, through the pooler, with the config.
    ProcessResult program(const std::string& name, std::vector<std::string> args) const {
        args.insert(args.end(), {"--config", f.config_path()});
        return run_program(name, args, f.db,
                           {{"DATABASE_URL", bouncer.url(f.db.name(), f.db.server().user)}});
    }

    // A company sending to the sink with an idle run of `leads` leads (lead<n>@c<i>.example):
    // the company and the run.
    std::pair<Uuid, Uuid> idle_run(int i, int leads) {
        const auto company =
            f.company("sink", fmt::format("Company {}", i), fmt::format("sender@c{}.example", i));
        f.db.exec(fmt::format("INSERT INTO leads (company_id, email) SELECT '{}', 'lead' || g || "
                              "'@c{}.example' FROM generate_series(1, {}) g",
                              company.str(), i, leads));
        return {company, insert_run(f.conn, insert_campaign(f.conn, company))};
    }

    // The delivery audit once the sink's last files have settled.
    DeliveryAudit audit() const {
        std::this_thread::sleep_for(milliseconds(600));
        return audit_delivery(f.db, sink.messages());
    }

    SmtpSink sink;
    ProcessFixture f;
    PgBouncer bouncer;
};

// Drops every prepared statement of the pooler's one server session, as when it hands
// a client's next transaction another session.
void deallocate_all(const std::string& url) {
    PGconn* conn = PQconnectdb(url.c_str());
    REQUIRE(PQstatus(conn) == CONNECTION_OK);
    PGresult* r = PQexec(conn, "DEALLOCATE ALL");
    CHECK(PQresultStatus(r) == PGRES_COMMAND_OK);
    PQclear(r);
    PQfinish(conn);
}

std::int64_t json_int(const ProcessResult& r, const std::string& key) {
    const auto j = Json::parse(r.out);
    REQUIRE(j.ok());
    const auto* v = j->find(key);
    REQUIRE(v != nullptr);
    return v->as_int();
}

} // namespace

TEST_CASE("through a transaction pooler, enqueue and overlapping runs deliver every row once "
          "within every limit",
          "[pooler]") {
    PooledFixture p;
    auto& f = p.f;
    f.set("processing", "batch_cap", "30");
    constexpr int k_companies = 6;
    constexpr int k_leads = 100;
    constexpr int k_processes = 8;
    std::vector<Uuid> runs;
    for (int i = 0; i < k_companies; ++i) {
        const auto [company, run] = p.idle_run(i, k_leads);
        f.set_limits(company, 30 + 10 * i, i % 3 == 0 ? 60 : 1000);
        runs.push_back(run);
    }

    // Every run enqueued at once, each in its transactions through the pooler.
    std::vector<ProcessResult> enqueued(runs.size());
    {
        std::vector<std::jthread> threads;
        for (std::size_t i = 0; i < runs.size(); ++i) {
            threads.emplace_back([&, i] {
                enqueued[i] = p.program("queue-enqueue", {"--run", runs[i].str(), "--json"});
            });
        }
    }
    for (const auto& r : enqueued) {
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        CHECK(json_int(r, "queued") == k_leads);
    }
    constexpr std::int64_t k_total = k_companies * k_leads;
    REQUIRE(f.rows_with_status("pending") == k_total);

    LimitWatcher watcher(f.db);
    std::int64_t reported_sent = 0;
    int rounds = 0;
    for (; rounds < 12; ++rounds) {
        if (f.rows_with_status("pending") == 0) {
            break;
        }
        const auto results = f.process_concurrently(k_processes, {"--json"});
        for (const auto& r : results) {
            INFO(r.err << p.bouncer.log());
            REQUIRE(r.exit_code == 0);
            reported_sent += json_int(r, "sent");
            CHECK(json_int(r, "failed") + json_int(r, "held") + json_int(r, "retried") == 0);
        }
        CHECK(f.count(k_over_limit_sql) == 0);
        pass_time_after_round(f.db, rounds);
    }
    watcher.stop();

    const auto audit = p.audit();
    INFO(audit.describe());
    CHECK(audit.rows == k_total);
    CHECK(audit.count("sent") == k_total);
    CHECK(audit.exactly_once());
    CHECK(reported_sent == k_total);
    CHECK(watcher.violations() == 0);
    CHECK(watcher.checks() > 0);
    CHECK(f.count("SELECT count(*) FROM campaign_runs WHERE status <> 'completed'") == 0);

    Figures figures("pooler");
    figures.add("rows", audit.rows);
    figures.add("rounds", rounds);
    figures.add("duplicates_found", audit.duplicates + audit.duplicate_recipients + audit.stray);
    figures.add("rows_lost", k_total - audit.rows);
    figures.add("limit_violations", watcher.violations());
    figures.write();
}

TEST_CASE("through a transaction pooler, the admin subcommands work and migrate asks for the "
          "direct port",
          "[pooler]") {
    PooledFixture p;
    const auto run = p.idle_run(0, 5).second;
    REQUIRE(p.program("queue-enqueue", {"--run", run.str()}).exit_code == 0);

    for (const std::vector<std::string>& args : {std::vector<std::string>{"status", "--json"},
                                                 {"stats", "--json"},
                                                 {"run", "list", "--json"},
                                                 {"run", "show", run.str(), "--json"},
                                                 {"throttle", "list", "--json"},
                                                 {"suppress", "add", "gone@c0.example", "--json"},
                                                 {"suppress", "list", "--json"},
                                                 {"metrics"},
                                                 {"db", "status", "--json"}}) {
        const auto r = p.program("queue-admin", args);
        INFO(fmt::format("queue-admin {}: {}", fmt::join(args, " "), r.err));
        CHECK(r.exit_code == 0);
    }
    REQUIRE(p.program("queue-admin", {"run", "pause", run.str()}).exit_code == 0);
    CHECK(p.f.db.scalar(fmt::format(
              "SELECT control FROM email_queue_runs WHERE campaign_run_id = '{}'", run.str())) ==
          "paused");
    REQUIRE(p.program("queue-admin", {"run", "resume", run.str()}).exit_code == 0);
    CHECK(p.f.db.scalar(fmt::format(
              "SELECT control FROM email_queue_runs WHERE campaign_run_id = '{}'", run.str())) ==
          "active");
    CHECK(p.f.count("SELECT count(*) FROM do_not_email WHERE email = 'gone@c0.example'") == 1);
    const auto health = p.program("queue-admin", {"health"});
    CHECK(health.exit_code >= 0);
    CHECK(health.exit_code <= 2);

    // Migrations need one session: refused through the pooler, done on the direct port.
    const auto refused = p.program("queue-admin", {"db", "migrate"});
    CHECK(refused.exit_code == 78);
    CHECK(refused.err.find("database.migrate_url") != std::string::npos);
    const auto direct = p.program("queue-admin", {"db", "migrate", "--url", p.f.db.url()});
    INFO(direct.err);
    CHECK(direct.exit_code == 0);

    // --single needs a session lock: refused in transaction mode.
    const auto single = p.f.process({"--single"});
    CHECK(single.exit_code == 64);
    CHECK(single.err.find("--single") != std::string::npos);
    CHECK(single.err.find("transaction") != std::string::npos);
}

TEST_CASE("through a transaction pooler, runs killed at random instants lose nothing and send "
          "nothing twice",
          "[pooler]") {
    PooledFixture p;
    auto& f = p.f;
    constexpr auto k_lease = seconds(3);
    f.set_lease(k_lease);
    f.set("processing", "concurrency", "2");
    f.set("processing", "batch_cap", "10");
    constexpr int k_companies = 4;
    constexpr int k_rows = 150;
    for (int i = 0; i < k_companies; ++i) {
        const auto c = f.company("sink", fmt::format("Company {}", i));
        f.queue_run(c, k_rows, fmt::format("c{}.example", i));
        f.set_limits(c, 10000, 100000);
    }
    constexpr std::int64_t k_total = k_companies * k_rows;

    std::mt19937 rng(std::random_device{}());
    std::uniform_int_distribution<int> delay_ms(20, 300);
    TempDir logs;
    int kills = 0;
    for (int attempt = 0; attempt < 60 && kills < 15; ++attempt) {
        if (f.rows_with_status("pending") == 0) {
            break;
        }
        const auto run = f.start(logs.file("run.log"));
        std::this_thread::sleep_for(milliseconds(delay_ms(rng)));
        run->kill(SIGKILL);
        if (run->wait() == 128 + SIGKILL) {
            ++kills;
        }
        if (attempt % 4 == 3) {
            std::this_thread::sleep_for(k_lease);
        }
    }
    CHECK(kills > 0);
    // Normal runs until nothing is pending or in flight.
    for (int i = 0; i < 40; ++i) {
        if (f.count("SELECT count(*) FROM email_queue WHERE status IN ('pending', "
                    "'processing')") == 0) {
            break;
        }
        std::this_thread::sleep_for(k_lease);
        const auto r = f.process();
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
    }
    const auto audit = p.audit();
    INFO(audit.describe());
    CHECK(audit.rows == k_total);
    CHECK(audit.drained());
    CHECK(audit.exactly_once());
    CHECK(audit.count("sent") + audit.count("held") == k_total);
}

TEST_CASE("session mode through a transaction pooler stops with the pool_mode error and leaves "
          "no row processing",
          "[pooler]") {
    // Two server sessions for every client: each client's prepared statements soon meet
    // a session where they are missing, or another client's of the same name.
    PooledFixture p("session", PgBouncer::Options{"transaction", 2});
    auto& f = p.f;
    for (int i = 0; i < 6; ++i) {
        const auto c = f.company("sink", fmt::format("Company {}", i));
        f.queue_run(c, 30, fmt::format("c{}.example", i));
        f.set_limits(c, 10000, 100000);
    }
    const auto results = f.process_concurrently(4);
    int failed = 0;
    for (const auto& r : results) {
        INFO(r.err);
        if (r.exit_code == 0) {
            continue;
        }
        ++failed;
        CHECK(r.exit_code == 78);
        CHECK(r.err.find("pooler in transaction mode") != std::string::npos);
        CHECK(r.err.find("database.pool_mode: transaction") != std::string::npos);
    }
    CHECK(failed > 0);
    CHECK(f.rows_with_status("processing") == 0);
}

TEST_CASE("session mode through a transaction pooler failing mid-batch gives the run's rows back "
          "at once",
          "[pooler]") {
    // One server session for everyone. The run stops before its batch (its main
    // connection's statements are then dropped, so the batch can prepare its own), and
    // at the second row's send-started mark (the batch's statements are dropped): its
    // next reuse of one fails with 26000 while it holds every other claimed row.
    PooledFixture p("session", PgBouncer::Options{"transaction", 1});
    auto& f = p.f;
    f.set("processing", "concurrency", "1");
    f.set("processing", "db_connections", "1");
    f.set("processing", "batch_cap", "50");
    const auto c = f.company("sink");
    f.queue_run(c, 20);
    f.set_limits(c, 10000, 100000);

    TempDir logs;
    auto env = f.db.env();
    for (const auto& [k, v] : f.env()) {
        env[k] = v;
    }
    env["EMAILQUEUE_TEST_FAULT"] = "batch:1,send-started:2";
    env["EMAILQUEUE_TEST_FAULT_SIGNAL"] = "STOP";
    BackgroundProcess run({program_path("queue-process-faulty"), "--config", f.config_path()},
                          logs.file("run.log"), env);
    // The run's pool: PgBouncer keeps one per database and user.
    const auto worker_url = p.bouncer.url(f.db.name(), f.worker.name());
    for (int stop = 0; stop < 2; ++stop) {
        const bool stopped = wait_until_stopped(run.pid());
        INFO("stop " << stop << ": " << read_log(logs.file("run.log")));
        REQUIRE(stopped);
        deallocate_all(worker_url);
        run.kill(SIGCONT);
    }
    CHECK(run.wait() == 78);
    const auto log = read_log(logs.file("run.log"));
    INFO(log);
    CHECK(log.find("SQLSTATE 26000") != std::string::npos);
    CHECK(log.find("database.pool_mode: transaction") != std::string::npos);
    // Given back at once (the lease is minutes long): nothing processing, the unsent
    // rows pending and free, a row whose send had started held.
    CHECK(f.rows_with_status("processing") == 0);
    CHECK(f.count("SELECT count(*) FROM email_queue WHERE status = 'pending' AND claimed_by IS "
                  "NULL") >= 15);
    CHECK(f.count("SELECT count(*) FROM email_queue WHERE status = 'held' AND error_message LIKE "
                  "'outcome unknown%'") >= 1);
    // The queue finishes with the right mode, each row sent once.
    f.set("database", "pool_mode", "transaction");
    const auto again = f.process();
    INFO(again.err);
    REQUIRE(again.exit_code == 0);
    const auto audit = p.audit();
    INFO(audit.describe());
    CHECK(audit.exactly_once());
    CHECK(audit.drained());
    CHECK(audit.count("sent") + audit.count("held") == 20);
}
