// The SMTP fault suite, through queue-process: every fault smtp-sink can inject at MAIL,
// RCPT, DATA and the end of the message (4xx, 5xx, 421 and hang-up, hang-up without a
// reply, replies slower than the timeout), idle connections the server drops, an account
// the server refuses to authenticate (aiosmtpd), and every TLS refusal. One run sends to
// all of them at once, one company per fault, beside a company whose server works: each
// row must end in the state and retry schedule the classifier promises
// (lib/policy/classify.hpp), each company refused as an account must be held without
// spending a retry, and the working company must be unaffected. The classifier itself
// is tested as a table in test/unit/policy/classify_test.cpp, and each refusal against
// libcurl in test/integration/smtp/.

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <memory>
#include <thread>

#include "support/delivery_audit.hpp"
#include "support/figures.hpp"
#include "support/process_fixture.hpp"
#include "support/smtp_server.hpp"
#include "support/smtp_sink.hpp"
#include "support/test_ca.hpp"
#include "util/json.hpp"

using namespace eq;
using namespace eq::test;
using namespace std::chrono;

namespace {

// What a fault must leave behind.
enum class Ends {
    retried,  // pending, retry_count 1, due again after 2 minutes (+ up to 25% jitter)
    failed,   // failed, retry_count 0
    held_row, // held for an operator: the outcome is unknown
    company,  // the company is held; its row pending, retry_count 0, due now
};

struct SinkFault {
    std::vector<std::string> flags;
    Ends ends;
    const char* reason; // the start of the row's error_message or the company's hold_reason
};

std::string row_state(const ProcessFixture& f, const Uuid& company) {
    return f.db.scalar("SELECT status || ' ' || retry_count FROM email_queue WHERE company_id = " +
                       id_literal(company));
}

// The row is due again 2^1 minutes after its first failure, stretched by at most a
// quarter (lib/policy/retry.hpp).
bool retry_scheduled(const ProcessFixture& f, const Uuid& company) {
    return f.db.scalar("SELECT scheduled_for BETWEEN now() + interval '100 seconds' AND now() + "
                       "interval '151 seconds' FROM email_queue WHERE company_id = " +
                       id_literal(company)) == "t";
}

// The company is held for hold_delay (5 minutes), for the first time, with a reason
// starting with `reason`, and its rows were left due with every retry.
bool company_held(const ProcessFixture& f, const Uuid& company, const std::string& reason) {
    const auto l = id_literal(company);
    const auto hold =
        f.db.scalar("SELECT (held_until BETWEEN now() + interval '4 minutes' AND now() + interval "
                    "'6 minutes' AND consecutive_holds = 1) || ' ' || hold_reason FROM "
                    "email_queue_companies WHERE company_id = " +
                    l);
    UNSCOPED_INFO("company hold: " << hold);
    return hold.starts_with("true " + reason) &&
           f.count("SELECT count(*) FROM email_queue WHERE company_id = " + l +
                   " AND status = 'pending' AND retry_count = 0 AND scheduled_for <= now()") ==
               f.count("SELECT count(*) FROM email_queue WHERE company_id = " + l);
}

} // namespace

TEST_CASE("every SMTP fault ends in its class, row state and retry schedule", "[smtpfault]") {
    const std::vector<SinkFault> faults{
        {{"-r", "MAIL"}, Ends::retried, "temporary failure: 450"},
        {{"-f", "MAIL"}, Ends::company, "server refused the sender: 500"},
        {{"-r", "RCPT"}, Ends::retried, "temporary failure: 450"},
        {{"-f", "RCPT"}, Ends::failed, "rejected: 500"},
        {{"-f", "RCPT", "-B", "550 5.1.1 No such user"},
         Ends::failed,
         "recipient address rejected: 550"},
        {{"-r", "DATA"}, Ends::retried, "temporary failure: 450"},
        {{"-f", "DATA"}, Ends::failed, "rejected: 500"},
        {{"-r", "."}, Ends::retried, "temporary failure: 450"},
        {{"-f", "."}, Ends::failed, "rejected: 500"},
        {{"-Q", "CONNECT"}, Ends::company, "server is closing the connection: 421"},
        {{"-Q", "MAIL"}, Ends::company, "server is closing the connection: 421"},
        {{"-Q", "RCPT"}, Ends::company, "server is closing the connection: 421"},
        {{"-Q", "DATA"}, Ends::company, "server is closing the connection: 421"},
        {{"-Q", "."}, Ends::company, "server is closing the connection: 421"},
        {{"-q", "CONNECT"}, Ends::company, "the server did not greet a new connection"},
        {{"-q", "MAIL"}, Ends::retried, "connection lost or timed out"},
        {{"-q", "RCPT"}, Ends::retried, "connection lost or timed out"},
        {{"-q", "DATA"}, Ends::retried, "connection lost or timed out"},
        {{"-q", "."}, Ends::held_row, "no final reply after the message was handed over"},
        // Slower than smtp.reply_timeout (1 s): before the message, and after it.
        {{"-w", "3"}, Ends::retried, "connection lost or timed out"},
        {{"-W", "MAIL:3"}, Ends::retried, "connection lost or timed out"},
        {{"-W", ".:3"}, Ends::held_row, "no final reply after the message was handed over"},
    };
    ProcessFixture f;
    f.set("smtp", "reply_timeout", "1s");
    std::vector<std::unique_ptr<SmtpSink>> sinks;
    std::vector<Uuid> companies;
    for (std::size_t i = 0; i < faults.size(); ++i) {
        sinks.push_back(std::make_unique<SmtpSink>(faults[i].flags));
        const auto name = fmt::format("fault{}", i);
        f.add_provider(name, sinks.back()->port());
        companies.push_back(
            f.company(name, fmt::format("Company {}", i), fmt::format("sender@c{}.example", i)));
        f.queue_run(companies.back(), 1, fmt::format("c{}.example", i));
    }
    SmtpSink good;
    f.add_provider("good", good.port());
    const auto working = f.company("good", "Working Ltd", "sender@working.example");
    f.queue_run(working, 3, "working.example");

    const auto r = f.process({"--json"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    Figures figures("smtpfault");
    for (std::size_t i = 0; i < faults.size(); ++i) {
        const auto& fault = faults[i];
        const auto& company = companies[i];
        std::string flags;
        for (const auto& flag : fault.flags) {
            flags += flag + " ";
        }
        INFO("smtp-sink " << flags << "\n" << sinks[i]->log());
        const auto error = f.db.scalar("SELECT coalesce(error_message, '') FROM email_queue "
                                       "WHERE company_id = " +
                                       id_literal(company));
        INFO("row: " << row_state(f, company) << ": " << error);
        switch (fault.ends) {
        case Ends::retried:
            CHECK(row_state(f, company) == "pending 1");
            CHECK(retry_scheduled(f, company));
            CHECK(error.starts_with(fault.reason));
            break;
        case Ends::failed:
            CHECK(row_state(f, company) == "failed 0");
            CHECK(error.starts_with(fault.reason));
            break;
        case Ends::held_row:
            CHECK(row_state(f, company) == "held 0");
            CHECK(error.starts_with(fault.reason));
            break;
        case Ends::company:
            CHECK(company_held(f, company, fault.reason));
            break;
        }
        figures.add("smtp_faults_injected");
    }
    CHECK(good.wait_for_messages(3).size() == 3);
    CHECK(f.count("SELECT count(*) FROM email_queue WHERE company_id = " + id_literal(working) +
                  " AND status = 'sent'") == 3);

    // A second run sends nothing: the held companies wait out their hold, the retried rows
    // their back-off, and nothing is spent meanwhile.
    const auto before = f.db.scalar("SELECT string_agg(status || retry_count || scheduled_for, ',' "
                                    "ORDER BY id) FROM email_queue");
    const auto again = f.process({"--json"});
    REQUIRE(again.exit_code == 0);
    const auto s = Json::parse(again.out);
    REQUIRE(s.ok());
    CHECK(s->find("sent")->as_int() == 0);
    CHECK(f.db.scalar("SELECT string_agg(status || retry_count || scheduled_for, ',' ORDER BY "
                      "id) FROM email_queue") == before);
    figures.write();
}

TEST_CASE("a connection the server dropped while idle is replaced within the run", "[smtpfault]") {
    // The server gives up on a client silent for 1 s; the content generator takes 2 s over
    // each message, so every message after the first finds its connection dropped.
    SmtpSink sink({"-t", "1"});
    ProcessFixture f;
    f.add_provider("sink", sink.port());
    f.set("content", "generator", "command");
    f.set("content", "command",
          "'sleep 2; printf ''{\"subject\": \"Hi\", \"body\": \"<p>Hi</p>\"}'''");
    f.set("processing", "concurrency", "1");
    f.queue_run(f.company("sink"), 3);
    const auto r = f.process({"--json"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(sink.wait_for_messages(3).size() == 3);
    CHECK(f.count("SELECT count(*) FROM email_queue WHERE status = 'sent' AND retry_count = 0") ==
          3);
    Figures figures("smtpfault");
    figures.add("smtp_faults_injected", 2);
    figures.write();
}

TEST_CASE("a company whose server refuses AUTH is held without spending retries while others send",
          "[smtpfault]") {
    SmtpServerOptions refusing;
    refusing.auth = SmtpServerOptions::Credentials{"jack.doe@acme.example", "another password"};
    refusing.auth_required = true;
    SmtpServer server(refusing);
    SmtpSink good;
    ProcessFixture f;
    f.add_provider("refusing", server.port());
    f.add_provider("good", good.port());
    const auto held = f.company("refusing", "Refused Ltd");
    f.queue_run(held, 4, "refused.example");
    const auto other = f.company("good", "Working Ltd", "sender@working.example");
    f.queue_run(other, 4, "working.example");

    const auto r = f.process({"--json"});
    INFO(r.err << "\n" << server.log());
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.find("warning: company " + held.str() + " held: authentication") !=
          std::string::npos);
    // The server's side: one AUTH attempt, with the account's password, and no message.
    const auto auths = server.events("auth");
    REQUIRE(auths.size() == 1);
    CHECK(server.events("message").empty());
    CHECK(company_held(f, held, "authentication"));
    CHECK(f.count("SELECT count(*) FROM email_queue WHERE company_id = " + id_literal(other) +
                  " AND status = 'sent'") == 4);
    CHECK(good.wait_for_messages(4).size() == 4);
    // queue-admin status says the company is held, and why.
    const auto status = run_program("queue-admin", {"status", "--json"}, f.db);
    INFO(status.out << status.err);
    CHECK(status.exit_code == 0);
    CHECK(status.out.find(held.str()) != std::string::npos);
    CHECK(status.out.find("authentication") != std::string::npos);
    // While held it is not tried again, and its rows keep every retry.
    REQUIRE(f.process().exit_code == 0);
    CHECK(server.events("auth").size() == 1);
    CHECK(f.count("SELECT count(*) FROM email_queue WHERE retry_count > 0") == 0);
    Figures figures("smtpfault");
    figures.add("smtp_faults_injected");
    figures.write();
}

TEST_CASE("every TLS refusal holds the company before any credentials are sent",
          "[smtpfault][tls]") {
    TempDir dir;
    TestCa ca(dir.path(), "trusted");
    TestCa stranger(dir.path(), "stranger");
    const SmtpServerOptions::Credentials account{"jack.doe@acme.example",
                                                 ProcessFixture::k_account_password};
    auto tls_server = [&](SmtpServerOptions::Tls tls, TestCa::Issued certificate) {
        SmtpServerOptions o;
        o.tls = tls;
        o.certificate = std::move(certificate);
        o.require_starttls = tls == SmtpServerOptions::Tls::starttls;
        o.auth = account;
        o.auth_required = true;
        return std::make_unique<SmtpServer>(o);
    };
    struct Case {
        const char* what;
        std::unique_ptr<SmtpServer> server;
        config::Security security;
        const char* reason;
    };
    std::vector<Case> cases;
    cases.push_back({"an untrusted certificate",
                     tls_server(SmtpServerOptions::Tls::implicit, stranger.issue_server()),
                     config::Security::tls, "TLS failure: curl 60"});
    cases.push_back({"an untrusted certificate offered after STARTTLS",
                     tls_server(SmtpServerOptions::Tls::starttls, stranger.issue_server("s2")),
                     config::Security::starttls, "TLS failure: curl 60"});
    cases.push_back({"a certificate for another host name",
                     tls_server(SmtpServerOptions::Tls::implicit,
                                ca.issue_server("other", "mail.other.example")),
                     config::Security::tls, "TLS failure: curl 60"});
    SmtpServerOptions plain;
    plain.auth = account;
    cases.push_back({"TLS expected, the server speaks plain text",
                     std::make_unique<SmtpServer>(plain), config::Security::tls, "TLS failure"});
    cases.push_back({"STARTTLS required, the server does not offer it",
                     std::make_unique<SmtpServer>(plain), config::Security::starttls,
                     "TLS failure"});

    ProcessFixture f;
    std::vector<Uuid> companies;
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const auto name = fmt::format("tls{}", i);
        f.add_provider(name, cases[i].server->provider(cases[i].security, ca.cert_file()));
        companies.push_back(f.company(name, fmt::format("Company {}", i)));
        f.queue_run(companies.back(), 2, fmt::format("c{}.example", i));
    }
    // The same account over TLS the client trusts works.
    auto trusted = tls_server(SmtpServerOptions::Tls::implicit, ca.issue_server("good"));
    f.add_provider("trusted", trusted->provider(config::Security::tls, ca.cert_file()));
    const auto working = f.company("trusted", "Working Ltd");
    f.queue_run(working, 2, "working.example");

    const auto r = f.process();
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    Figures figures("smtpfault");
    for (std::size_t i = 0; i < cases.size(); ++i) {
        INFO(cases[i].what << "\n" << cases[i].server->log());
        CHECK(company_held(f, companies[i], cases[i].reason));
        // The server's side: no AUTH, no message.
        CHECK(cases[i].server->events("auth").empty());
        CHECK(cases[i].server->events("message").empty());
        figures.add("tls_faults_injected");
    }
    CHECK(trusted->events("auth").size() == 1);
    CHECK(trusted->events("message").size() == 2);
    CHECK(f.rows_with_status("sent") == 2);
    figures.write();
}

TEST_CASE("one message refused for its content or greylisted never stops its company",
          "[smtpfault]") {
    // Microsoft's content restriction at the end of one message, greylisting of another
    // recipient at RCPT: each is that row's outcome, not the account's.
    SmtpServerOptions options;
    options.auth =
        SmtpServerOptions::Credentials{"jack.doe@acme.example", ProcessFixture::k_account_password};
    options.data_replies_for["lead0@x.example"] =
        "554 5.7.1 Your message can't be delivered because of content restrictions";
    options.rcpt_replies["lead1@x.example"] = "451 4.7.1 Greylisted, please try again later";
    SmtpServer server(options);
    ProcessFixture f;
    f.add_provider("server", server.provider(config::Security::none));
    const auto company = f.company("server");
    f.queue_run(company, 6);
    for (int run = 0; run < 2; ++run) {
        const auto r = f.process();
        INFO(r.err << server.log());
        REQUIRE(r.exit_code == 0);
    }
    CHECK(f.rows_with_status("sent") == 4);
    CHECK(f.db.scalar("SELECT status FROM email_queue q JOIN leads l ON l.id = q.lead_id WHERE "
                      "l.email = 'lead0@x.example'") == "failed");
    CHECK(f.db.scalar("SELECT status || ' ' || retry_count FROM email_queue q JOIN leads l ON "
                      "l.id = q.lead_id WHERE l.email = 'lead1@x.example'") == "pending 1");
    CHECK(f.count("SELECT count(*) FROM email_queue_companies WHERE held_until IS NOT NULL") == 0);
    Figures figures("smtpfault");
    figures.add("smtp_faults_injected", 2);
    figures.add("poison_companies_kept_sending");
    figures.add("rows", 6);
    figures.write();
}

TEST_CASE("a message the server keeps refusing as the account's stops holding the company "
          "after processing.max_row_holds holds",
          "[smtpfault]") {
    // A refusal the classifier must take for the account's ("relaying denied"), given to
    // one recipient only.
    SmtpServerOptions options;
    options.auth =
        SmtpServerOptions::Credentials{"jack.doe@acme.example", ProcessFixture::k_account_password};
    options.rcpt_replies["lead0@x.example"] = "550 5.7.1 Relaying denied";
    SmtpServer server(options);
    ProcessFixture f;
    f.add_provider("server", server.provider(config::Security::none));
    f.set("processing", "hold_delay", "1s");
    f.set("processing", "max_row_holds", "2");
    const auto company = f.company("server");
    f.queue_run(company, 4);
    // First run: the company is held, its rows released, the message counted once.
    REQUIRE(f.process().exit_code == 0);
    CHECK(f.rows_with_status("sent") == 0);
    CHECK(f.count("SELECT count(*) FROM email_queue WHERE company_holds = 1") == 1);
    std::this_thread::sleep_for(milliseconds(1200));
    // Second run, after the hold: the same message would hold it a second time; it is
    // failed instead (a permanent refusal) and the others go out.
    const auto r = f.process();
    INFO(r.err << server.log());
    REQUIRE(r.exit_code == 0);
    CHECK(f.rows_with_status("sent") == 3);
    const auto reason = f.db.scalar(
        "SELECT status || ': ' || error_message FROM email_queue WHERE company_holds = 1");
    CHECK(reason.starts_with("failed: refused for policy or security reasons, about the account"));
    CHECK(reason.find("held the company 2 times in a row") != std::string::npos);
    Figures figures("smtpfault");
    figures.add("smtp_faults_injected");
    figures.add("poison_companies_kept_sending");
    figures.add("rows", 4);
    figures.write();
}
