// The security suite. Least privilege is checked by every queue-process test: the
// process fixture runs it as a role holding only the grants of sql/roles/queue-process.sql
// (test/support/worker_role.hpp). Here: known secrets never appear in anything a run
// writes (standard output and error, --json, files, the rows it records), whatever
// fails; and SQL metacharacters through every field a user or the web application
// supplies reach the database as data, never as SQL.

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <sstream>

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

// Everything a set of runs wrote, for grepping.
struct Captured {
    std::string text;
    std::int64_t runs = 0;

    void add(const std::string& what, const ProcessResult& r) {
        text += "== " + what + "\n" + r.out + "\n" + r.err + "\n";
        ++runs;
    }
    void add_text(const std::string& what, const std::string& t) {
        text += "== " + what + "\n" + t + "\n";
    }
};

// Every row of `table` as JSON text.
std::string dump_table(const TestDatabase& db, const std::string& table) {
    return db.scalar("SELECT coalesce(string_agg(row_to_json(t)::text, E'\\n'), '') FROM " + table +
                     " t");
}

const char* const k_bugsnag_key = "4f1b9c0e2d7a46b8a3c5e9f0d1b2c3a4";
const char* const k_db_password = "db-pass-59127";

using Env = std::map<std::string, std::string>;

// queue-admin's reports, reading what the runs recorded.
void capture_admin_reports(const ProcessFixture& f, const Env& env, Captured& c) {
    TempDir out;
    for (const auto& args :
         std::vector<std::vector<std::string>>{{"status"},
                                               {"status", "--json"},
                                               {"stats", "--json"},
                                               {"health", "--json"},
                                               {"run", "list", "--json"},
                                               {"throttle", "list", "--json"},
                                               {"metrics", "--output", out.file("metrics.prom")},
                                               {"report", "--output", out.file("report.html")}}) {
        std::string what = "queue-admin";
        for (const auto& a : args) {
            what += " " + a;
        }
        c.add(what, run_program("queue-admin", args, f.db, env));
    }
    std::istringstream rows(f.db.scalar("SELECT string_agg(id::text, ' ') FROM email_queue"));
    for (std::string row; rows >> row;) {
        c.add("queue-admin explain --json",
              run_program("queue-admin", {"explain", row, "--json"}, f.db, env));
    }
    c.add_text("metrics.prom", read_file(out.file("metrics.prom")));
    c.add_text("report.html", read_file(out.file("report.html")));
}

// Every program told to reach the database with a password it cannot use.
void capture_bad_database_password(const ProcessFixture& f, const Env& env, Captured& c) {
    Env bad_url = env;
    bad_url["DATABASE_URL"] =
        fmt::format("postgresql://worker:{}@127.0.0.1:1/emailqueue", k_db_password);
    for (const auto* program : {"queue-process", "queue-admin", "queue-enqueue"}) {
        std::vector<std::string> args;
        if (std::string_view(program) == "queue-admin") {
            args = {"status", "--json"};
        }
        const auto r = f.process_with(program, args, bad_url);
        CHECK(r.exit_code != 0);
        c.add(std::string(program) + " with a database password", r);
    }
}

// What the runs recorded for operators and for the web application.
void capture_tables(const ProcessFixture& f, Captured& c) {
    for (const auto* table : {"email_queue", "email_queue_companies", "email_queue_invocations",
                              "email_logs", "email_log_details"}) {
        c.add_text(table, dump_table(f.db, table));
    }
}

} // namespace

TEST_CASE("known secrets appear in no output, file or recorded error of any run", "[security]") {
    SmtpSink sink;
    // A server that refuses every message with a reply quoting the account's password,
    // and one that refuses the account's password.
    SmtpServerOptions quoting;
    quoting.auth =
        SmtpServerOptions::Credentials{"jack.doe@acme.example", ProcessFixture::k_account_password};
    quoting.data_reply =
        std::string("554 5.6.0 rejected, your password is ") + ProcessFixture::k_account_password;
    SmtpServer quoting_server(quoting);
    SmtpServerOptions refusing;
    refusing.auth = SmtpServerOptions::Credentials{"jack.doe@acme.example", "another password"};
    refusing.auth_required = true;
    SmtpServer refusing_server(refusing);

    ProcessFixture f;
    f.add_provider("sink", sink.port());
    f.add_provider("quoting", quoting_server.port());
    f.add_provider("refusing", refusing_server.port());
    f.queue_run(f.company("sink", "Working Ltd", "sender@working.example"), 2, "a.example");
    f.queue_run(f.company("quoting", "Quoted Ltd"), 2, "b.example");
    f.queue_run(f.company("refusing", "Refused Ltd"), 2, "c.example");
    const auto token = f.db.scalar("SELECT account_password FROM companies LIMIT 1");
    const std::vector<std::string> secrets{ProcessFixture::k_account_password,
                                           ProcessFixture::k_encryption_key,
                                           ProcessFixture::k_encryption_salt,
                                           token,
                                           k_bugsnag_key,
                                           k_db_password};
    const std::map<std::string, std::string> bugsnag{{"BUGSNAG_API_KEY", k_bugsnag_key}};

    Captured c;
    c.add("queue-process --dry-run --json",
          f.process_with("queue-process", {"--dry-run", "--json"}, bugsnag));
    c.add("queue-process --json", f.process_with("queue-process", {"--json"}, bugsnag));
    f.db.exec("UPDATE email_queue SET scheduled_for = now() WHERE status = 'pending'");
    f.db.exec("UPDATE email_queue_companies SET held_until = now()");
    c.add("queue-process", f.process_with("queue-process", {}, bugsnag));
    // The run did meet each failure.
    REQUIRE(f.rows_with_status("sent") == 2);
    REQUIRE(f.rows_with_status("failed") == 2);
    REQUIRE(f.count("SELECT count(*) FROM email_queue_companies WHERE hold_reason LIKE "
                    "'authentication%'") == 1);

    capture_admin_reports(f, bugsnag, c);
    capture_bad_database_password(f, bugsnag, c);
    capture_tables(f, c);

    for (const auto& secret : secrets) {
        INFO("secret: " << secret);
        const auto at = c.text.find(secret);
        if (at != std::string::npos) {
            INFO("found in: ..." << c.text.substr(at > 300 ? at - 300 : 0, 600));
            CHECK(at == std::string::npos);
        }
    }
    // The server did quote the password: the redaction is what kept it out.
    CHECK(c.text.find("your password is [redacted]") != std::string::npos);
    Figures figures("security");
    figures.add("secret_scan_runs", c.runs);
    figures.add("secret_scan_bytes", static_cast<std::int64_t>(c.text.size()));
    figures.add("secrets_found", 0);
    figures.write();
}

TEST_CASE("SQL metacharacters in the web application's data are sent as data", "[security]") {
    SmtpSink sink;
    ProcessFixture f(sink);
    const std::string nasty = "O'Brien\"; DROP TABLE email_queue; -- $1 \\ % _ $$";
    const auto company = f.company("sink", nasty, "sender@acme.example");
    const auto run = f.queue_run(company, 1, "lead.example");
    // The lead's name and the campaign's template carry the same characters.
    f.db.exec("UPDATE leads SET name = $n$" + nasty + "$n$");
    f.db.exec("UPDATE campaigns SET template = $t$Subject: Hi " + nasty +
              "\n\n<p>Dear {{lead.name}}, " + nasty + "</p>$t$");
    const auto r = f.process();
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto messages = sink.wait_for_messages(1);
    REQUIRE(messages.size() == 1);
    CHECK(f.db.scalar("SELECT status FROM email_queue") == "sent");
    CHECK(f.db.scalar("SELECT status FROM campaign_runs WHERE id = " + id_literal(run)) ==
          "completed");
    // The text reached the log the web application reads as it was.
    CHECK(f.count("SELECT count(*) FROM email_log_details WHERE email_subject = $n$Hi " + nasty +
                  "$n$") == 1);
}

TEST_CASE("SQL metacharacters on every command line are refused or taken as data", "[security]") {
    ProcessFixture f;
    SmtpSink sink;
    f.add_provider("sink", sink.port());
    const auto company = f.company("sink");
    const auto run = f.queue_run(company, 2);
    const std::string inject = "x'; DROP TABLE email_queue; --";
    const std::string like = "%' OR '1'='1";
    const auto before = f.db.scalar(
        "SELECT (SELECT count(*) FROM email_queue) || ' ' || (SELECT count(*) FROM companies) "
        "|| ' ' || (SELECT count(*) FROM do_not_email) || ' ' || (SELECT count(*) FROM "
        "campaign_runs)");
    struct Call {
        std::vector<std::string> args;
        std::vector<int> allowed; // exit statuses that mean "refused cleanly" or "done"
    };
    const std::vector<Call> calls{
        {{"status", "--company", inject}, {64}},
        {{"throttle", "show", inject}, {64}},
        {{"throttle", "set", inject, "--per-hour", "5"}, {64}},
        {{"explain", inject}, {64}},
        {{"mark-sent", inject}, {64}},
        {{"priority", inject, "--set", "2"}, {64}},
        {{"retry", "--error-like", like, "--dry-run"}, {0}},
        {{"retry", "--error-like", inject}, {0}},
        {{"retry", "--company", inject}, {64}},
        {{"retry", "--since", inject}, {64}},
        {{"stats", "--since", inject}, {64}},
        {{"stats", "--company", inject}, {64}},
        {{"purge", "--older-than", inject}, {64}},
        {{"run", "list", "--company", inject}, {64}},
        {{"run", "show", inject}, {64}},
        {{"run", "pause", run.str(), "--reason", inject}, {0}},
        {{"run", "resume", run.str(), "--reason", inject}, {0}},
        {{"suppress", "add", inject + "@x.example"}, {65, 64}},
        {{"suppress", "add", "o'brien@x.example", "--reason", inject}, {0}},
        {{"suppress", "list", "--company", inject}, {64}},
        {{"suppress", "remove", "o'brien@x.example"}, {0}},
        {{"health", "--max-backlog-age", inject}, {3}}, // a Nagios check: UNKNOWN
    };
    Figures figures("security");
    for (const auto& call : calls) {
        std::string what;
        for (const auto& a : call.args) {
            what += a + " ";
        }
        const auto r = run_program("queue-admin", call.args, f.db);
        INFO("queue-admin " << what << "-> " << r.exit_code << "\n" << r.out << r.err);
        CHECK(std::find(call.allowed.begin(), call.allowed.end(), r.exit_code) !=
              call.allowed.end());
        // A syntax error would mean the text reached the SQL.
        CHECK(r.err.find("syntax error") == std::string::npos);
        figures.add("sql_metacharacter_inputs");
    }
    const auto p = f.process({"--company", inject});
    CHECK(p.exit_code == 64);
    // Nothing was dropped or changed, except what the commands were asked to do: the
    // reason recorded as given, and the --error-like pattern matched nothing.
    CHECK(f.db.scalar("SELECT (SELECT count(*) FROM email_queue) || ' ' || (SELECT count(*) "
                      "FROM companies) || ' ' || (SELECT count(*) FROM do_not_email) || ' ' || "
                      "(SELECT count(*) FROM campaign_runs)") == before);
    CHECK(f.rows_with_status("pending") == 2);
    figures.write();
}

TEST_CASE("a configuration file group or others can write is refused with 78 by every program",
          "[security]") {
    TempDir dir;
    Figures figures("security");
    for (const unsigned mode : {0664U, 0646U, 0666U, 0620U}) {
        const auto path = dir.write("emailqueue.yaml", "log:\n  level: warn\n", mode);
        for (const auto& [program, args] :
             std::vector<std::pair<std::string, std::vector<std::string>>>{
                 {"queue-process", {}},
                 {"queue-admin", {"status"}},
                 {"queue-enqueue", {"--due"}}}) {
            std::vector<std::string> argv{"--config", path};
            argv.insert(argv.end(), args.begin(), args.end());
            const auto r = run_program_without_db(program, argv);
            INFO(program << " mode " << std::oct << mode << "\n" << r.err);
            CHECK(r.exit_code == 78);
            CHECK(r.err.find(path + ": group or others can write it") != std::string::npos);
            CHECK(r.err.find("hint: chmod go-w " + path) != std::string::npos);
            figures.add("unsafe_config_files_refused");
        }
    }
    // Readable by others is fine for a file without secrets (0644, as packages install it).
    const auto path = dir.write("emailqueue.yaml", "log:\n  level: warn\n", 0644);
    CHECK(run_program_without_db("queue-admin", {"--config", path, "status"}).exit_code == 69);
    figures.write();
}

TEST_CASE("the database password is redacted wherever an error quotes it, syslog and json too",
          "[security]") {
    // libpq quotes a malformed part of a URI in its error, the password included; and an
    // invalid value of any keyword, here one holding PGPASSWORD's value.
    const std::string password = "dbsecret-%zz-7f3a\"q\\";
    const std::string pgpassword = "pgpass-0a1b2c3d";
    const std::vector<std::map<std::string, std::string>> environments{
        {{"DATABASE_URL", "postgresql://worker:" + password + "@127.0.0.1:1/emailqueue"}},
        {{"DATABASE_URL", "postgresql://127.0.0.1:1/emailqueue?sslmode=" + pgpassword},
         {"PGPASSWORD", pgpassword}}};
    Captured c;
    for (const auto& env : environments) {
        for (const auto* format : {"text", "json", "syslog"}) {
            for (const auto& [program, args] :
                 std::vector<std::pair<std::string, std::vector<std::string>>>{
                     {"queue-process", {}},
                     {"queue-admin", {"status"}},
                     {"queue-enqueue", {"--due"}}}) {
                std::vector<std::string> argv{"--log-format", format};
                argv.insert(argv.end(), args.begin(), args.end());
                const auto r = run_program_without_db(program, argv, env);
                INFO(program << " " << format << "\n" << r.err);
                CHECK(r.exit_code != 0);
                CHECK(r.err.find("[redacted]") != std::string::npos);
                c.add(program + " --log-format " + format, r);
            }
        }
    }
    for (const auto& secret : {password, std::string("dbsecret-%zz-7f3a"), pgpassword}) {
        INFO(secret);
        CHECK(c.text.find(secret) == std::string::npos);
    }
    CHECK(c.text.find("dbsecret") == std::string::npos);
    Figures figures("security");
    figures.add("secret_scan_runs", c.runs);
    figures.add("secrets_found", 0);
    figures.write();
}

TEST_CASE("the content generator inherits only its standard streams, no core limit, and cannot "
          "read queue-process's environment",
          "[security]") {
    // Two companies, two workers: while one worker runs the generator, the other holds an
    // SMTP connection open (a batch keeps one), and its own connection from the message
    // before is open too.
    SmtpSink sink;
    SmtpSink other_sink;
    ProcessFixture f;
    f.add_provider("sink", sink.port());
    f.add_provider("other", other_sink.port());
    TempDir dir;
    const auto probe = dir.write("probe.py", R"(import json, os, resource, sys
sys.stdin.read()
fds = []
for fd in range(3, 1024):
    try:
        os.fstat(fd)
        fds.append(fd)
    except OSError:
        pass
try:
    with open("/proc/%d/environ" % os.getppid(), "rb") as f:
        environ = "read %d bytes" % len(f.read())
except OSError as e:
    environ = "refused: " + e.strerror
core = resource.getrlimit(resource.RLIMIT_CORE)
with open(sys.argv[1], "a") as out:
    out.write(json.dumps({"fds": fds, "environ": environ, "core": list(core)}) + "\n")
print(json.dumps({"subject": "Hi", "body": "<p>Hi</p>"}))
)");
    const auto report = dir.file("report.jsonl");
    f.set("content", "generator", "command");
    f.set("content", "command", "'exec /usr/bin/python3 " + probe + " " + report + "'");
    f.set("processing", "concurrency", "2");
    f.queue_run(f.company("sink", "Fast Ltd", "sender@fast.example"), 3, "fast.example");
    f.queue_run(f.company("other", "Other Ltd"), 3, "other.example");
    const auto r = f.process();
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(f.rows_with_status("sent") == 6);
    std::istringstream lines(read_file(report));
    int generators = 0;
    for (std::string line; std::getline(lines, line); ++generators) {
        INFO(line);
        const auto j = Json::parse(line);
        REQUIRE(j.ok());
        CHECK(j->find("fds")->as_array().empty());
        CHECK(j->find("environ")->as_string().starts_with("refused: "));
        CHECK(j->find("core")->as_array().at(0).as_int() == 0);
    }
    CHECK(generators == 6);
    Figures figures("security");
    figures.add("generator_runs_probed", generators);
    figures.write();
}
