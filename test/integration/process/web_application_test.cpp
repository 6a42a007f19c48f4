// queue-process on the web application's own database (its tables as it declares them:
// test/integration/fixtures/reachgenie_schema.sql), beside its other writers of the
// queue: first emails, its reminders and AI replies, rows its old processor left behind,
// soft-deleted companies, its throttle settings page and bounces.

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <thread>

#include "db/connection.hpp"
#include "support/process_fixture.hpp"
#include "support/smtp_sink.hpp"
#include "suppression/suppression_repository.hpp"
#include "util/json.hpp"

using namespace eq;
using namespace eq::test;
using namespace std::chrono;

namespace {

// A header's value with its folded continuation lines joined by one space.
std::string folded_header(const std::string& content, const std::string& name) {
    auto value = header_of(content, name);
    const auto start = content.find("\n" + name + ": ");
    if (value.empty() || start == std::string::npos) {
        return value;
    }
    auto at = content.find('\n', start + 1);
    while (at != std::string::npos && at + 1 < content.size() &&
           (content[at + 1] == ' ' || content[at + 1] == '\t')) {
        const auto end = content.find('\n', at + 1);
        auto line = content.substr(at + 1, end - at - 1);
        line.erase(0, line.find_first_not_of(" \t"));
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) {
            line.pop_back();
        }
        value += " " + line;
        at = end;
    }
    return value;
}

// The message with quoted-printable soft line breaks undone (enough to find a URL).
std::string unfolded_qp(std::string content) {
    for (auto at = content.find("=\n"); at != std::string::npos; at = content.find("=\n", at)) {
        content.erase(at, 2);
    }
    for (auto at = content.find("=3D"); at != std::string::npos; at = content.find("=3D", at)) {
        content.replace(at, 3, "=");
    }
    return content;
}

// One company sending through smtp-sink, one campaign, one running run, on the web
// application's schema.
struct WebApp {
    SmtpSink sink;
    ProcessFixture f{ProcessFixture::Base::web_application};
    Uuid company, campaign, run;

    explicit WebApp(std::vector<std::string> sink_flags = {}) : sink(std::move(sink_flags)) {
        f.add_provider("sink", sink.port());
        f.set("tracking", "base_url", "https://app.example");
        company = f.company("sink");
        campaign = insert_campaign(f.conn, company, "{email_body}");
        run = insert_run(f.conn, campaign, "running");
    }

    Uuid lead(const std::string& email) { return insert_lead(f.conn, company, email, "Ann Lee"); }

    // database.add_email_to_queue as the web application runs it (src/database.py):
    // every column it sets, nothing else.
    Uuid queue(const Uuid& lead, const std::string& subject, const std::string& body,
               const std::string& email_log_id = "NULL", const std::string& message_id = "NULL",
               const std::string& reference_ids = "NULL") {
        return Uuid::parse(
                   f.db.scalar(fmt::format(
                       "INSERT INTO email_queue (company_id, campaign_id, campaign_run_id,"
                       " lead_id, status, priority, scheduled_for, retry_count,"
                       " max_retries, subject, email_body, email_log_id, message_id,"
                       " reference_ids) VALUES ({}, {}, {}, {}, 'pending', 1, now(), 0,"
                       " 3, {}, {}, {}, {}, {}) RETURNING id",
                       id_literal(company), id_literal(campaign), id_literal(run), id_literal(lead),
                       quoted(subject), quoted(body), email_log_id, message_id, reference_ids)))
            .value();
    }

    static std::string quoted(const std::string& s) { return "'" + s + "'"; }

    std::string row(const Uuid& id, const std::string& columns) const {
        return f.db.scalar("SELECT " + columns + " FROM email_queue WHERE id = " + id_literal(id));
    }

    const SmtpSink::Message& sent_to_subject(const std::vector<SmtpSink::Message>& all,
                                             const std::string& subject) const {
        for (const auto& m : all) {
            if (header_of(m.content, "Subject") == subject) {
                return m;
            }
        }
        FAIL("no message with subject " << subject);
        return all.front();
    }
};

} // namespace

TEST_CASE("on the web application's schema a first email makes its email log before it is sent",
          "[web-application]") {
    WebApp w;
    const auto first = w.queue(w.lead("ann@x.example"), "Hello Ann", "<p>Hi</p>");

    const auto r = w.f.process();
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto messages = w.sink.wait_for_messages(1);
    const auto& m = messages.front();
    // The application's columns are left as it wrote them; emailqueue's own say what
    // was sent.
    CHECK(w.row(first, "status || ' ' || (email_log_id IS NULL) || ' ' || (message_id IS NULL)") ==
          "sent true true");
    const auto log = w.row(first, "sent_email_log_id");
    const auto message_id = w.row(first, "sent_message_id");
    CHECK(header_of(m.content, "Message-ID") == message_id);
    CHECK(header_of(m.content, "Reply-To") == "<jack.doe+" + log + "@acme.example>");
    CHECK(unfolded_qp(m.content).find("https://app.example/api/track-email/" + log) !=
          std::string::npos);
    // The log exists (the foreign key holds) and its detail has the Message-ID sent.
    CHECK(w.f.db.scalar("SELECT campaign_run_id || ' ' || (sent_at IS NOT NULL) FROM email_logs "
                        "WHERE id = '" +
                        log + "'") == w.run.str() + " true");
    CHECK(w.f.db.scalar("SELECT email_logs_id || ' ' || sender_type FROM email_log_details "
                        "WHERE message_id = '" +
                        message_id + "'") == log + " assistant");
    CHECK(w.f.db.scalar("SELECT leads_processed FROM campaign_runs") == "1");
}

TEST_CASE("reminders and AI replies on the same run and lead are queued, threaded and logged "
          "under their thread",
          "[web-application]") {
    WebApp w;
    const auto ann = w.lead("ann@x.example");
    const auto first = w.queue(ann, "Hello Ann", "<p>Hi</p>");
    REQUIRE(w.f.process().exit_code == 0);
    REQUIRE(w.row(first, "status") == "sent");
    const auto log = w.row(first, "sent_email_log_id");
    const auto first_id = w.row(first, "sent_message_id");

    // send_reminders.py: the thread's log, no threading columns. A reminder answering
    // the first message. process_emails.py: an AI reply to the lead's reply, with the
    // Message-ID answered and the References it carried. None is a duplicate of the
    // first email, and none fails the application's inserts.
    const auto plain = w.queue(ann, "Re: Hello Ann", "<p>Just checking</p>", "'" + log + "'");
    const auto reminder =
        w.queue(ann, "Re: Hello Ann (2)", "<p>Again</p>", "'" + log + "'", "'" + first_id + "'");
    const std::string lead_reply = "<CAF+reply.1@mail.x.example>";
    const auto reply = w.queue(ann, "Re: Hello Ann (3)", "<p>Thanks!</p>", "'" + log + "'",
                               "'" + lead_reply + "'", "'" + first_id + "'");
    // The first email itself cannot be queued twice.
    CHECK_THROWS(w.queue(ann, "Hello again", "<p>Hi</p>"));

    const auto r = w.f.process();
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto messages = w.sink.wait_for_messages(4);
    for (const auto& id : {plain, reminder, reply}) {
        CHECK(w.row(id, "status || ' ' || email_log_id || ' ' || sent_email_log_id") ==
              "sent " + log + " " + log);
    }
    const auto& p = w.sent_to_subject(messages, "Re: Hello Ann");
    CHECK(header_of(p.content, "In-Reply-To").empty());
    CHECK(header_of(p.content, "References").empty());
    const auto& rem = w.sent_to_subject(messages, "Re: Hello Ann (2)");
    CHECK(header_of(rem.content, "In-Reply-To") == first_id);
    CHECK(folded_header(rem.content, "References") == first_id);
    const auto& rep = w.sent_to_subject(messages, "Re: Hello Ann (3)");
    CHECK(header_of(rep.content, "In-Reply-To") == lead_reply);
    CHECK(folded_header(rep.content, "References") == first_id + " " + lead_reply);
    CHECK(header_of(rep.content, "Reply-To") == "<jack.doe+" + log + "@acme.example>");
    // The application's message_id stays the one answered; each message has its own.
    CHECK(w.row(reply, "message_id") == lead_reply);
    CHECK(header_of(rep.content, "Message-ID") == w.row(reply, "sent_message_id"));
    // No new email log: four details under the one thread.
    CHECK(w.f.count("SELECT count(*) FROM email_logs") == 1);
    CHECK(w.f.count("SELECT count(*) FROM email_log_details WHERE email_logs_id = '" + log + "'") ==
          4);
    // Follow-ups are not new leads of the run.
    CHECK(w.f.db.scalar("SELECT leads_processed FROM campaign_runs") == "1");
}

TEST_CASE("a row the old processor left in processing is held for an operator and stops "
          "counting against today's limits",
          "[web-application]") {
    WebApp w;
    w.f.set_limits(w.company, 10, 1);
    const auto stale = w.queue(w.lead("old@x.example"), "Old", "<p>o</p>");
    // The old processor's claim: status only, no lease, no owner; queued three days ago.
    w.f.db.exec("UPDATE email_queue SET status = 'processing', created_at = now() - interval "
                "'3 days', scheduled_for = now() - interval '3 days' WHERE id = " +
                id_literal(stale));
    const auto fresh = w.queue(w.lead("new@x.example"), "New", "<p>n</p>");

    const auto r = w.f.process();
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(w.row(stale, "status") == "held");
    const auto reason = w.row(stale, "error_message");
    CHECK(reason.find("earlier queue processor") != std::string::npos);
    CHECK(reason.find("queue-admin retry") != std::string::npos);
    CHECK(reason.find("queue-admin mark-sent") != std::string::npos);
    // The daily limit of one is not spent by a row processed three days ago.
    CHECK(w.row(fresh, "status") == "sent");
    CHECK(w.sink.wait_for_messages(1).size() == 1);
}

TEST_CASE("a deleted company sends nothing: its rows are skipped and status says why",
          "[web-application]") {
    WebApp w;
    const auto row = w.queue(w.lead("ann@x.example"), "Hello", "<p>Hi</p>");
    w.f.db.exec("UPDATE companies SET deleted = true WHERE id = " + id_literal(w.company));

    const auto r = w.f.process({"--json"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(w.row(row, "status") == "skipped");
    CHECK(w.row(row, "error_message").find("company was deleted") != std::string::npos);
    CHECK(w.sink.messages().empty());
    CHECK(w.f.db.scalar("SELECT status FROM campaign_runs") == "completed");

    const auto status = run_program("queue-admin", {"status", "--json"}, w.f.db);
    INFO(status.err);
    REQUIRE(status.exit_code == 0);
    CHECK(status.out.find("\"kind\":\"company_deleted\"") != std::string::npos);
    const auto text = run_program("queue-admin", {"status"}, w.f.db);
    CHECK(text.out.find("deleted: the web application deleted this company") != std::string::npos);
}

TEST_CASE("the web application's throttle settings page saves a company twice",
          "[web-application]") {
    WebApp w;
    // update_email_throttle_settings (src/database.py): read the row; update it when it
    // has an id, insert one otherwise.
    const auto save = [&](int per_hour, int per_day) {
        const auto has_id = w.f.db.scalar("SELECT EXISTS (SELECT 1 FROM email_throttle_settings t "
                                          "WHERE to_jsonb(t) ? 'id' AND company_id = " +
                                          id_literal(w.company) + ")");
        if (has_id == "t") {
            w.f.db.exec(fmt::format("UPDATE email_throttle_settings SET max_emails_per_hour = {}, "
                                    "max_emails_per_day = {}, enabled = true, updated_at = now() "
                                    "WHERE company_id = {}",
                                    per_hour, per_day, id_literal(w.company)));
        } else {
            w.f.db.exec(fmt::format("INSERT INTO email_throttle_settings (company_id, "
                                    "max_emails_per_hour, max_emails_per_day, enabled, updated_at, "
                                    "created_at) VALUES ({}, {}, {}, true, now(), now())",
                                    id_literal(w.company), per_hour, per_day));
        }
    };
    CHECK_NOTHROW(save(20, 100));
    CHECK_NOTHROW(save(7, 70));
    CHECK(w.f.db.scalar("SELECT max_emails_per_hour || '/' || max_emails_per_day || ' ' || "
                        "(id IS NOT NULL) FROM email_throttle_settings") == "7/70 true");
    CHECK(w.f.count("SELECT count(*) FROM email_throttle_settings") == 1);
}

TEST_CASE("a company without throttle settings gets the configured defaults", "[web-application]") {
    WebApp w;
    for (int i = 0; i < 4; ++i) {
        w.queue(w.lead(fmt::format("l{}@x.example", i)), fmt::format("S{}", i), "<p>b</p>");
    }
    w.f.set("throttle", "default_per_hour", "3");
    w.f.set("throttle", "default_per_day", "300");
    REQUIRE(w.f.process().exit_code == 0);
    CHECK(w.f.rows_with_status("sent") == 3);
    const auto show = run_program(
        "queue-admin",
        {"throttle", "show", w.company.str(), "--json", "--config", w.f.config_path()}, w.f.db);
    INFO(show.err);
    CHECK(show.out.find("\"max_emails_per_hour\":3") != std::string::npos);
}

TEST_CASE("a row without content fails with a reason naming content.command, and is sent once "
          "a generator is configured",
          "[web-application]") {
    WebApp w;
    const auto row = w.queue(w.lead("ann@x.example"), "x", "x");
    w.f.db.exec("UPDATE email_queue SET subject = NULL, email_body = NULL WHERE id = " +
                id_literal(row));
    const auto second = w.queue(w.lead("bob@x.example"), "x", "x");
    w.f.db.exec("UPDATE email_queue SET subject = NULL, email_body = NULL WHERE id = " +
                id_literal(second));
    w.f.set("content", "generator", "template");
    REQUIRE(w.f.process().exit_code == 0);
    CHECK(w.row(row, "status") == "failed");
    CHECK(w.row(row, "error_message").find("content.generator: command") != std::string::npos);

    w.f.set("content", "generator", "command");
    w.f.set("content", "command",
            "'printf ''{\"subject\": \"Generated\", \"body\": \"<p>g</p>\"}'''");
    w.f.db.exec("UPDATE email_queue SET status = 'pending' WHERE id = " + id_literal(second));
    REQUIRE(w.f.process().exit_code == 0);
    CHECK(w.row(second, "status") == "sent");
    CHECK(header_of(w.sink.wait_for_messages(1).front().content, "Subject") == "Generated");
}

TEST_CASE("a bounce is listed once, lower-cased, even when two arrive at once",
          "[web-application]") {
    WebApp w({"-f", "RCPT", "-B", "550 5.1.1 No such user"});
    w.queue(w.lead("Ann.Lee@X.example"), "Hello", "<p>Hi</p>");
    REQUIRE(w.f.process().exit_code == 0);
    CHECK(w.f.db.scalar("SELECT email || ' ' || reason FROM do_not_email") ==
          "ann.lee@x.example bounce");

    // Two writers of the same bounce in overlapping transactions: the second waits for
    // the first on the application's unique index and then adds nothing, without error.
    auto a = w.f.db.connect();
    auto b = w.f.db.connect();
    const auto call = suppression::bounce_call(w.company, "Bob@X.example");
    db::Transaction ta(a);
    a.exec(*call.statement, call.params, call.shape);
    std::exception_ptr failure;
    std::thread second([&] {
        try {
            db::Transaction tb(b);
            b.exec(*call.statement, call.params, call.shape);
            tb.commit();
        } catch (...) {
            failure = std::current_exception();
        }
    });
    std::this_thread::sleep_for(milliseconds(300));
    ta.commit();
    second.join();
    CHECK_FALSE(failure);
    CHECK(w.f.count("SELECT count(*) FROM do_not_email WHERE email = 'bob@x.example'") == 1);
}

namespace {

// The end-of-run schedule rows of a run, oldest first: "scheduled_for data_fetch_date
// status" as UTC dates.
std::string schedule_of(const WebApp& w) {
    return w.f.db.scalar(
        "SELECT COALESCE(string_agg((scheduled_for AT TIME ZONE 'UTC')::date || ' ' ||"
        " (data_fetch_date AT TIME ZONE 'UTC')::date || ' ' || status, ', '"
        " ORDER BY scheduled_for), '') FROM campaign_message_schedule WHERE campaign_run_id = " +
        id_literal(w.run));
}

// Today's and tomorrow's rows as database.create_or_update_campaign_schedule writes them.
std::string expected_schedule(const WebApp& w) {
    return w.f.db.scalar(
        "SELECT d || ' ' || (d - 1) || ' pending, ' || (d + 1) || ' ' || d || ' pending'"
        " FROM (SELECT (now() AT TIME ZONE 'UTC')::date AS d) t");
}

} // namespace

TEST_CASE("a run whose leads are queued one at a time completes after its last lead, and "
          "completing it writes the end-of-run schedule once",
          "[web-application][completion]") {
    WebApp w;
    w.f.db.exec("UPDATE campaign_runs SET leads_total = 3");
    const std::vector<std::string> addresses{"ann@x.example", "bob@x.example", "cy@x.example"};
    for (std::size_t i = 0; i < addresses.size(); ++i) {
        const auto row = w.queue(w.lead(addresses[i]), "Hello " + std::to_string(i), "<p>Hi</p>");
        const auto r = w.f.process();
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        REQUIRE(w.row(row, "status") == "sent");
        if (i + 1 < addresses.size()) {
            CHECK(w.f.db.scalar("SELECT status FROM campaign_runs") == "running");
            CHECK(schedule_of(w).empty());
            const auto show = run_program("queue-admin", {"run", "show", w.run.str()}, w.f.db);
            CHECK(show.out.find(fmt::format("queue drained with {} of leads_total 3", i + 1)) !=
                  std::string::npos);
            const auto status = run_program("queue-admin", {"status"}, w.f.db);
            // (The note is wrapped to the terminal's width after the count.)
            CHECK(status.out.find(fmt::format("still running: queue drained with {}", i + 1)) !=
                  std::string::npos);
        }
    }
    CHECK(w.f.db.scalar("SELECT status FROM campaign_runs") == "completed");
    CHECK(schedule_of(w) == expected_schedule(w));

    // Completed again (the application sets a run back to running and a later invocation
    // completes it): the schedule keeps one row per day.
    w.f.db.exec("UPDATE campaign_runs SET status = 'running'");
    REQUIRE(w.f.process().exit_code == 0);
    CHECK(w.f.db.scalar("SELECT status FROM campaign_runs") == "completed");
    CHECK(schedule_of(w) == expected_schedule(w));
}

TEST_CASE("follow-ups do not push a run to completion, and a pending follow-up keeps it open",
          "[web-application][completion]") {
    WebApp w;
    w.f.db.exec("UPDATE campaign_runs SET leads_total = 2");
    const auto ann = w.lead("ann@x.example");
    const auto first = w.queue(ann, "Hello Ann", "<p>Hi</p>");
    REQUIRE(w.f.process().exit_code == 0);
    const auto log = w.row(first, "sent_email_log_id");
    w.queue(ann, "Re: Hello Ann", "<p>Again</p>", "'" + log + "'");
    REQUIRE(w.f.process().exit_code == 0);
    // Two rows of the run sent, one lead of two processed.
    CHECK(w.f.rows_with_status("sent") == 2);
    CHECK(w.f.db.scalar("SELECT status FROM campaign_runs") == "running");

    const auto bob = w.queue(w.lead("bob@x.example"), "Hello Bob", "<p>Hi</p>");
    w.f.db.exec("UPDATE email_queue SET scheduled_for = now() + interval '1 day' WHERE id = " +
                id_literal(w.queue(ann, "Re: Hello Ann (2)", "<p>More</p>", "'" + log + "'")));
    REQUIRE(w.f.process().exit_code == 0);
    REQUIRE(w.row(bob, "status") == "sent");
    CHECK(w.f.db.scalar("SELECT status FROM campaign_runs") == "running");
}

TEST_CASE("queue-admin run complete completes a run whose queue drained short of leads_total",
          "[web-application][completion]") {
    WebApp w;
    w.f.db.exec("UPDATE campaign_runs SET leads_total = 3");
    w.queue(w.lead("ann@x.example"), "Hello Ann", "<p>Hi</p>");
    REQUIRE(w.f.process().exit_code == 0);
    REQUIRE(w.f.db.scalar("SELECT status FROM campaign_runs") == "running");
    const auto json = run_program("queue-admin", {"run", "show", w.run.str(), "--json"}, w.f.db);
    CHECK(json.out.find("\"waiting_for\":\"queue drained with 1 of leads_total 3") !=
          std::string::npos);

    const auto dry =
        run_program("queue-admin", {"run", "complete", w.run.str(), "--dry-run"}, w.f.db);
    INFO(dry.err);
    CHECK(dry.exit_code == 0);
    CHECK(dry.out.find("would be completed with 1 of leads_total 3") != std::string::npos);
    CHECK(w.f.db.scalar("SELECT status FROM campaign_runs") == "running");
    CHECK(schedule_of(w).empty());

    const auto done = run_program("queue-admin", {"run", "complete", w.run.str()}, w.f.db);
    INFO(done.err);
    CHECK(done.exit_code == 0);
    CHECK(w.f.db.scalar("SELECT status FROM campaign_runs") == "completed");
    CHECK(schedule_of(w) == expected_schedule(w));
    // A completed run is not completed again.
    CHECK(run_program("queue-admin", {"run", "complete", w.run.str()}, w.f.db).exit_code == 67);

    // A run with a pending row is refused.
    const auto other = insert_run(w.f.conn, w.campaign, "running");
    w.f.db.exec("INSERT INTO email_queue (company_id, campaign_id, campaign_run_id, lead_id,"
                " status, scheduled_for) SELECT company_id, campaign_id, " +
                id_literal(other) + ", lead_id, 'pending', now() FROM email_queue LIMIT 1");
    const auto refused = run_program("queue-admin", {"run", "complete", other.str()}, w.f.db);
    CHECK(refused.exit_code == 67);
    CHECK(refused.err.find("1 queue row(s) pending") != std::string::npos);
}

TEST_CASE("an email_and_call campaign hands a lead to the call queue after its first email, "
          "never after a follow-up",
          "[web-application][call-handoff]") {
    WebApp w;
    w.f.db.exec("UPDATE campaigns SET type = 'email_and_call', trigger_call_on = "
                "'after_email_sent'");
    const auto ann = w.lead("ann@x.example");
    w.f.db.exec("UPDATE leads SET phone_number = '+49 30 1234567', timezone = 'Europe/Berlin'"
                " WHERE id = " +
                id_literal(ann));
    const auto bob = w.lead("bob@x.example"); // no phone number
    const auto first = w.queue(ann, "Hello Ann", "<p>Hi</p>");
    w.queue(bob, "Hello Bob", "<p>Hi</p>");
    const auto r = w.f.process();
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE(w.row(first, "status") == "sent");
    CHECK(w.f.db.scalar(
              "SELECT lead_id || ' ' || campaign_run_id || ' ' || status || ' ' || priority"
              " || ' ' || max_retries || ' ' || (call_script IS NULL) || ' ' ||"
              " (work_time_start = ((((now() AT TIME ZONE 'Europe/Berlin')::date + time '09:00')"
              "   AT TIME ZONE 'Europe/Berlin') AT TIME ZONE 'UTC')::time)"
              " FROM call_queue") == ann.str() + " " + w.run.str() + " pending 1 3 true true");

    // A reminder of the same lead hands nothing over.
    const auto log = w.row(first, "sent_email_log_id");
    const auto reminder = w.queue(ann, "Re: Hello Ann", "<p>Again</p>", "'" + log + "'");
    REQUIRE(w.f.process().exit_code == 0);
    REQUIRE(w.row(reminder, "status") == "sent");
    CHECK(w.f.count("SELECT count(*) FROM call_queue") == 1);

    // Off with processing.call_handoff: false.
    w.f.set("processing", "call_handoff", "false");
    const auto cy = w.lead("cy@x.example");
    w.f.db.exec("UPDATE leads SET phone_number = '+1 555 0100' WHERE id = " + id_literal(cy));
    const auto third = w.queue(cy, "Hello Cy", "<p>Hi</p>");
    REQUIRE(w.f.process().exit_code == 0);
    REQUIRE(w.row(third, "status") == "sent");
    CHECK(w.f.count("SELECT count(*) FROM call_queue") == 1);
}

TEST_CASE("queue-enqueue fans out a campaign with the web application's template when a "
          "generator writes its emails, and refuses it without one",
          "[web-application][enqueue]") {
    WebApp w;
    const auto campaign = insert_campaign(
        w.f.conn, w.company, "<html><body>{email_body}</body></html>", "email_and_call");
    const auto run = insert_run(w.f.conn, campaign, "idle");
    w.lead("ann@x.example");
    w.lead("bob@x.example");

    const auto refused =
        run_program("queue-enqueue", {"--config", w.f.config_path(), "--run", run.str()}, w.f.db);
    CHECK(refused.exit_code == 78);
    CHECK(refused.err.find("content.command") != std::string::npos);
    CHECK(w.f.db.scalar("SELECT status FROM campaign_runs WHERE id = " + id_literal(run)) ==
          "idle");
    CHECK(w.f.count("SELECT count(*) FROM email_queue") == 0);

    w.f.set("content", "generator", "command");
    w.f.set("content", "command",
            "'printf ''{\"subject\": \"Generated\", \"body\": \"<p>g</p>\"}'''");
    const auto dry = run_program(
        "queue-enqueue", {"--config", w.f.config_path(), "--run", run.str(), "--dry-run"}, w.f.db);
    INFO(dry.err);
    CHECK(dry.out.find("written at send time by content.command") != std::string::npos);
    const auto started = run_program(
        "queue-enqueue", {"--config", w.f.config_path(), "--run", run.str(), "--json"}, w.f.db);
    INFO(started.err);
    REQUIRE(started.exit_code == 0);
    CHECK(started.out.find("\"content_generated_at_send\":true") != std::string::npos);
    CHECK(w.f.db.scalar("SELECT status || ' ' || leads_total FROM campaign_runs WHERE id = " +
                        id_literal(run)) == "running 2");

    const auto r = w.f.process();
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto messages = w.sink.wait_for_messages(2);
    CHECK(header_of(messages.front().content, "Subject") == "Generated");
    CHECK(w.f.db.scalar("SELECT status FROM campaign_runs WHERE id = " + id_literal(run)) ==
          "completed");
}

TEST_CASE("two queue-enqueue starters racing on one web-application run queue each lead once",
          "[web-application][enqueue][concurrency]") {
    WebApp w;
    const auto campaign = insert_campaign(w.f.conn, w.company, "<p>{email_body}</p>");
    const auto run = insert_run(w.f.conn, campaign, "idle");
    for (int i = 0; i < 50; ++i) {
        w.lead(fmt::format("lead{}@x.example", i));
    }
    w.f.set("content", "generator", "command");
    w.f.set("content", "command", "'printf ''{\"subject\": \"G\", \"body\": \"<p>g</p>\"}'''");
    const auto config = w.f.config_path();
    std::vector<ProcessResult> results(2);
    {
        std::vector<std::jthread> threads;
        for (auto& r : results) {
            threads.emplace_back([&] {
                r = run_program("queue-enqueue", {"--config", config, "--run", run.str()}, w.f.db);
            });
        }
    }
    for (const auto& r : results) {
        INFO(r.err);
        CHECK(r.exit_code == 0);
    }
    CHECK(w.f.count("SELECT count(*) FROM email_queue") == 50);
    CHECK(w.f.count("SELECT count(DISTINCT lead_id) FROM email_queue") == 50);
    CHECK(w.f.db.scalar("SELECT status || ' ' || leads_total FROM campaign_runs WHERE id = " +
                        id_literal(run)) == "running 50");
}

TEST_CASE("with a content generator the call hand-off carries the script it writes for a "
          "call request",
          "[web-application][call-handoff]") {
    WebApp w;
    w.f.db.exec("UPDATE campaigns SET type = 'email_and_call', trigger_call_on = "
                "'after_email_sent'");
    const auto ann = w.lead("ann@x.example");
    w.f.db.exec("UPDATE leads SET phone_number = '+49 30 1234567' WHERE id = " + id_literal(ann));
    const auto first = w.queue(ann, "Hello Ann", "<p>Hi</p>");
    // The generator answers a call request with a script, anything else with an email.
    const auto generator =
        w.f.dir.write("generator.sh",
                      "#!/bin/sh\n"
                      "if grep -q '\"request\":\"call\"'; then\n"
                      "  printf '{\"script\": \"Hello, this is Jack from Acme\"}'\n"
                      "else\n"
                      "  printf '{\"subject\": \"Generated\", \"body\": \"<p>g</p>\"}'\n"
                      "fi\n",
                      0700);
    w.f.set("content", "generator", "command");
    w.f.set("content", "command", generator);
    const auto r = w.f.process();
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE(w.row(first, "status") == "sent");
    CHECK(w.f.db.scalar("SELECT call_script FROM call_queue") == "Hello, this is Jack from Acme");
    // The email is the row's own content: the generator only wrote the script.
    CHECK(header_of(w.sink.wait_for_messages(1).front().content, "Subject") == "Hello Ann");
}
