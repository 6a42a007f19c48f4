// The crash suite: queue-process killed with SIGKILL, at exact points (the test build
// queue-process-faulty, lib/process/fault_point.hpp) and at random instants (the real
// queue-process), then normal runs until the queue drains. Nothing may be lost, nothing
// stuck, nothing delivered twice; a row is held (outcome unknown) only when the kill fell
// between its durable send-started mark and the recording of the server's answer.

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <random>
#include <thread>

#include "support/delivery_audit.hpp"
#include "support/figures.hpp"
#include "support/process_fixture.hpp"
#include "support/smtp_server.hpp"
#include "support/smtp_sink.hpp"

using namespace eq;
using namespace eq::test;
using namespace std::chrono;

namespace {

// Longer than the longest send (2 x smtp.message_timeout, 1 s with
// ProcessFixture::set_lease), which is ample for one message to a local server; short
// enough not to wait long for the recovery of killed runs' rows.
constexpr auto k_lease = seconds(5);
// For the kills at named points: a batch renews its leases (reading back the marks on
// their way first) before a send once it has run for lease - 3 s, which a batch of five
// rows never reaches with this lease however loaded the machine: the transactions a
// kill interrupts are then the ones expected_after() lists.
constexpr auto k_point_lease = seconds(20);

// Normal runs until nothing is pending or processing (bounded), after the leases of
// killed runs have passed.
void drain(const ProcessFixture& f, int max_runs = 30, seconds lease = k_lease) {
    std::this_thread::sleep_for(lease + milliseconds(100));
    for (int i = 0; i < max_runs; ++i) {
        if (f.count("SELECT count(*) FROM email_queue WHERE status IN ('pending', "
                    "'processing')") == 0) {
            return;
        }
        const auto r = f.process();
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        if (f.rows_with_status("processing") > 0) {
            std::this_thread::sleep_for(lease);
        }
    }
}

// A row left held (outcome unknown) by a kill: its place in send order, from 1, and
// whether its message reached the server.
struct Held {
    int row;
    bool delivered;
    bool operator==(const Held& o) const { return row == o.row && delivered == o.delivered; }
};
using HeldRows = std::vector<Held>;

// What a kill at the hit-th arrival at a point leaves held, in a batch of k_rows = 5 to a
// server that answers at once (lib/process/company_batch.cpp). Row 1 is marked on its
// own and sent; row 2 is marked in one transaction with row 1's outcome (hits 1 and 2
// of "composed"). Then, right before row 2 is sent, row 3's mark goes out (hit 3);
// from then on, once row k has been answered, row k's outcome goes out with the mark of
// row k+2 as one transaction (hits 4 and 5), and the transaction carrying row k+1's
// mark is read back before row k+1 is sent ("recorded" 2 and 3 are those reads). So up
// to two such transactions are on their way; the last outcomes are written at the end
// of the batch, one transaction each ("recorded" 4 and 5). A row is held when it is marked and its
// outcome is not committed. A kill while a transaction is sent and not yet read back leaves it
// committed or not, depending on how far the database had got: both are accepted.
std::vector<HeldRows> expected_after(std::string_view point, int hit) {
    const auto d = [](int row) { return Held{row, true}; };  // delivered
    const auto n = [](int row) { return Held{row, false}; }; // marked, not sent
    if (point == "composed") {                               // a row built, its mark not sent
        switch (hit) {
        case 1:
            return {{}};
        case 2:
            return {{d(1)}};
        case 3:
            return {{n(2)}};
        case 4: // row 2 answered; row 3's mark on its way
            return {{d(2), n(3)}, {d(2)}};
        default: // row hit-2 answered; row hit-1's mark on its way with row hit-3's outcome
            return {{d(hit - 2), n(hit - 1)}, {d(hit - 3), d(hit - 2)}};
        }
    }
    if (point == "send-started") { // the row's mark committed; the next mark in flight
        switch (hit) {
        case 1:
            return {{n(1)}};
        case 2:
            return {{n(2), n(3)}, {n(2)}};
        case 5:
            return {{d(4), n(5)}};
        default:
            return {{n(hit), n(hit + 1)}, {d(hit - 1), n(hit)}};
        }
    }
    if (point == "answered") { // the row sent and answered
        switch (hit) {
        case 1:
            return {{d(1)}};
        case 2:
            return {{d(2), n(3)}, {d(2)}};
        case 5:
            return {{d(4), d(5)}};
        default:
            return {{d(hit), n(hit + 1)}, {d(hit - 1), d(hit)}};
        }
    }
    if (point == "recorded") { // the hit-th transaction with outcomes committed
        switch (hit) {
        case 1:
            return {{n(2)}};
        case 2: // rows 2 and 4: row 3 answered, row 5's mark on its way with its outcome
            return {{n(4), n(5)}, {d(3), n(4)}};
        case 3: // rows 3 and 5: row 4 answered, no row left to mark
            return {{d(4), n(5)}};
        case 4: // the end of the batch: row 4's; row 5's on its way
            return {{}, {d(5)}};
        default:
            return {{}}; // row 5's
        }
    }
    return {{}}; // claimed, finishing: nothing in the window
}

// Where a kill of the run `pid` fell, from what it left behind: rows claimed and not
// started (claim, render), a row marked started and not recorded (the SMTP dialogue or
// the outcome not yet committed: the ambiguous window), or nothing in hand (start-up,
// between rows, the final steps). Counted in the figures; returns the rows it left in
// the ambiguous window.
std::int64_t record_where_the_kill_fell(const ProcessFixture& f, int pid, Figures& figures) {
    // The killed run's database sessions finish what they were sent (an outcome written
    // behind a mark commits) before they notice; count after that.
    const auto sessions_ended = steady_clock::now() + seconds(5);
    while (f.count("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                   "current_database() AND application_name = 'queue-process'") > 0 &&
           steady_clock::now() < sessions_ended) {
        std::this_thread::sleep_for(milliseconds(10));
    }
    const auto left = f.db.scalar(
        fmt::format("SELECT count(*) FILTER (WHERE send_started_at IS NULL) || ' ' || "
                    "count(*) FILTER (WHERE send_started_at IS NOT NULL) FROM email_queue WHERE "
                    "status = 'processing' AND claimed_by LIKE '%:{}:%'",
                    pid));
    const auto space = left.find(' ');
    const auto claimed = std::stoll(left.substr(0, space));
    const auto started = std::stoll(left.substr(space + 1));
    if (started > 0) {
        figures.add("random_kills_in_ambiguous_window");
    } else if (claimed > 0) {
        figures.add("random_kills_after_claim");
    } else {
        figures.add("random_kills_outside_a_batch");
    }
    return started;
}

struct PointCase {
    const char* point;
    std::vector<int> hits; // the N-th arrival at the point kills
};

} // namespace

TEST_CASE("a kill at each fault point leaves each row sent once, or held when in the window",
          "[crash]") {
    SmtpSink sink;
    ProcessFixture f(sink);
    f.set_lease(k_point_lease);
    const std::vector<PointCase> cases{
        {"claimed", {1}},           {"composed", {1, 2, 3, 4, 5}}, {"send-started", {1, 2, 3, 5}},
        {"answered", {1, 2, 4, 5}}, {"recorded", {1, 2, 3, 4, 5}}, {"finishing", {1}},
    };
    constexpr int k_rows = 5;
    struct Kill {
        std::string point;
        int hit;
        Uuid company;
        std::vector<HeldRows> expected;
    };
    std::vector<Kill> kills;
    Figures figures("crash");
    int n = 0;
    for (const auto& c : cases) {
        for (const int hit : c.hits) {
            const auto company = f.company("sink", fmt::format("Company {}", n),
                                           fmt::format("sender@c{}.example", n));
            f.queue_run(company, k_rows, fmt::format("c{}.example", n));
            f.set_limits(company, 10000, 100000);
            ++n;
            const auto r =
                f.process_with("queue-process-faulty", {"--company", company.str()},
                               {{"EMAILQUEUE_TEST_FAULT", fmt::format("{}:{}", c.point, hit)}});
            INFO(c.point << ":" << hit << " " << r.err);
            // Killed at the point, not before and not after.
            REQUIRE(r.exit_code == 128 + SIGKILL);
            kills.push_back({c.point, hit, company, expected_after(c.point, hit)});
            figures.add(std::string("kills_at_point_") + c.point);
            figures.add("kills_at_point");
        }
    }
    drain(f, 30, k_point_lease);
    std::this_thread::sleep_for(milliseconds(600)); // the sink's last files settle
    const auto audit = audit_delivery(f.db, sink.messages());
    INFO(audit.describe());
    CHECK(audit.rows == n * k_rows);
    CHECK(audit.drained());
    CHECK(audit.exactly_once());
    for (const auto& k : kills) {
        INFO(k.point << ":" << k.hit);
        // The rows held, in send order, and whether the server received each.
        HeldRows held;
        const auto rows = f.db.scalar(
            "SELECT COALESCE(string_agg(n || ' ' || sent_message_id, ';' ORDER BY n), '') FROM "
            "(SELECT status, sent_message_id, row_number() OVER (ORDER BY priority DESC, "
            "created_at, "
            "id) AS n FROM email_queue WHERE company_id = " +
            id_literal(k.company) + ") r WHERE status = 'held'");
        std::size_t at = 0;
        while (at < rows.size()) {
            auto end = rows.find(';', at);
            end = end == std::string::npos ? rows.size() : end;
            const auto item = rows.substr(at, end - at);
            const auto space = item.find(' ');
            const auto message_id = item.substr(space + 1);
            int received = 0;
            for (const auto& m : sink.messages()) {
                received += header_of(m.content, "Message-ID") == message_id ? 1 : 0;
            }
            CHECK(received <= 1);
            held.push_back({std::stoi(item.substr(0, space)), received == 1});
            at = end + 1;
        }
        std::string seen;
        for (const auto& h : held) {
            seen += fmt::format(" {}{}", h.row, h.delivered ? "d" : "n");
        }
        INFO("held (row, d: delivered, n: not sent):" << seen);
        CHECK(std::find(k.expected.begin(), k.expected.end(), held) != k.expected.end());
        CHECK(f.count("SELECT count(*) FROM email_queue WHERE status = 'sent' AND company_id = " +
                      id_literal(k.company)) == k_rows - static_cast<std::int64_t>(held.size()));
        // Every row held is reported as possibly delivered, with its send-started mark.
        CHECK(f.count("SELECT count(*) FROM email_queue WHERE status = 'held' AND "
                      "(send_started_at IS NULL OR error_message NOT LIKE 'outcome unknown%') "
                      "AND company_id = " +
                      id_literal(k.company)) == 0);
    }
    // Every run completed once its rows were all final; one with a held row waits for the
    // operator's decision.
    CHECK(f.count("SELECT count(*) FROM campaign_runs r WHERE status <> 'completed' AND NOT "
                  "EXISTS (SELECT 1 FROM email_queue q WHERE q.campaign_run_id = r.id AND "
                  "q.status = 'held')") == 0);
    figures.add("rows", audit.rows);
    figures.add("duplicates_found", audit.duplicates + audit.duplicate_recipients + audit.stray);
    figures.add("rows_lost", audit.rows - n * k_rows);
    figures.add("held_in_window", audit.count("held"));
    figures.write();
}

TEST_CASE("queue-process killed at random instants loses nothing and sends nothing twice",
          "[crash]") {
    // Half the companies send to a server that takes 30 ms to accept each message, so
    // that the instants fall across claims, rendering, SMTP dialogues and outcome records,
    // not mostly in start-up; the other half to smtp-sink, which answers at once, so that
    // their outcomes are written while the next message is sent.
    SmtpServerOptions slow;
    slow.data_delay = milliseconds(30);
    slow.auth =
        SmtpServerOptions::Credentials{"jack.doe@acme.example", ProcessFixture::k_account_password};
    SmtpServer server(slow);
    SmtpSink sink;
    ProcessFixture f;
    f.add_provider("slow", server.port());
    f.add_provider("fast", sink.port());
    f.set_lease(k_lease);
    f.set("processing", "concurrency", "2");
    f.set("processing", "batch_cap", "10");
    // The fast companies have more rows, so that pending rows outlast the kills.
    constexpr int k_companies = 8;
    constexpr int k_slow_rows = 160;
    constexpr int k_fast_rows = 200;
    for (int i = 0; i < k_companies; ++i) {
        const bool fast = i % 2 == 1;
        const auto c = f.company(fast ? "fast" : "slow", fmt::format("Company {}", i));
        f.queue_run(c, fast ? k_fast_rows : k_slow_rows, fmt::format("c{}.example", i));
        f.set_limits(c, 10000, 100000);
    }
    constexpr int k_total = k_companies / 2 * (k_slow_rows + k_fast_rows);
    constexpr int k_wanted_kills = 40;

    std::mt19937 rng(std::random_device{}());
    std::uniform_int_distribution<int> delay_ms(20, 450);
    TempDir logs;
    Figures figures("crash");
    std::int64_t kills = 0, in_window = 0;
    const auto deadline = steady_clock::now() + seconds(120);
    for (int attempt = 0; attempt < 150 && kills < k_wanted_kills && steady_clock::now() < deadline;
         ++attempt) {
        if (f.rows_with_status("pending") == 0) {
            break; // nothing left to interrupt
        }
        const auto p = f.start(logs.file("run.log"));
        std::this_thread::sleep_for(milliseconds(delay_ms(rng)));
        p->kill(SIGKILL);
        const int pid = p->pid();
        if (p->wait() != 128 + SIGKILL) {
            continue; // it had finished: not a kill
        }
        ++kills;
        in_window += record_where_the_kill_fell(f, pid, figures);
        // The next run starts while these rows wait for their lease; every other run
        // after a lease has passed recovers them.
        if (attempt % 4 == 3) {
            std::this_thread::sleep_for(k_lease);
        }
    }
    REQUIRE(kills >= k_wanted_kills);
    drain(f, 40);
    std::this_thread::sleep_for(milliseconds(300)); // a killed client's last message
    auto received = server.messages();
    for (const auto& m : sink.messages()) {
        received.push_back(m.content);
    }
    const auto audit = audit_delivery(f.db, received);
    INFO(audit.describe());
    CHECK(audit.rows == k_total);
    CHECK(audit.drained());
    CHECK(audit.exactly_once());
    CHECK(audit.count("sent") + audit.count("held") == k_total);
    // Held exactly the rows that were in the window when their run was killed.
    CHECK(audit.count("held") == in_window);
    CHECK(f.count("SELECT count(*) FROM email_queue WHERE status = 'held' AND (send_started_at "
                  "IS NULL OR error_message NOT LIKE 'outcome unknown%')") == 0);
    figures.add("random_kills", kills);
    figures.add("rows", audit.rows);
    figures.add("duplicates_found", audit.duplicates + audit.duplicate_recipients + audit.stray);
    figures.add("rows_lost", k_total - audit.rows);
    figures.add("held_in_window", audit.count("held"));
    figures.write();
}

TEST_CASE("a kill during a paced company's gap leaves the delivered row sent", "[crash]") {
    SmtpSink sink;
    ProcessFixture f(sink);
    const auto company = f.company("sink");
    f.queue_run(company, 2);
    // One send a minute: the second waits a minute after the first.
    f.db.exec("INSERT INTO email_queue_schedules (company_id, min_gap_seconds) VALUES (" +
              id_literal(company) + ", 60)");
    f.set("processing", "run_length", "90s");
    TempDir logs;
    const auto p = f.start(logs.file("run.log"));
    sink.wait_for_messages(1);
    // Well inside the gap, after the first message was accepted.
    std::this_thread::sleep_for(milliseconds(1500));
    REQUIRE(p->running());
    p->kill(SIGKILL);
    p->wait();
    CHECK(f.rows_with_status("sent") == 1);
    CHECK(f.count("SELECT count(*) FROM email_queue WHERE status = 'processing' AND "
                  "send_started_at IS NOT NULL") == 0);
    Figures figures("crash");
    figures.add("kills_in_pacing_gap");
    figures.add("delivered_held_after_pacing_kill",
                f.count("SELECT count(*) FROM email_queue WHERE send_started_at IS NOT NULL AND "
                        "status <> 'sent'"));
    figures.add("rows", 2);
    figures.write();
}

TEST_CASE("a kill just before a run's completion leaves neither the completion nor its "
          "schedule, and just after leaves both",
          "[crash]") {
    SmtpSink sink;
    ProcessFixture f{ProcessFixture::Base::web_application};
    f.add_provider("sink", sink.port());
    f.set_lease(k_lease);
    const auto schedule_rows = [&f](const Uuid& run) {
        return f.count("SELECT count(*) FROM campaign_message_schedule WHERE campaign_run_id = " +
                       id_literal(run));
    };
    const auto status = [&f](const Uuid& run) {
        return f.db.scalar("SELECT status FROM campaign_runs WHERE id = " + id_literal(run));
    };
    const auto before = f.company("sink", "Before Ltd", "sender@before.example");
    const auto before_run = f.queue_run(before, 1, "before.example");
    auto r = f.process_with("queue-process-faulty", {"--company", before.str()},
                            {{"EMAILQUEUE_TEST_FAULT", "finishing:1"}});
    INFO(r.err);
    REQUIRE(r.exit_code == 128 + SIGKILL);
    CHECK(status(before_run) == "running");
    CHECK(schedule_rows(before_run) == 0);

    const auto after = f.company("sink", "After Ltd", "sender@after.example");
    const auto after_run = f.queue_run(after, 1, "after.example");
    // This invocation first completes the run the last one was killed before
    // completing, then sends the new one's row and is killed right after its completion.
    r = f.process_with("queue-process-faulty", {"--company", after.str()},
                       {{"EMAILQUEUE_TEST_FAULT", "completed:1"}});
    INFO(r.err);
    REQUIRE(r.exit_code == 128 + SIGKILL);
    CHECK(status(after_run) == "completed");
    CHECK(schedule_rows(after_run) == 2);
    CHECK(status(before_run) == "completed");
    CHECK(schedule_rows(before_run) == 2);
}

TEST_CASE("a run stopped past its lease never sends a row another run recovered meanwhile",
          "[crash][lease]") {
    // The run stops (SIGSTOP) right after the server answered its second message. To a
    // server that answers at once, the third row's send-started mark went out before that
    // message's dialogue: it is marked, not sent. Stopped for longer than the lease,
    // while another run recovers the rows it holds, with processing.resend_unknown on: the
    // marked row goes back to pending, and the other run sends it. Continued, the stopped
    // run renews its leases before its next send, finds that row no longer its own, and
    // does not send it. (The second message's own row was delivered and is sent again
    // by the other run: resend_unknown accepts that for a row whose answer was never
    // recorded.)
    SmtpSink sink;
    ProcessFixture f(sink);
    f.set_lease(k_lease);
    f.set("processing", "resend_unknown", "true");
    f.queue_run(f.company("sink"), 4);
    TempDir logs;
    auto env = f.db.env();
    for (const auto& [k, v] : f.env()) {
        env[k] = v;
    }
    env["EMAILQUEUE_TEST_FAULT"] = "answered:2";
    env["EMAILQUEUE_TEST_FAULT_SIGNAL"] = "STOP";
    BackgroundProcess run({program_path("queue-process-faulty"), "--config", f.config_path()},
                          logs.file("run.log"), env);
    REQUIRE(wait_until_stopped(run.pid()));
    std::this_thread::sleep_for(k_lease + milliseconds(300));
    const auto other = f.process();
    INFO(other.err);
    REQUIRE(other.exit_code == 0);
    run.kill(SIGCONT);
    CHECK(run.wait() == 0);
    INFO(read_file(logs.file("run.log")));
    drain(f);
    CHECK(f.rows_with_status("sent") == 4);
    std::map<std::string, int> delivered;
    for (const auto& m : sink.wait_for_messages(4)) {
        for (const auto& to : m.rcpt_to) {
            ++delivered[to];
        }
    }
    CHECK(delivered["<lead0@x.example>"] == 1);
    CHECK(delivered["<lead1@x.example>"] == 2); // answered, never recorded: resent
    CHECK(delivered["<lead2@x.example>"] == 1); // recovered while marked: sent once
    CHECK(delivered["<lead3@x.example>"] == 1);
    Figures figures("crash");
    figures.add("runs_stopped_past_lease");
    figures.add("sent_after_recovery", delivered["<lead2@x.example>"] - 1);
    figures.add("rows", 4);
    figures.write();
}
