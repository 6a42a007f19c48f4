// The bad-input suite: hostile and malformed input through the real programs. Names,
// subjects, addresses and bodies from the web application's rows are checked in the
// bytes smtp-sink received (no header or SMTP command injection, RFC 2047 round trip by
// an independent decoder, line lengths); malformed config files, secrets files readable
// by others, and malformed UUIDs, times and numbers on every command must give a clear
// error and the documented exit status and change nothing. Malformed Fernet tokens are
// in test/integration/process ("unreadable credentials hold the company") and
// test/unit/crypto; NUL cannot be stored in a PostgreSQL text column, so it is covered
// where it can arrive, in test/unit/message (header values) and test/unit/content.

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "support/figures.hpp"
#include "support/process_fixture.hpp"
#include "support/programs.hpp"
#include "support/smtp_server.hpp"
#include "support/smtp_sink.hpp"
#include "util/json.hpp"

using namespace eq;
using namespace eq::test;
using namespace std::chrono;

namespace {

// A literal for test SQL that holds any text but NUL.
std::string text_literal(const std::string& text) {
    return "$eqbad$" + text + "$eqbad$";
}

// One run of one lead, with this name, address and campaign template.
Uuid queue_case(ProcessFixture& f, const Uuid& company, const std::string& name,
                const std::optional<std::string>& email, const std::string& email_template) {
    const auto run = f.queue_run(company, 1);
    const auto r = id_literal(run);
    f.db.exec("UPDATE leads SET name = " + text_literal(name) +
              (email ? ", email = " + text_literal(*email) : std::string()) +
              " WHERE id = (SELECT lead_id FROM email_queue WHERE campaign_run_id = " + r + ")");
    f.db.exec("UPDATE campaigns SET template = " + text_literal(email_template) +
              " WHERE id = (SELECT campaign_id FROM campaign_runs WHERE id = " + r + ")");
    return run;
}

std::string row_of(const ProcessFixture& f, const Uuid& run, const std::string& column) {
    return f.db.scalar("SELECT " + column +
                       " FROM email_queue WHERE campaign_run_id = " + id_literal(run));
}

// The message of a run's row, as received, decoded by test/support/mime_decode.py.
Json decoded(const ProcessFixture& f, const Uuid& run,
             const std::vector<SmtpSink::Message>& messages, SmtpSink::Message* found = nullptr) {
    const auto message_id = row_of(f, run, "sent_message_id");
    for (const auto& m : messages) {
        if (header_of(m.content, "Message-ID") == message_id) {
            if (found != nullptr) {
                *found = m;
            }
            RunOptions o;
            o.stdin_text = m.content;
            const auto r = run_process(
                {k_system_python, std::string(EQ_SOURCE_DIR) + "/test/support/mime_decode.py"}, o);
            INFO(r.err);
            REQUIRE(r.exit_code == 0);
            auto j = Json::parse(r.out);
            REQUIRE(j.ok());
            return *j;
        }
    }
    FAIL("no message received with Message-ID " << message_id);
    return Json();
}

std::string lf_only(std::string s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (!(s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n')) {
            out.push_back(s[i]);
        }
    }
    return out;
}

std::string header_block(const std::string& content) {
    return content.substr(0, content.find("\n\n"));
}

} // namespace

TEST_CASE("hostile names, subjects, addresses and bodies arrive as data or fail alone",
          "[badinput]") {
    SmtpSink sink;
    ProcessFixture f(sink);
    const auto company = f.company("sink");
    Figures figures("badinput");

    // Header and SMTP command injection through the name, the subject and the body.
    const std::string injected_name = "Ann\r\nBcc: victim@evil.example\r\nX-Injected: 1";
    const auto injection = queue_case(
        f, company, injected_name, std::nullopt,
        "Subject: Hi {{lead.name}}\r\nBcc: second@evil.example\n\n<p>Dear {{lead.name}}</p>"
        "\r\n.\r\nMAIL FROM:<evil@evil.example>\r\nRCPT TO:<evil@evil.example>\r\nDATA\r\n");
    // SMTP command injection through the address.
    const auto bad_address =
        queue_case(f, company, "Bob", "bob@x.example\r\nRCPT TO:<evil@evil.example>",
                   "Subject: Hi\n\n<p>Hi</p>");
    // RFC 2047: non-ASCII in the name and the subject.
    const std::string unicode_name = "Zo\u00eb \u00c5ngstr\u00f6m-\u0141ukasz \u65e5\u672c";
    const auto unicode = queue_case(f, company, unicode_name, std::nullopt,
                                    "Subject: Gr\u00fc\u00dfe, {{lead.name}} \u2014 \u2713 "
                                    "=?UTF-8?B?notencoded?=\n\n<p>\u00e9</p>");
    // Addresses over the limits: a 65-octet local part, a 300-octet address.
    const auto long_local = queue_case(f, company, "Long", std::string(65, 'a') + "@x.example",
                                       "Subject: Hi\n\n<p>Hi</p>");
    const auto long_address =
        queue_case(f, company, "Longer", "a@" + std::string(290, 'b') + ".example",
                   "Subject: Hi\n\n<p>Hi</p>");
    // Over-long lines, bare LF, lone dots and a line "From " in the body.
    const std::string awkward_body =
        "<p>" + std::string(5000, 'x') + "</p>\n.\n..\n. \nFrom here\n.\r\nend\n";
    const auto awkward =
        queue_case(f, company, "Carol", std::nullopt, "Subject: Lines\n\n" + awkward_body);
    // An empty body; and one of 1 MB.
    const auto empty = queue_case(f, company, "Dan", std::nullopt, "Subject: Nothing\n\n");
    std::string big_body = "<p>";
    while (big_body.size() < 1024 * 1024) {
        big_body += "word w\u00f6rd ";
    }
    big_body += "</p>";
    const auto big = queue_case(f, company, "Eve", std::nullopt, "Subject: Big\n\n" + big_body);
    // Malformed templates: no subject line, an unclosed and an unknown placeholder.
    const auto no_subject = queue_case(f, company, "Fay", std::nullopt, "<p>no subject</p>");
    const auto unclosed =
        queue_case(f, company, "Gil", std::nullopt, "Subject: Hi {{lead.name\n\n<p>x</p>");
    const auto unknown =
        queue_case(f, company, "Hal", std::nullopt, "Subject: Hi {{lead.password}}\n\n<p>x</p>");
    constexpr int k_rows = 11;

    f.set("processing", "batch_cap", "20");
    const auto r = f.process({"--json"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto messages = sink.wait_for_messages(4);
    CHECK(messages.size() == 4);
    CHECK(f.count("SELECT count(*) FROM email_queue") == k_rows);
    CHECK(f.count("SELECT count(*) FROM email_queue WHERE status IN ('pending', 'processing')") ==
          0);
    // Every message went to its one lead, from the company, and nowhere else.
    for (const auto& m : messages) {
        CHECK(m.rcpt_to.size() == 1);
        CHECK(m.mail_from == "<jack.doe@acme.example>");
    }

    { // injection
        CHECK(row_of(f, injection, "status") == "sent");
        SmtpSink::Message m;
        const auto d = decoded(f, injection, messages, &m);
        const auto headers = header_block(m.content);
        INFO(headers);
        CHECK(headers.find("\nBcc:") == std::string::npos);
        CHECK(headers.find("\nX-Injected:") == std::string::npos);
        CHECK(d.find("subject")->as_string() == "Hi Ann Bcc: victim@evil.example X-Injected: 1");
        CHECK(d.find("to_name")->as_string() == "Ann Bcc: victim@evil.example X-Injected: 1");
        // The body's lone dot and commands stayed in the body.
        CHECK(d.find("html")->as_string().find("\n.\nMAIL FROM:<evil@evil.example>\nRCPT "
                                               "TO:<evil@evil.example>\nDATA\n") !=
              std::string::npos);
    }
    { // address
        CHECK(row_of(f, bad_address, "status") == "failed");
        CHECK(row_of(f, bad_address, "error_message").starts_with("invalid address: "));
        CHECK(row_of(f, bad_address, "error_message").find("evil") == std::string::npos);
        CHECK(row_of(f, long_local, "status") == "failed");
        CHECK(row_of(f, long_address, "status") == "failed");
        CHECK(row_of(f, long_address, "error_message").starts_with("invalid address: "));
    }
    { // rfc 2047
        SmtpSink::Message m;
        const auto d = decoded(f, unicode, messages, &m);
        CHECK(d.find("subject")->as_string() ==
              "Gr\u00fc\u00dfe, " + unicode_name + " \u2014 \u2713 =?UTF-8?B?notencoded?=");
        CHECK(d.find("to_name")->as_string() == unicode_name);
        const auto headers = header_block(m.content);
        CHECK(std::all_of(headers.begin(), headers.end(),
                          [](char c) { return static_cast<unsigned char>(c) < 0x80; }));
        CHECK(headers.find("=?UTF-8?") != std::string::npos);
    }
    { // lines, dots and sizes
        const auto d = decoded(f, awkward, messages);
        CHECK(d.find("longest_line")->as_int() <= 998);
        CHECK(lf_only(d.find("html")->as_string()) == lf_only(awkward_body));
        const auto b = decoded(f, big, messages);
        CHECK(b.find("longest_line")->as_int() <= 998);
        CHECK(b.find("html")->as_string() == big_body);
        CHECK(row_of(f, empty, "status") == "failed");
        CHECK(row_of(f, empty, "error_message").find("body") != std::string::npos);
    }
    { // templates
        for (const auto& run : {no_subject, unclosed, unknown}) {
            INFO(row_of(f, run, "error_message"));
            CHECK(row_of(f, run, "status") == "failed");
            CHECK(row_of(f, run, "error_message").find("template") != std::string::npos);
        }
        CHECK(row_of(f, unknown, "error_message").find("{{lead.password}}") != std::string::npos);
    }
    figures.add("bad_inputs", k_rows);
    figures.add("rows", k_rows);
    figures.add("rows_lost", k_rows - f.count("SELECT count(*) FROM email_queue"));
    figures.write();
}

TEST_CASE("hostile HTML bodies of 4 MB are converted and sent in one run", "[badinput][html]") {
    // Each shape once made the text part's conversion (content::html_to_text) quadratic:
    // a 1 MB template held a worker for minutes, past its lease. Now the run sends them
    // all well inside the run's time limit (ProcessFixture::process: 60 s, where the
    // quadratic conversion of the first alone took more than 100 s).
    SmtpSink sink;
    ProcessFixture f(sink);
    const auto company = f.company("sink");
    f.set_limits(company, 1000, 10000);
    constexpr std::size_t k_size = 4 * 1024 * 1024;
    const auto repeat = [](std::string_view unit) {
        std::string s;
        s.reserve(k_size + unit.size());
        while (s.size() < k_size) {
            s += unit;
        }
        return s;
    };
    struct Shape {
        const char* what;
        std::string body;
        const char* text_has; // in the text/plain part
    };
    const std::vector<Shape> shapes{
        {"many <style> elements", repeat("<style>p{}</style>x "), "x x x"},
        {"many <script>, <head>, <title>",
         repeat("<script>1</script><head>h</head><TITLE>t</TITLE>y "), "y y y"},
        {"many unterminated tags", "<p>start</p>" + repeat("<a "), "start"},
        {"many & without ;", "<p>start</p>" + repeat("&amp"), "start"},
    };
    std::vector<Uuid> runs;
    for (const auto& s : shapes) {
        runs.push_back(
            queue_case(f, company, "Hostile", std::nullopt, "Subject: Big\n\n" + s.body));
    }
    const auto r = f.process();
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto messages = sink.wait_for_messages(shapes.size());
    Figures figures("badinput");
    for (std::size_t i = 0; i < shapes.size(); ++i) {
        INFO(shapes[i].what << ": " << row_of(f, runs[i], "error_message"));
        REQUIRE(row_of(f, runs[i], "status") == "sent");
        const auto d = decoded(f, runs[i], messages);
        CHECK(d.find("html")->as_string() == shapes[i].body);
        CHECK(d.find("text")->as_string().find(shapes[i].text_has) != std::string::npos);
        figures.add("bad_inputs");
        figures.add("hostile_html_bodies_sent");
    }
    figures.add("rows", static_cast<std::int64_t>(shapes.size()));
    figures.write();
}

TEST_CASE("malformed config files and readable secrets are refused by every program",
          "[badinput]") {
    TempDir dir;
    ProcessFixture f;
    const auto secrets = dir.write("secrets.env", "ENCRYPTION_KEY=k\nENCRYPTION_SALT=s\n", 0644);
    struct Bad {
        const char* what;
        std::string yaml;
        int exit_code;
        std::string says;
    };
    const std::vector<Bad> bad{
        {"broken YAML", "smtp: [unclosed\n", 78, "bad.yaml:"},
        {"an unknown key", "processing:\n  batchcap: 3\n", 78, ":2: "},
        {"a negative number", "processing:\n  batch_cap: -4\n", 78, ":2: "},
        {"a word for a number", "processing:\n  concurrency: many\n", 78, ":2: "},
        {"a malformed duration", "processing:\n  lease: 10 fortnights\n", 78, ":2: "},
        {"a port out of range",
         "smtp:\n  providers:\n    x:\n      host: 127.0.0.1\n      port: 70000\n", 78, ":5: "},
        {"a list for a mapping", "- a\n- b\n", 78, ":1: "},
        {"a secrets file others can read", "secrets_file: " + secrets + "\n", 77,
         "group or others"},
        {"a missing secrets file", "secrets_file: " + dir.file("none.env") + "\n", 78,
         "cannot read"},
    };
    Figures figures("badinput");
    const auto before = f.db.scalar("SELECT count(*) FROM email_queue_invocations");
    for (const auto& b : bad) {
        const auto path = dir.write("bad.yaml", b.yaml, 0600);
        for (const auto* program : {"queue-process", "queue-admin", "queue-enqueue"}) {
            std::vector<std::string> args{"--config", path};
            if (std::string_view(program) == "queue-admin") {
                args.push_back("status");
            } else if (std::string_view(program) == "queue-enqueue") {
                args.push_back("--due");
            }
            const auto r = run_program(program, args, f.db);
            INFO(program << ": " << b.what << "\n" << r.out << r.err);
            CHECK(r.exit_code == b.exit_code);
            CHECK(r.out.empty());
            CHECK(r.err.find(b.says) != std::string::npos);
            CHECK(r.err.find("ENCRYPTION_KEY=k") == std::string::npos);
            figures.add("bad_inputs");
        }
    }
    // A config file that cannot be read at all.
    for (const auto* program : {"queue-process", "queue-admin", "queue-enqueue"}) {
        std::vector<std::string> args{"--config", dir.file("missing.yaml")};
        if (std::string_view(program) == "queue-admin") {
            args.push_back("status");
        } else if (std::string_view(program) == "queue-enqueue") {
            args.push_back("--due");
        }
        const auto r = run_program(program, args, f.db);
        INFO(program << "\n" << r.err);
        CHECK(r.exit_code == 78);
        CHECK(r.err.find("missing.yaml") != std::string::npos);
        figures.add("bad_inputs");
    }
    // Nothing ran.
    CHECK(f.db.scalar("SELECT count(*) FROM email_queue_invocations") == before);
    figures.write();
}

TEST_CASE("malformed UUIDs, times, numbers and empty values on every command change nothing",
          "[badinput]") {
    SmtpSink sink;
    ProcessFixture f(sink);
    const auto company = f.company("sink");
    const auto run = f.queue_run(company, 2);
    const auto row = f.db.scalar("SELECT id FROM email_queue LIMIT 1");
    const auto snapshot = [&] {
        return f.db.scalar("SELECT string_agg(status || priority || scheduled_for, ',' ORDER BY "
                           "id) FROM email_queue") +
               f.db.scalar("SELECT string_agg(status, ',') FROM campaign_runs") +
               f.db.scalar("SELECT count(*) FROM email_throttle_settings") +
               f.db.scalar("SELECT count(*) FROM do_not_email");
    };
    const auto before = snapshot();
    const std::vector<std::string> uuids{
        "not-a-uuid", "1234", row + "0", row.substr(1), "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz", ""};
    const std::vector<std::string> times{
        "yesterday", "-5h", "2026-13-45", "10 fortnights", "99999999999h", "20000000w", ""};
    const std::vector<std::string> numbers{"-1", "many", "1e99", "3.5", ""};
    std::vector<std::vector<std::string>> calls;
    for (const auto& u : uuids) {
        calls.push_back({"status", "--company", u});
        calls.push_back({"throttle", "show", u});
        calls.push_back({"throttle", "set", u, "--per-hour", "5"});
        calls.push_back({"explain", u});
        calls.push_back({"mark-sent", u});
        calls.push_back({"priority", u, "--set", "2"});
        calls.push_back({"priority", "--run", u, "--lead", u, "--set", "2"});
        calls.push_back({"retry", "--run", u});
        calls.push_back({"retry", "--company", u});
        calls.push_back({"stats", "--company", u});
        calls.push_back({"run", "list", "--company", u});
        calls.push_back({"run", "show", u});
        for (const auto* verb : {"pause", "resume", "cancel"}) {
            calls.push_back({"run", verb, u});
        }
        calls.push_back({"suppress", "list", "--company", u});
    }
    for (const auto& t : times) {
        calls.push_back({"retry", "--since", t});
        calls.push_back({"stats", "--since", t});
        calls.push_back({"purge", "--older-than", t});
        calls.push_back({"health", "--max-backlog-age", t});
        calls.push_back({"health", "--max-since-last-run", t});
    }
    for (const auto& n : numbers) {
        calls.push_back({"throttle", "set", company.str(), "--per-hour", n});
        calls.push_back({"throttle", "set", company.str(), "--per-day", n});
        calls.push_back({"priority", run.str(), "--set", n});
        calls.push_back({"run", "list", "--limit", n});
        calls.push_back({"health", "--max-failure-rate", n});
    }
    Figures figures("badinput");
    for (const auto& args : calls) {
        std::string what;
        for (const auto& a : args) {
            what += "'" + a + "' ";
        }
        const auto r = run_program("queue-admin", args, f.db);
        INFO("queue-admin " << what << "-> " << r.exit_code << "\n" << r.out << r.err);
        // health is a Nagios check: a value it cannot read is UNKNOWN (3), a command line
        // that cannot be parsed (an empty value) 64, as its man page says.
        CHECK(r.exit_code == (args.front() == "health" && !args.back().empty() ? 3 : 64));
        CHECK(r.err.starts_with("queue-admin: error: "));
        figures.add("bad_inputs");
        if (args.back() == "20000000w") {
            figures.add("overflowing_durations_refused");
        }
    }
    for (const auto& u : uuids) {
        const auto r = f.process({"--company", u});
        INFO("queue-process --company '" << u << "'\n" << r.err);
        CHECK(r.exit_code == 64);
        figures.add("bad_inputs");
    }
    CHECK(snapshot() == before);
    CHECK(sink.messages().empty());
    figures.write();
}
