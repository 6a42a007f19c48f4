#include <catch2/catch.hpp>

#include <set>
#include <thread>

#include "campaign/completion.hpp"
#include "queue/lease.hpp"
#include "queue/outcome.hpp"
#include "queue/queue_repository.hpp"
#include "support/run_fixture.hpp"
#include "throttle/company_state.hpp"

using namespace eq;
using namespace eq::test;
using namespace std::chrono;

namespace {

struct Fixture : RunFixture {
    std::vector<Uuid> claim(std::int64_t limit, const std::string& worker = "w1") {
        db::Transaction tx(conn);
        queue::lock_company(conn, company);
        auto ids = queue::claim_rows(conn, company, limit, worker, minutes(10));
        tx.commit();
        return ids;
    }
    std::string status(const Uuid& id) {
        return db.scalar("SELECT status FROM email_queue WHERE id = " + id_literal(id));
    }
};

} // namespace

TEST_CASE("claim takes due pending rows in send order", "[lease]") {
    Fixture f;
    const auto a = f.queue("a@x.example");
    const auto b = f.queue("b@x.example", 5);
    const auto c = f.queue("c@x.example");
    f.db.exec("UPDATE email_queue SET scheduled_for = now() + interval '1 hour' WHERE id = '" +
              c.str() + "'");
    const auto ids = f.claim(10);
    REQUIRE(ids.size() == 2);
    CHECK(ids[0] == b);
    CHECK(ids[1] == a);
    CHECK(f.status(a) == "processing");
    CHECK(f.status(c) == "pending");
    CHECK(f.db.count("SELECT count(*) FROM email_queue WHERE status = 'processing' AND "
                     "claimed_by = 'w1' AND lease_until > now()") == 2);
    // No email log is made for a claimed row: only when its send starts.
    CHECK(f.db.count("SELECT count(*) FROM email_logs") == 0);
    CHECK(f.claim(10).empty());
}

TEST_CASE("rows of paused or cancelled runs are not claimed", "[lease]") {
    Fixture f;
    f.queue("a@x.example");
    f.db.exec("INSERT INTO email_queue_runs (campaign_run_id, control) VALUES ('" + f.run.str() +
              "', 'paused')");
    CHECK(f.claim(10).empty());
    f.db.exec("UPDATE email_queue_runs SET control = 'active'");
    CHECK(f.claim(10).size() == 1);
}

TEST_CASE("concurrent claims never take the same row", "[lease]") {
    Fixture f;
    for (int i = 0; i < 60; ++i) {
        f.queue("l" + std::to_string(i) + "@x.example");
    }
    std::vector<std::vector<Uuid>> got(6);
    std::vector<std::thread> threads;
    for (int t = 0; t < 6; ++t) {
        threads.emplace_back([&, t] {
            auto conn = f.db.connect();
            while (true) {
                db::Transaction tx(conn);
                queue::lock_company(conn, f.company);
                auto ids =
                    queue::claim_rows(conn, f.company, 4, "w" + std::to_string(t), minutes(10));
                tx.commit();
                if (ids.empty()) {
                    break;
                }
                got[static_cast<std::size_t>(t)].insert(got[static_cast<std::size_t>(t)].end(),
                                                        ids.begin(), ids.end());
            }
        });
    }
    for (auto& th : threads) {
        th.join();
    }
    std::set<Uuid> all;
    std::size_t total = 0;
    for (const auto& g : got) {
        total += g.size();
        all.insert(g.begin(), g.end());
    }
    CHECK(total == 60);
    CHECK(all.size() == 60);
}

TEST_CASE("start_send stores the Message-ID once and refuses a row that is not ours", "[lease]") {
    Fixture f;
    const auto a = f.queue("a@x.example");
    f.claim(1);
    CHECK(queue::start_send(f.conn, a, "other", "<x@acme.example>", "lead@x.example",
                            minutes(10)) == std::nullopt);
    CHECK(queue::start_send(f.conn, a, "w1", "<first@acme.example>", "lead@x.example",
                            minutes(10)) == "<first@acme.example>");
    // A retry keeps the Message-ID stored the first time.
    CHECK(queue::start_send(f.conn, a, "w1", "<second@acme.example>", "lead@x.example",
                            minutes(10)) == "<first@acme.example>");
    CHECK(f.db.scalar("SELECT send_started_at IS NOT NULL FROM email_queue") == "t");
}

TEST_CASE("start_send refuses an address on the do-not-email list at the moment of the send",
          "[lease][suppression]") {
    Fixture f;
    const auto a = f.queue("a@x.example");
    f.claim(1);
    const auto company = f.company.str();
    // Another company's entry does not count; the company's own and a global one do,
    // whatever the case of the address.
    const auto other = insert_company(f.conn).str();
    f.db.exec("INSERT INTO do_not_email (email, reason, company_id) VALUES ('a@x.example', "
              "'unsubscribed', '" +
              other + "')");
    CHECK(queue::start_send(f.conn, a, "w1", "<a@acme.example>", "a@x.example", minutes(10)));
    f.db.exec("UPDATE email_queue SET send_started_at = NULL");
    f.db.exec("INSERT INTO do_not_email (email, reason, company_id) VALUES ('A@X.example', "
              "'unsubscribed', '" +
              company + "')");
    CHECK(queue::start_send(f.conn, a, "w1", "<a@acme.example>", "a@x.example", minutes(10)) ==
          std::nullopt);
    CHECK(f.db.scalar("SELECT send_started_at IS NULL FROM email_queue") == "t");
    f.db.exec("UPDATE do_not_email SET company_id = NULL WHERE email = 'A@X.example'");
    CHECK_FALSE(queue::start_send(f.conn, a, "w1", "<a@acme.example>", "a@X.EXAMPLE", minutes(10)));
}

TEST_CASE("start_send makes a first email's log before the send, once, and uses a follow-up's "
          "thread",
          "[lease]") {
    Fixture f;
    const auto a = f.queue("a@x.example");
    f.claim(1);
    const auto log = Uuid::random();
    REQUIRE(
        queue::start_send(f.conn, a, "w1", "<a@acme.example>", "lead@x.example", minutes(10), log));
    CHECK(f.db.scalar("SELECT sent_email_log_id || ' ' || (email_log_id IS NULL) FROM "
                      "email_queue") == log.str() + " true");
    CHECK(f.db.scalar("SELECT id || ' ' || campaign_run_id FROM email_logs") ==
          log.str() + " " + f.run.str());
    // A second attempt keeps its log: none is added.
    const auto call = queue::start_send_call(a, "w1", "<a@acme.example>", "lead@x.example",
                                             minutes(10), Uuid::random());
    CHECK(queue::started_log(f.conn.exec(*call.statement, call.params, call.shape)) == log);
    CHECK(f.db.count("SELECT count(*) FROM email_logs") == 1);

    // A follow-up is sent under its thread's log, which it does not recreate.
    f.db.exec("UPDATE email_queue SET status = 'sent'");
    const auto b = f.queue("b@x.example");
    f.db.exec("UPDATE email_queue SET email_log_id = " + id_literal(log) +
              " WHERE id = " + id_literal(b));
    f.claim(1);
    REQUIRE(queue::start_send(f.conn, b, "w1", "<b@acme.example>", "lead@x.example", minutes(10),
                              Uuid::random()));
    CHECK(f.db.scalar("SELECT sent_email_log_id FROM email_queue WHERE id = " + id_literal(b)) ==
          log.str());
    CHECK(f.db.count("SELECT count(*) FROM email_logs") == 1);
    // The foreign key to the log holds: a row cannot name a log that does not exist.
    CHECK_THROWS(f.db.exec("UPDATE email_queue SET email_log_id = gen_random_uuid()"));
}

TEST_CASE("start_send keeps a long lease as it is and renews a short one", "[lease]") {
    Fixture f;
    const auto a = f.queue("a@x.example");
    const auto b = f.queue("b@x.example");
    f.claim(2);
    const auto lease_of = [&](const Uuid& id) {
        return f.db.scalar("SELECT lease_until FROM email_queue WHERE id = " + id_literal(id));
    };
    // More than half of the lease left: the lease is kept, and the mark, which then
    // changes no indexed column, is a heap-only update (the session's counts, not yet
    // reported, do not move within a transaction but for its own updates).
    const auto before = lease_of(a);
    {
        static constexpr db::Statement k_updates{
            "test_updates", "SELECT n_tup_upd AS n, n_tup_hot_upd AS hot"
                            " FROM pg_stat_xact_user_tables WHERE relname = 'email_queue'"};
        db::Transaction tx(f.conn);
        const auto counts_before = f.conn.one(k_updates);
        REQUIRE(
            queue::start_send(f.conn, a, "w1", "<a@acme.example>", "lead@x.example", minutes(10)));
        const auto counts_after = f.conn.one(k_updates);
        CHECK(counts_after.only().integer("n") - counts_before.only().integer("n") == 1);
        CHECK(counts_after.only().integer("hot") - counts_before.only().integer("hot") == 1);
        tx.commit();
    }
    CHECK(lease_of(a) == before);
    // Less than half left: the mark renews the whole lease.
    f.db.exec("UPDATE email_queue SET lease_until = now() + interval '4 minutes' WHERE id = " +
              id_literal(b));
    REQUIRE(queue::start_send(f.conn, b, "w1", "<b@acme.example>", "lead@x.example", minutes(10)));
    CHECK(f.db.scalar("SELECT lease_until > now() + interval '9 minutes' FROM email_queue"
                      " WHERE id = " +
                      id_literal(b)) == "t");
}

TEST_CASE("recovery returns unstarted rows to pending and holds started ones", "[lease]") {
    Fixture f;
    const auto unstarted = f.queue("a@x.example");
    const auto started = f.queue("b@x.example");
    const auto live = f.queue("c@x.example");
    f.claim(3);
    queue::start_send(f.conn, started, "w1", "<b@acme.example>", "lead@x.example", minutes(10));
    // The run died: its leases pass, except for the live row's.
    f.db.exec("UPDATE email_queue SET lease_until = now() - interval '1 second' WHERE id <> '" +
              live.str() + "'");
    const auto r = queue::recover_expired(f.conn, false);
    CHECK(r.to_pending == 1);
    CHECK(r.to_held == 1);
    CHECK(r.resent == 0);
    CHECK(f.status(unstarted) == "pending");
    CHECK(f.status(started) == "held");
    CHECK(f.status(live) == "processing");
    CHECK(f.db.scalar("SELECT error_message FROM email_queue WHERE id = '" + started.str() + "'")
              .find("outcome unknown: the run sending it (w1) stopped after the message was "
                    "handed to the SMTP server") == 0);
    // A held row counts in the sending windows from when its send started.
    CHECK(f.db.scalar("SELECT processed_at = send_started_at FROM email_queue WHERE id = '" +
                      started.str() + "'") == "t");
    // Nothing more to recover.
    CHECK(queue::recover_expired(f.conn, false).to_pending == 0);
}

TEST_CASE("with resend_unknown, started rows go back to pending", "[lease]") {
    Fixture f;
    const auto started = f.queue("b@x.example");
    f.claim(1);
    queue::start_send(f.conn, started, "w1", "<b@acme.example>", "lead@x.example", minutes(10));
    f.db.exec("UPDATE email_queue SET lease_until = now() - interval '1 second'");
    const auto r = queue::recover_expired(f.conn, true);
    CHECK(r.resent == 1);
    CHECK(r.to_held == 0);
    CHECK(f.status(started) == "pending");
}

TEST_CASE("recovery never overwrites a row its run finished meanwhile", "[lease]") {
    Fixture f;
    const auto a = f.queue("a@x.example");
    f.claim(1);
    queue::start_send(f.conn, a, "w1", "<a@acme.example>", "lead@x.example", minutes(10));
    f.db.exec("UPDATE email_queue SET lease_until = now() - interval '1 second'");
    // The slow run records its outcome while the recovering run waits for the row lock;
    // the recovery re-checks the row when it gets the lock and leaves it alone.
    auto slow = f.db.connect();
    slow.run("BEGIN", "begin");
    REQUIRE(queue::record_sent(slow, {.row_id = a,
                                      .worker = "w1",
                                      .subject = "S",
                                      .body = "<p>B</p>",
                                      .from_name = "Jack Doe",
                                      .from_email = "jack.doe@acme.example",
                                      .to_email = "a@x.example"}));
    queue::Recovered r;
    std::thread recover([&] {
        auto conn = f.db.connect();
        r = queue::recover_expired(conn, false);
    });
    std::this_thread::sleep_for(milliseconds(300));
    slow.run("COMMIT", "commit");
    recover.join();
    CHECK(r.to_held == 0);
    CHECK(r.to_pending == 0);
    CHECK(f.status(a) == "sent");
}

TEST_CASE("record_sent writes the row, the email log, its details and the run's progress",
          "[lease]") {
    Fixture f;
    const auto a = f.queue("a@x.example");
    f.claim(1);
    queue::start_send(f.conn, a, "w1", "<m1@acme.example>", "lead@x.example", minutes(10));
    CHECK_FALSE(queue::record_sent(f.conn, {.row_id = a, .worker = "intruder"}));
    REQUIRE(queue::record_sent(f.conn, {.row_id = a,
                                        .worker = "w1",
                                        .subject = "Hello",
                                        .body = "<p>Hi</p>",
                                        .from_name = "Jack Doe",
                                        .from_email = "jack.doe@acme.example",
                                        .to_email = "a@x.example"}));
    CHECK(f.status(a) == "sent");
    CHECK(f.db.scalar(
              "SELECT l.id = q.sent_email_log_id AND l.campaign_run_id = "
              "q.campaign_run_id AND q.email_log_id IS NULL FROM email_logs l, email_queue q") ==
          "t");
    CHECK(f.db.scalar("SELECT message_id || '|' || email_subject || '|' || email_body || '|' || "
                      "sender_type || '|' || from_name || '|' || to_email FROM "
                      "email_log_details") ==
          "<m1@acme.example>|Hello|<p>Hi</p>|assistant|Jack Doe|a@x.example");
    CHECK(f.db.scalar("SELECT leads_processed FROM campaign_runs") == "1");
    CHECK(f.db.scalar("SELECT last_sent_at IS NOT NULL FROM email_queue_companies") == "t");
    // Recording twice changes nothing.
    CHECK_FALSE(queue::record_sent(f.conn, {.row_id = a, .worker = "w1"}));
    CHECK(f.db.scalar("SELECT leads_processed FROM campaign_runs") == "1");
}

TEST_CASE("sent_with_mark records one row and marks another in one statement", "[lease]") {
    Fixture f;
    const auto a = f.queue("a@x.example");
    const auto b = f.queue("b@x.example");
    const auto c = f.queue("c@x.example");
    f.claim(3);
    queue::start_send(f.conn, a, "w1", "<a@acme.example>", "lead@x.example", minutes(10));
    const auto sent = [](const Uuid& row) {
        return queue::sent_call({.row_id = row,
                                 .worker = "w1",
                                 .subject = "Hello",
                                 .body = "<p>Hi</p>",
                                 .from_name = "Jack Doe",
                                 .from_email = "jack.doe@acme.example",
                                 .to_email = "x@x.example"});
    };
    const auto run = [&](const db::Call& call) {
        return f.conn.exec(*call.statement, call.params, call.shape);
    };
    const auto both =
        queue::sent_with_mark(sent(a), queue::start_send_call(b, "w1", "<b@acme.example>",
                                                              "lead@x.example", minutes(10)));
    REQUIRE(both);
    const auto result = run(*both);
    CHECK(queue::applied(result));
    CHECK(queue::started(result) == "<b@acme.example>");
    CHECK(f.status(a) == "sent");
    CHECK(f.db.count(
              "SELECT count(*) FROM email_log_details WHERE message_id = '<a@acme.example>'") == 1);
    CHECK(f.db.scalar("SELECT send_started_at IS NOT NULL FROM email_queue WHERE id = " +
                      id_literal(b)) == "t");
    CHECK(f.db.scalar("SELECT leads_processed FROM campaign_runs") == "1");
    // Each half answers for itself: b is recorded, a (no longer processing) is not marked.
    const auto again =
        run(*queue::sent_with_mark(sent(b), queue::start_send_call(a, "w1", "<a2@acme.example>",
                                                                   "lead@x.example", minutes(10))));
    CHECK(queue::applied(again));
    CHECK(queue::started(again) == std::nullopt);
    CHECK(f.status(b) == "sent");
    CHECK(f.db.scalar("SELECT sent_message_id FROM email_queue WHERE id = " + id_literal(a)) ==
          "<a@acme.example>");
    // The row c stays as it was; other outcomes are not combined.
    CHECK(f.status(c) == "processing");
    CHECK_FALSE(queue::sent_with_mark(
        queue::final_call(c, "w1", queue::QueueStatus::failed, "x"),
        queue::start_send_call(c, "w1", "<c@acme.example>", "lead@x.example", minutes(10))));
}

TEST_CASE("record_retry backs off, then fails when retries are spent", "[lease]") {
    Fixture f;
    const auto a = f.queue("a@x.example");
    f.claim(1);
    REQUIRE(queue::record_retry(f.conn, a, "w1", 1, false, minutes(2), "451 4.3.0 try later"));
    CHECK(f.status(a) == "pending");
    CHECK(f.db.scalar("SELECT retry_count || ' ' || (scheduled_for > now() + interval '100 "
                      "seconds') || ' ' || error_message FROM email_queue") ==
          "1 true 451 4.3.0 try later");
    f.db.exec("UPDATE email_queue SET scheduled_for = now()");
    f.claim(1);
    REQUIRE(queue::record_retry(f.conn, a, "w1", 3, true, minutes(8), "451 again"));
    CHECK(f.status(a) == "failed");
    CHECK(f.db.scalar("SELECT processed_at IS NOT NULL FROM email_queue") == "t");
}

TEST_CASE("record_final and release only touch this worker's rows", "[lease]") {
    Fixture f;
    const auto a = f.queue("a@x.example");
    const auto b = f.queue("b@x.example");
    const auto c = f.queue("c@x.example");
    f.claim(3);
    CHECK(queue::record_final(f.conn, a, "w1", queue::QueueStatus::skipped, "suppressed"));
    CHECK(queue::record_final(f.conn, b, "w1", queue::QueueStatus::failed, "550 5.1.1"));
    CHECK_FALSE(queue::record_final(f.conn, c, "w2", queue::QueueStatus::failed, "x"));
    CHECK_THROWS(queue::record_final(f.conn, c, "w1", queue::QueueStatus::sent, "x"));
    CHECK(queue::release_rows(f.conn, {a, b, c}, "w1", std::string("company held")) == 1);
    CHECK(f.status(a) == "skipped");
    CHECK(f.status(b) == "failed");
    CHECK(f.status(c) == "pending");
    CHECK(f.db.scalar("SELECT retry_count || ' ' || error_message FROM email_queue WHERE id = '" +
                      c.str() + "'") == "0 company held");
}

TEST_CASE("a held company counts its holds and is released by a send", "[lease]") {
    Fixture f;
    CHECK_FALSE(throttle::get_company_state(f.conn, f.company).held_until.has_value());
    const auto until =
        throttle::hold_company(f.conn, f.company, "535 5.7.8 bad credentials", minutes(5));
    auto state = throttle::get_company_state(f.conn, f.company);
    CHECK(state.held_until == until);
    CHECK(state.consecutive_holds == 1);
    CHECK(state.hold_reason == "535 5.7.8 bad credentials");
    const auto since = state.held_since;
    throttle::hold_company(f.conn, f.company, "again", minutes(10));
    state = throttle::get_company_state(f.conn, f.company);
    CHECK(state.consecutive_holds == 2);
    CHECK(state.held_since == since);
    const auto a = f.queue("a@x.example");
    const auto b = f.queue("b@x.example");
    f.db.exec("UPDATE email_queue_companies SET held_until = now() - interval '1 second'");
    f.claim(2);
    // A send recorded without touching the company (a batch's later messages) leaves its
    // row alone; one that touches it lifts the hold.
    queue::start_send(f.conn, b, "w1", "<b@acme.example>", "lead@x.example", minutes(10));
    REQUIRE(queue::record_sent(f.conn, {.row_id = b, .worker = "w1", .touch_company = false}));
    state = throttle::get_company_state(f.conn, f.company);
    CHECK(state.consecutive_holds == 2);
    CHECK_FALSE(state.last_sent_at.has_value());
    queue::start_send(f.conn, a, "w1", "<m@acme.example>", "lead@x.example", minutes(10));
    queue::record_sent(f.conn, {.row_id = a, .worker = "w1"});
    state = throttle::get_company_state(f.conn, f.company);
    CHECK(state.last_sent_at.has_value());
    CHECK_FALSE(state.held_until.has_value());
    CHECK(state.consecutive_holds == 0);
}

TEST_CASE("a run completes when nothing of it is pending, processing or held", "[lease]") {
    Fixture f;
    const auto a = f.queue("a@x.example");
    const auto b = f.queue("b@x.example");
    f.claim(2);
    queue::record_final(f.conn, a, "w1", queue::QueueStatus::failed, "bad");
    CHECK(campaign::complete_finished_runs(f.conn, {f.run}).empty());
    queue::record_final(f.conn, b, "w1", queue::QueueStatus::held, "unknown");
    // A held row's outcome is for an operator to decide first.
    CHECK(campaign::complete_finished_runs(f.conn, {f.run}).empty());
    f.db.exec("UPDATE email_queue SET status = 'sent' WHERE id = " + id_literal(b));
    const auto done = campaign::complete_finished_runs(f.conn, {f.run});
    REQUIRE(done.size() == 1);
    CHECK(done[0] == f.run);
    CHECK(f.db.scalar("SELECT status FROM campaign_runs") == "completed");
    CHECK(f.db.scalar("SELECT completed_at IS NOT NULL FROM email_queue_runs") == "t");
    CHECK(campaign::complete_finished_runs(f.conn, {f.run}).empty());
}

TEST_CASE("a row of a cancelled run is cancelled instead of going back to pending", "[lease]") {
    Fixture f;
    const auto retried = f.queue("a@x.example");
    const auto released = f.queue("b@x.example");
    const auto recovered = f.queue("c@x.example");
    f.claim(3);
    f.db.exec("INSERT INTO email_queue_runs (campaign_run_id, control) VALUES ('" + f.run.str() +
              "', 'cancelled')");
    REQUIRE(queue::record_retry(f.conn, retried, "w1", 1, false, minutes(2), "451 later"));
    CHECK(queue::release_rows(f.conn, {released}, "w1") == 1);
    f.db.exec("UPDATE email_queue SET lease_until = now() - interval '1 second' WHERE id = '" +
              recovered.str() + "'");
    queue::recover_expired(f.conn, false);
    CHECK(f.status(retried) == "cancelled");
    CHECK(f.status(released) == "cancelled");
    CHECK(f.status(recovered) == "cancelled");
}
