#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "integration/admin/admin_fixture.hpp"

using namespace eq;
using namespace eq::test;

namespace {

std::string field(AdminFixture& f, const Uuid& row, const std::string& column) {
    return f.db.scalar(
        fmt::format("SELECT {} FROM email_queue WHERE id = '{}'", column, row.str()));
}

} // namespace

TEST_CASE("priority reorders a run's pending rows or one lead's row", "[admin][priority]") {
    AdminFixture f;
    const auto rows = f.add_rows(3);
    const auto sent = f.add_row({.status = "sent", .processed_ago = 10});
    const auto j = f.json({"priority", f.run.str(), "--set", "5"});
    CHECK(keys(j) == std::vector<std::string>{"run_id", "lead_id", "priority", "rows_updated"});
    CHECK(j.find("rows_updated")->as_int() == 3);
    CHECK(field(f, rows[0], "priority") == "5");
    CHECK(field(f, sent, "priority") == "1");
    const auto lead = Uuid::parse(field(f, rows[1], "lead_id"));
    REQUIRE(lead.ok());
    const auto one =
        f.json({"priority", "--lead", lead->str(), "--run", f.run.str(), "--set", "9"});
    CHECK(one.find("rows_updated")->as_int() == 1);
    CHECK(field(f, rows[1], "priority") == "9");
    CHECK(field(f, rows[2], "priority") == "5");

    const auto sent_lead = Uuid::parse(field(f, sent, "lead_id"));
    const auto conflict =
        f.admin({"priority", "--lead", sent_lead->str(), "--run", f.run.str(), "--set", "3"});
    CHECK(conflict.exit_code == 67);
    CHECK(conflict.err.find("only pending rows") != std::string::npos);
    CHECK(f.admin({"priority", "--lead", Uuid::random().str(), "--run", f.run.str(), "--set", "3"})
              .exit_code == 66);
    CHECK(f.admin({"priority", f.run.str(), "--set=-1"}).exit_code == 64);
    CHECK(f.admin({"priority", Uuid::random().str(), "--set", "2"}).exit_code == 66);
    CHECK(f.admin({"priority", "--set", "2"}).exit_code == 64);
    CHECK(field(f, rows[0], "priority") == "5");
}

TEST_CASE("retry re-drives failed rows with their retries reset", "[admin][retry]") {
    AdminFixture f;
    const auto timeout = f.add_row({.status = "failed",
                                    .processed_ago = 60,
                                    .retry_count = 3,
                                    .error = "Connection timed out"});
    const auto rejected = f.add_row({.status = "failed",
                                     .processed_ago = 60,
                                     .retry_count = 1,
                                     .error = "550 5.1.1 user unknown"});
    const auto old = f.add_row({.status = "failed",
                                .processed_ago = 86400 * 3,
                                .retry_count = 3,
                                .error = "connection timed out"});
    f.db.exec(
        fmt::format("UPDATE campaign_runs SET status = 'completed' WHERE id = '{}'", f.run.str()));

    const auto dry = f.json({"retry", "--error-like", "TIMED OUT", "--dry-run"});
    CHECK(keys(dry) ==
          std::vector<std::string>{"dry_run", "status", "since", "rows", "runs_reopened"});
    CHECK(dry.find("rows")->as_int() == 2);
    CHECK(f.status_of(timeout) == "failed");

    const auto j = f.json({"retry", "--error-like", "timed out", "--since", "1d"});
    CHECK(j.find("rows")->as_int() == 1);
    CHECK(j.find("runs_reopened")->as_int() == 1);
    CHECK(f.status_of(timeout) == "pending");
    CHECK(field(f, timeout, "retry_count") == "0");
    CHECK(field(f, timeout, "processed_at").empty());
    CHECK(f.status_of(rejected) == "failed");
    CHECK(f.status_of(old) == "failed");
    CHECK(f.db.scalar(fmt::format("SELECT status FROM campaign_runs WHERE id = '{}'",
                                  f.run.str())) == "running");

    const auto all = f.json({"retry", "--company", f.company.str(), "--run", f.run.str()});
    CHECK(all.find("rows")->as_int() == 2);
    CHECK(f.admin({"retry", "--since", "yesterday"}).exit_code == 64);
    CHECK(f.admin({"retry", "--status", "sent"}).exit_code == 64);
    CHECK(f.admin({"retry", "--run", Uuid::random().str()}).exit_code == 66);
    CHECK(f.admin({"retry", "--company", "nope"}).exit_code == 64);
}

TEST_CASE("retry of held rows needs --status held, and rows of cancelled runs stay",
          "[admin][retry]") {
    AdminFixture f;
    const auto held =
        f.add_row({.status = "held", .processed_ago = 60, .error = "timeout after DATA"});
    const auto cancelled_run = f.new_run();
    const auto other = f.add_row_for(f.company, f.campaign, cancelled_run,
                                     {.status = "failed", .processed_ago = 60});
    f.admin({"run", "cancel", cancelled_run.str()});
    CHECK(f.json({"retry"}).find("rows")->as_int() == 0);
    CHECK(f.status_of(held) == "held");
    CHECK(f.status_of(other) == "failed");
    CHECK(f.json({"retry", "--status", "held"}).find("rows")->as_int() == 1);
    CHECK(f.status_of(held) == "pending");
}

TEST_CASE("mark-sent confirms held rows, all or none", "[admin][mark-sent]") {
    AdminFixture f;
    const auto a = f.add_row({.status = "held", .processed_ago = 30});
    const auto b = f.add_row({.status = "held", .processed_ago = 30});
    const auto pending = f.add_row();
    const auto conflict = f.admin({"mark-sent", a.str(), pending.str()});
    CHECK(conflict.exit_code == 67);
    CHECK(conflict.err.find("is pending, not held") != std::string::npos);
    CHECK(f.status_of(a) == "held");
    CHECK(f.admin({"mark-sent", a.str(), Uuid::random().str()}).exit_code == 66);
    CHECK(f.admin({"mark-sent", "zzz"}).exit_code == 64);
    CHECK(f.status_of(a) == "held");
    const auto processed = field(f, a, "processed_at");
    const auto j = f.json({"mark-sent", a.str(), b.str()});
    CHECK(j.find("marked_sent")->as_array().size() == 2);
    CHECK(f.status_of(a) == "sent");
    CHECK(f.status_of(b) == "sent");
    CHECK(field(f, a, "processed_at") == processed);
    CHECK(f.db.scalar(fmt::format("SELECT leads_processed FROM campaign_runs WHERE id = '{}'",
                                  f.run.str())) == "2");
}

TEST_CASE("purge deletes old finished rows of finished runs in chunks", "[admin][purge]") {
    AdminFixture f;
    constexpr double k_day = 86400;
    f.db.exec(
        fmt::format("UPDATE campaign_runs SET status = 'completed' WHERE id = '{}'", f.run.str()));
    // 2,500 old rows: three chunks of at most 1,000.
    f.db.exec(fmt::format(
        "INSERT INTO leads (company_id, email) SELECT '{0}', 'bulk' || g || '@example.com'"
        " FROM generate_series(1, 2500) g;"
        "INSERT INTO email_queue (company_id, campaign_id, campaign_run_id, lead_id, status,"
        " processed_at, created_at) SELECT '{0}', '{1}', '{2}', l.id, 'sent',"
        " now() - interval '40 days', now() - interval '41 days' FROM leads l"
        " WHERE l.email LIKE 'bulk%'",
        f.company.str(), f.campaign.str(), f.run.str()));
    const auto recent = f.add_row({.status = "sent", .processed_ago = 2 * k_day});
    const auto live_run = f.new_run();
    const auto old_of_live = f.add_row_for(f.company, f.campaign, live_run,
                                           {.status = "failed", .processed_ago = 40 * k_day});
    f.add_row_for(f.company, f.campaign, live_run, {.status = "pending"});

    const auto dry = f.json({"purge", "--older-than", "30d", "--dry-run"});
    CHECK(keys(dry) ==
          std::vector<std::string>{"dry_run", "older_than_seconds", "cutoff", "rows", "chunks"});
    CHECK(dry.find("rows")->as_int() == 2500);
    CHECK(f.db.count("SELECT count(*) FROM email_queue") == 2503);
    const auto j = f.json({"purge", "--older-than", "30d"});
    CHECK(j.find("rows")->as_int() == 2500);
    CHECK(j.find("chunks")->as_int() == 3);
    CHECK(f.db.count("SELECT count(*) FROM email_queue") == 3);
    CHECK(f.status_of(recent) == "sent");
    CHECK(f.status_of(old_of_live) == "failed");

    const auto short_age = f.admin({"purge", "--older-than", "2h"});
    CHECK(short_age.exit_code == 64);
    CHECK(short_age.err.find("less than 24 hours") != std::string::npos);
    CHECK(f.admin({"purge", "--older-than", "30"}).exit_code == 64);
    CHECK(f.admin({"purge"}).exit_code == 64);
    CHECK(f.db.count("SELECT count(*) FROM email_queue") == 3);
}

TEST_CASE("purge and retry refuse durations too large to subtract from now, changing nothing",
          "[admin][purge][retry]") {
    AdminFixture f;
    f.db.exec(
        fmt::format("UPDATE campaign_runs SET status = 'completed' WHERE id = '{}'", f.run.str()));
    const auto sent = f.add_row({.status = "sent", .processed_ago = 40 * 86400.0});
    const auto failed = f.add_row({.status = "failed",
                                   .processed_ago = 40 * 86400.0,
                                   .retry_count = 3,
                                   .error = "connection timed out"});
    // 20,000,000 weeks is 1.2e19 microseconds: before the bound, now - that wrapped round
    // to a cutoff in year 6665, which passed the 24-hour guard and purged everything.
    for (const auto* age : {"20000000w", "5300w", "36501d", "100000000w99999999w"}) {
        INFO(age);
        const auto purge = f.admin({"purge", "--older-than", age});
        CHECK(purge.exit_code == 64);
        CHECK(purge.err.find("is too large") != std::string::npos);
        const auto retry = f.admin({"retry", "--since", age});
        CHECK(retry.exit_code == 64);
        CHECK(retry.err.find("is too large") != std::string::npos);
    }
    CHECK(f.admin({"retry", "--since", "0000-01-01T00:00:00Z"}).exit_code == 64);
    CHECK(f.db.count("SELECT count(*) FROM email_queue") == 2);
    CHECK(f.status_of(sent) == "sent");
    CHECK(f.status_of(failed) == "failed");
    CHECK(field(f, failed, "retry_count") == "3");
    // The largest duration taken still works.
    CHECK(f.json({"purge", "--older-than", "36500d", "--dry-run"}).find("rows")->as_int() == 0);
}
