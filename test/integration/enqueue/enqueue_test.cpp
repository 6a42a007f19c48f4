#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "integration/enqueue/enqueue_fixture.hpp"
#include "support/programs.hpp"
#include "support/seed_data.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"
#include "util/json.hpp"

using namespace eq;
using namespace eq::test;

namespace {

std::int64_t field(const Json& j, std::string_view key) {
    const Json* v = j.find(key);
    REQUIRE(v != nullptr);
    return v->as_int();
}

const Json& only_run(const Json& summary) {
    const auto& runs = summary.find("runs")->as_array();
    REQUIRE(runs.size() == 1);
    return runs.front();
}

} // namespace

TEST_CASE("queue-enqueue --run queues one pending row per valid lead and starts the run",
          "[enqueue]") {
    EnqueueFixture f;
    const auto a = f.lead("ann@globex.example");
    const auto b = f.lead("bob@globex.example");
    const auto c = f.lead("cat@globex.example");
    const auto r = f.enqueue_run();
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.empty()); // quiet off a terminal
    CHECK(r.err.empty());
    CHECK(f.rows() == 3);
    CHECK(f.db.count(fmt::format(
              "SELECT count(*) FROM email_queue WHERE status = 'pending' AND priority = 1"
              " AND retry_count = 0 AND company_id = '{}' AND campaign_id = '{}'"
              " AND campaign_run_id = '{}' AND lead_id IN ('{}', '{}', '{}')"
              " AND scheduled_for <= now() AND scheduled_for > now() - interval '1 minute'",
              f.company.str(), f.campaign.str(), f.run.str(), a.str(), b.str(), c.str())) == 3);
    CHECK(f.run_field("status") == "running");
    CHECK(f.run_field("leads_total") == "3");
    CHECK(f.run_field("failure_reason").empty());
    CHECK(f.db.scalar(fmt::format("SELECT control || ' ' || (enqueued_at IS NOT NULL)"
                                  " FROM email_queue_runs WHERE campaign_run_id = '{}'",
                                  f.run.str())) == "active true");
}

TEST_CASE("a second queue-enqueue of a run adds nothing and reports already queued", "[enqueue]") {
    EnqueueFixture f;
    for (int i = 0; i < 3; ++i) {
        f.lead(fmt::format("lead{}@globex.example", i));
    }
    const auto first = parse_json(f.enqueue_run({"--json"}));
    CHECK(field(first, "queued") == 3);
    CHECK(field(first, "already_queued") == 0);
    const auto enqueued_at = f.db.scalar("SELECT enqueued_at FROM email_queue_runs");

    const auto again = f.enqueue_run({"--json"});
    CHECK(again.exit_code == 0);
    const auto second = parse_json(again);
    CHECK(field(second, "queued") == 0);
    CHECK(field(second, "already_queued") == 3);
    CHECK(field(second, "leads_total") == 3);
    CHECK(f.rows() == 3);
    CHECK(f.run_field("leads_total") == "3");
    // enqueued_at says when the run was first fanned out.
    CHECK(f.db.scalar("SELECT enqueued_at FROM email_queue_runs") == enqueued_at);

    // A lead added since is queued by the next run, and only it.
    f.lead("late@globex.example");
    const auto third = parse_json(f.enqueue_run({"--json"}));
    CHECK(field(third, "queued") == 1);
    CHECK(field(third, "already_queued") == 3);
    CHECK(field(third, "leads_total") == 4);
    CHECK(f.rows() == 4);
    CHECK(f.run_field("leads_total") == "4");
}

TEST_CASE("every lead that is not queued is counted under its reason", "[enqueue]") {
    EnqueueFixture f;
    const auto other = insert_company(f.conn, {.name = "Other Co"});
    const auto ok1 = f.lead("ann@globex.example");
    const auto ok2 = f.lead("Carl.O'Neil+news@Sub.Globex.Example");
    // Suppressed only for another company: queued here.
    const auto ok3 = f.lead("other-list@globex.example");
    f.lead(std::nullopt);
    f.lead("");
    f.lead("   ");
    f.lead("no-at-sign.example");
    f.lead("two words@globex.example");
    f.lead("dot.@globex.example");
    f.lead("ann@localhost");
    f.lead("zoë@globex.example");
    f.lead("Bob@Globex.example"); // suppressed for this company, in another case
    f.lead("eve@globex.example"); // suppressed everywhere
    f.db.exec(fmt::format("INSERT INTO do_not_email (email, reason, company_id) VALUES"
                          " ('bob@globex.EXAMPLE', 'unsubscribed', '{}'),"
                          " ('EVE@globex.example', 'bounced', NULL),"
                          " ('other-list@globex.example', 'unsubscribed', '{}')",
                          f.company.str(), other.str()));
    const auto deleted = f.lead("gone@globex.example");
    const auto deleted_blank = f.lead(std::nullopt);
    f.db.exec(fmt::format("UPDATE leads SET deleted_at = now() WHERE id IN ('{}', '{}')",
                          deleted.str(), deleted_blank.str()));
    // Another company's leads are never this run's.
    insert_lead(f.conn, other, "stranger@globex.example");

    const auto r = f.enqueue_run({"--json"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto j = parse_json(r);
    const auto& run = only_run(j);
    CHECK(field(run, "queued") == 3);
    CHECK(field(run, "already_queued") == 0);
    CHECK(field(run, "skipped_no_address") == 3);
    CHECK(field(run, "skipped_invalid_address") == 5);
    CHECK(field(run, "skipped_suppressed") == 2);
    CHECK(field(run, "skipped_deleted") == 2);
    CHECK(field(run, "leads_total") == 3);
    CHECK(f.db.count(fmt::format("SELECT count(*) FROM email_queue WHERE lead_id IN"
                                 " ('{}', '{}', '{}')",
                                 ok1.str(), ok2.str(), ok3.str())) == 3);
    CHECK(f.rows() == 3);
}

TEST_CASE("queue-enqueue --at and --priority are stored on every new row", "[enqueue]") {
    EnqueueFixture f;
    f.lead("ann@globex.example");
    f.lead("bob@globex.example");
    const auto r = f.enqueue_run({"--at", "2031-01-02T03:04:05+02:00", "--priority", "7"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(f.db.count("SELECT count(*) FROM email_queue WHERE priority = 7"
                     " AND scheduled_for = '2031-01-02 01:04:05+00'") == 2);
}

TEST_CASE("queue-enqueue --dry-run counts and changes nothing", "[enqueue]") {
    EnqueueFixture f;
    f.lead("ann@globex.example");
    f.lead("bob@globex.example");
    f.lead("not an address");
    const auto runs_before = f.db.count("SELECT count(*) FROM campaign_runs");

    SECTION("of a run") {
        const auto r = f.enqueue_run({"--dry-run", "--json"});
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        const auto j = parse_json(r);
        CHECK(j.find("dry_run")->as_bool());
        CHECK(field(j, "queued") == 2);
        CHECK(field(j, "skipped_invalid_address") == 1);
        CHECK(only_run(j).find("status")->as_string() == "running");
        // Off a terminal a dry run still prints its counts: that is all it is for.
        const auto text = f.enqueue_run({"--dry-run"});
        CHECK(text.exit_code == 0);
        CHECK(text.out.find("would queue 2, 0 already queued") != std::string::npos);
    }
    SECTION("of a new run of the campaign") {
        const auto r = f.enqueue({"--campaign", f.campaign.str(), "--dry-run", "--json"});
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        const auto j = parse_json(r);
        const auto& run = only_run(j);
        CHECK(run.find("run_id")->is_null());
        CHECK(run.find("created")->as_bool());
        CHECK(field(run, "queued") == 2);
    }
    SECTION("of a run that would fail validation") {
        f.db.exec("UPDATE companies SET account_password = NULL");
        const auto r = f.enqueue_run({"--dry-run"});
        CHECK(r.exit_code == 65);
        CHECK(r.err.find("would fail validation: the company has no account_password") !=
              std::string::npos);
        CHECK(r.err.find("hint: dry run: nothing was changed") != std::string::npos);
    }
    CHECK(f.rows() == 0);
    CHECK(f.run_field("status") == "idle");
    CHECK(f.run_field("leads_total") == "0");
    CHECK(f.db.count("SELECT count(*) FROM email_queue_runs") == 0);
    CHECK(f.db.count("SELECT count(*) FROM campaign_runs") == runs_before);
}

TEST_CASE("queue-enqueue --campaign creates a run, fans it out and prints its id", "[enqueue]") {
    EnqueueFixture f;
    f.lead("ann@globex.example");
    f.lead("bob@globex.example");
    const auto r = f.enqueue({"--campaign", f.campaign.str()});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE(r.out.size() == 37);
    const auto id = Uuid::parse(r.out.substr(0, 36));
    REQUIRE(id.ok());
    CHECK(r.out.back() == '\n');
    CHECK(f.db.scalar(fmt::format("SELECT campaign_id || ' ' || status || ' ' || leads_total"
                                  " FROM campaign_runs WHERE id = '{}'",
                                  id->str())) == f.campaign.str() + " running 2");
    CHECK(f.db.count(fmt::format("SELECT count(*) FROM email_queue WHERE campaign_run_id = '{}'",
                                 id->str())) == 2);
    // A run started by hand leaves the scheduled start alone.
    CHECK(f.db.scalar("SELECT auto_run_triggered FROM campaigns") == "f");
    // The existing idle run is not touched.
    CHECK(f.run_field("status") == "idle");

    const auto j = parse_json(f.enqueue({"--campaign", f.campaign.str(), "--json"}));
    const auto& run = only_run(j);
    CHECK(run.find("created")->as_bool());
    CHECK(run.find("run_id")->as_string() != id->str());
    CHECK(field(run, "queued") == 2);
}

namespace {

struct InvalidCase {
    const char* what;
    const char* setup;  // SQL that makes the campaign or its company unusable
    const char* reason; // part of the failure_reason it gives
};

} // namespace

TEST_CASE("a run that fails validation is marked failed with its reason and exits 65",
          "[enqueue]") {
    const std::vector<InvalidCase> cases{
        {"not an email campaign", "UPDATE campaigns SET type = 'linkedin'",
         "the campaign's type is 'linkedin', not 'email'"},
        {"no template", "UPDATE campaigns SET template = NULL", "the campaign has no template"},
        {"blank template", "UPDATE campaigns SET template = '  '", "the campaign has no template"},
        {"no subject line", "UPDATE campaigns SET template = E'Hello\\n\\nbody'",
         "template line 1: the template must start with a 'Subject: ...' line"},
        {"empty subject", "UPDATE campaigns SET template = E'Subject:  \\n\\nbody'",
         "template line 1: the subject line is empty"},
        {"no body", "UPDATE campaigns SET template = 'Subject: Hi'",
         "template line 1: the template has a subject but no body"},
        {"unknown placeholder",
         "UPDATE campaigns SET template = E'Subject: Hi {{lead.frist_name}}\\n\\nbody'",
         "template line 1: unknown placeholder {{lead.frist_name}}; did you mean "
         "{{lead.first_name}}?"},
        {"no account email", "UPDATE companies SET account_email = NULL",
         "the company has no account_email"},
        {"invalid account email", "UPDATE companies SET account_email = 'jack at acme'",
         "the company's account_email 'jack at acme' is not a valid address: "},
        {"no password", "UPDATE companies SET account_password = ''",
         "the company has no account_password"},
        {"no provider", "UPDATE companies SET account_type = NULL",
         "the company has no account_type"},
        {"unknown provider", "UPDATE companies SET account_type = 'aol'",
         "the company's account_type 'aol' is not a configured SMTP provider (known: gmail, "
         "outlook, yahoo)"},
    };
    // One database; each case gets a company, campaign and run of its own (the setup
    // statements also touch the earlier ones, whose runs have failed already).
    EnqueueFixture f;
    for (const auto& c : cases) {
        INFO(c.what);
        const auto company = insert_company(f.conn, {.name = c.what});
        const auto run = insert_run(f.conn, insert_campaign(f.conn, company));
        insert_lead(f.conn, company, "ann@globex.example");
        f.db.exec(c.setup);
        const auto r = f.enqueue({"--run", run.str(), "--json"});
        CHECK(r.exit_code == 65);
        CHECK(r.err.find(
                  fmt::format("queue-enqueue: error: run {} failed validation: ", run.str())) == 0);
        CHECK(r.err.find(c.reason) != std::string::npos);
        CHECK(r.err.find("hint: the run is marked failed") != std::string::npos);
        CHECK(r.err.find("gAAAA") == std::string::npos); // the password token never shows
        // --json still describes what happened.
        const auto j = parse_json(r);
        const auto& out = only_run(j);
        CHECK(out.find("status")->as_string() == "failed");
        CHECK(out.find("failure_reason")->as_string().find(c.reason) != std::string::npos);
        CHECK(f.db.scalar(fmt::format("SELECT status || ': ' || failure_reason"
                                      " FROM campaign_runs WHERE id = '{}'",
                                      run.str()))
                  .find("failed: " + std::string(c.reason)) == 0);
    }
    CHECK(f.rows() == 0);
    CHECK(f.db.count("SELECT count(*) FROM email_queue_runs") == 0);
}

TEST_CASE("every validation problem is named in failure_reason", "[enqueue]") {
    EnqueueFixture f;
    f.db.exec("UPDATE campaigns SET template = NULL;"
              "UPDATE companies SET account_password = NULL, account_type = 'aol'");
    const auto r = f.enqueue({"--campaign", f.campaign.str()});
    CHECK(r.exit_code == 65);
    CHECK(r.out.empty());
    const auto reason = f.db.scalar("SELECT failure_reason FROM campaign_runs"
                                    " WHERE status = 'failed'");
    CHECK(reason.find("the campaign has no template; the company has no account_password; "
                      "the company's account_type 'aol' is not a configured SMTP provider") == 0);
    CHECK(r.err.find(reason) != std::string::npos);
}

TEST_CASE("a provider defined in the configuration is a known account type", "[enqueue]") {
    EnqueueFixture f;
    f.lead("ann@globex.example");
    f.db.exec("UPDATE companies SET account_type = 'Mailhost'");
    TempDir dir;
    const auto cfg = dir.write("emailqueue.yaml",
                               "smtp:\n  providers:\n    mailhost:\n      host: mail.acme.example\n"
                               "      port: 587\n      security: starttls\n",
                               0644);
    const auto without = f.enqueue_run({"--dry-run"});
    CHECK(without.exit_code == 65);
    const auto with = f.enqueue_run({"--config", cfg});
    INFO(with.err);
    CHECK(with.exit_code == 0);
    CHECK(f.rows() == 1);
}

TEST_CASE("a run with queue rows that fails validation keeps its status and rows", "[enqueue]") {
    EnqueueFixture f;
    f.lead("ann@globex.example");
    REQUIRE(f.enqueue_run().exit_code == 0);
    f.lead("bob@globex.example");
    f.db.exec("UPDATE companies SET account_password = NULL");
    const auto r = f.enqueue_run();
    CHECK(r.exit_code == 65);
    CHECK(r.err.find("cannot be fanned out: the company has no account_password") !=
          std::string::npos);
    CHECK(r.err.find("hint: the run stays running") != std::string::npos);
    CHECK(f.run_field("status") == "running");
    CHECK(f.run_field("failure_reason").empty());
    CHECK(f.rows() == 1);

    // Status alone does not protect a run: one marked running but never fanned out
    // (no rows) is failed like an idle one.
    const auto fresh = insert_run(f.conn, f.campaign, "running");
    const auto second = f.enqueue({"--run", fresh.str()});
    CHECK(second.exit_code == 65);
    CHECK(second.err.find("failed validation") != std::string::npos);
    CHECK(f.db.scalar(fmt::format("SELECT status FROM campaign_runs WHERE id = '{}'",
                                  fresh.str())) == "failed");
}

TEST_CASE("a completed, failed or cancelled run is refused with exit 67", "[enqueue]") {
    EnqueueFixture f;
    f.lead("ann@globex.example");
    SECTION("completed") {
        f.db.exec("UPDATE campaign_runs SET status = 'completed'");
        const auto r = f.enqueue_run();
        CHECK(r.exit_code == 67);
        CHECK(r.err.find(fmt::format("run {} is already completed", f.run.str())) !=
              std::string::npos);
        CHECK(r.err.find(fmt::format("hint: start a new run with 'queue-enqueue --campaign {}'",
                                     f.campaign.str())) != std::string::npos);
    }
    SECTION("failed") {
        f.db.exec("UPDATE campaign_runs SET status = 'failed', failure_reason = 'smtp down'");
        const auto r = f.enqueue_run();
        CHECK(r.exit_code == 67);
        CHECK(r.err.find(fmt::format("run {} has failed: smtp down", f.run.str())) !=
              std::string::npos);
    }
    SECTION("cancelled") {
        f.db.exec(fmt::format("INSERT INTO email_queue_runs (campaign_run_id, control)"
                              " VALUES ('{}', 'cancelled')",
                              f.run.str()));
        const auto r = f.enqueue_run({"--dry-run"});
        CHECK(r.exit_code == 67);
        CHECK(r.err.find(fmt::format("run {} was cancelled", f.run.str())) != std::string::npos);
        CHECK(f.enqueue_run().exit_code == 67);
    }
    CHECK(f.rows() == 0);
}

TEST_CASE("bad input gets a clear error, its exit code, and changes nothing", "[enqueue]") {
    EnqueueFixture f;
    f.lead("ann@globex.example");
    struct Case {
        std::vector<std::string> args;
        int code;
        std::string message;
    };
    const auto unknown = Uuid::random().str();
    const std::vector<Case> cases{
        {{"--run", "12345"}, 64, "--run: malformed UUID '12345'"},
        {{"--campaign", "not-a-uuid"}, 64, "--campaign: malformed UUID 'not-a-uuid'"},
        {{"--run", unknown}, 66, "no campaign run " + unknown},
        {{"--campaign", unknown}, 66, "no campaign " + unknown},
        {{"--run", f.run.str(), "--at", "tomorrow"}, 64, "--at: cannot parse time 'tomorrow'"},
        {{"--run", f.run.str(), "--at", "2031-01-02T03:04:05"}, 64, "--at: "},
        {{"--run", f.run.str(), "--priority", "-1"}, 64, "--priority: -1 is negative"},
        {{"--run", f.run.str(), "--priority", "high"}, 64, "--priority: 'high' is not a whole"},
        {{}, 64, "one of --run, --campaign or --due is required"},
        {{"--run", f.run.str(), "--due"}, 64, "--run and --due cannot be used together"},
        {{"--due", "--campaign", f.campaign.str()},
         64,
         "--campaign and --due cannot be used together"},
    };
    for (const auto& c : cases) {
        INFO(fmt::format("{}", fmt::join(c.args, " ")));
        const auto r = f.enqueue(c.args);
        INFO(r.err);
        CHECK(r.exit_code == c.code);
        CHECK(r.err.find("queue-enqueue: error: " + c.message) == 0);
        CHECK(r.out.empty());
    }
    CHECK(f.rows() == 0);
    CHECK(f.run_field("status") == "idle");
    CHECK(f.db.count("SELECT count(*) FROM campaign_runs") == 1);

    const auto down = run_program_without_db("queue-enqueue", {"--run", f.run.str()});
    CHECK(down.exit_code == 69);
    CHECK(down.err.find("queue-enqueue: error: cannot connect to the database") == 0);
}

TEST_CASE("on a terminal queue-enqueue prints a summary of every count", "[enqueue]") {
    EnqueueFixture f;
    f.lead("ann@globex.example");
    f.lead(std::nullopt);
    f.lead("bad address@globex.example");
    // script(1) gives the program a terminal for stdout and stderr.
    const auto command = fmt::format("{} --run {}", program_path("queue-enqueue"), f.run.str());
    RunOptions options;
    options.env = f.db.env();
    const auto r = run_process({"/usr/bin/script", "-qec", command, "/dev/null"}, options);
    INFO(r.out);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find(fmt::format("run {} of campaign \"Spring outreach\"", f.run.str())) !=
          std::string::npos);
    CHECK(r.out.find("queued 1, 0 already queued; leads_total 1") != std::string::npos);
    CHECK(r.out.find("skipped: 1 without address, 1 invalid address, 0 suppressed, 0 deleted") !=
          std::string::npos);
    CHECK(f.rows() == 1);
}
