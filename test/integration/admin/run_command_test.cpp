#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "integration/admin/admin_fixture.hpp"

using namespace eq;
using namespace eq::test;

namespace {

std::string run_field(AdminFixture& f, const Uuid& run, const std::string& column) {
    return f.db.scalar(
        fmt::format("SELECT {} FROM campaign_runs WHERE id = '{}'", column, run.str()));
}

std::string control_of(AdminFixture& f, const Uuid& run) {
    return f.db.scalar(fmt::format(
        "SELECT COALESCE((SELECT control FROM email_queue_runs WHERE campaign_run_id = '{}'),"
        " 'active')",
        run.str()));
}

} // namespace

TEST_CASE("run list and run show give progress, status and times", "[admin][run]") {
    AdminFixture f;
    f.db.exec(
        fmt::format("UPDATE campaign_runs SET leads_total = 10 WHERE id = '{}'", f.run.str()));
    f.add_rows(4, {.status = "sent", .processed_ago = 60});
    f.add_row({.status = "failed", .processed_ago = 60});
    f.add_row({.status = "skipped", .processed_ago = 60});
    f.add_rows(3, {.status = "pending"});
    const auto done = f.new_run("completed");
    const auto j = f.json({"run", "list"});
    const auto& runs = j.find("runs")->as_array();
    REQUIRE(runs.size() == 2);
    CHECK_FALSE(j.find("truncated")->as_bool());
    const auto show = f.json({"run", "show", f.run.str()});
    CHECK(keys(show) == std::vector<std::string>{
                            "run_id", "campaign_id", "campaign_name", "company_id", "company_name",
                            "status", "control", "control_reason", "control_changed_at",
                            "failure_reason", "leads_total", "leads_processed", "counts", "run_at",
                            "started_at", "completed_at", "waiting_for"});
    const auto& counts = *show.find("counts");
    CHECK(counts.find("sent")->as_int() == 4);
    CHECK(counts.find("failed")->as_int() == 1);
    CHECK(counts.find("skipped")->as_int() == 1);
    CHECK(counts.find("pending")->as_int() == 3);
    CHECK(show.find("control")->as_string() == "active");
    CHECK(show.find("leads_total")->as_int() == 10);
    const auto active = f.json({"run", "list", "--active"});
    REQUIRE(active.find("runs")->as_array().size() == 1);
    CHECK(active.find("runs")->as_array()[0].find("run_id")->as_string() == f.run.str());
    const auto limited = f.json({"run", "list", "--limit", "1"});
    CHECK(limited.find("runs")->as_array().size() == 1);
    CHECK(limited.find("truncated")->as_bool());
    const auto text = f.admin({"run", "show", f.run.str()});
    CHECK(text.out.find("progress   [") != std::string::npos);
    CHECK(text.out.find("done       4 sent, 1 failed, 1 skipped, 0 cancelled") !=
          std::string::npos);
    CHECK(text.out.find("queued     3 pending, 0 processing, 0 held") != std::string::npos);
    const auto list_text = f.admin({"run", "list", "--company", f.company.str()});
    CHECK(list_text.out.find(f.run.str().substr(0, 8)) != std::string::npos);
    CHECK(list_text.out.find(done.str().substr(0, 8)) != std::string::npos);
    CHECK(f.admin({"run", "show", Uuid::random().str()}).exit_code == 66);
    CHECK(f.admin({"run", "list", "--company", Uuid::random().str()}).exit_code == 66);
    CHECK(f.admin({"run", "list", "--limit=-1"}).exit_code == 64);
}

TEST_CASE("pause and resume a run, and asking twice is no error", "[admin][run]") {
    AdminFixture f;
    f.add_rows(2);
    const auto j = f.json({"run", "pause", f.run.str(), "--reason", "client asked"});
    CHECK(keys(j) == std::vector<std::string>{"run_id", "control", "changed", "control_reason",
                                              "control_changed_at", "rows_cancelled"});
    CHECK(j.find("control")->as_string() == "paused");
    CHECK(j.find("changed")->as_bool());
    CHECK(control_of(f, f.run) == "paused");
    CHECK(run_field(f, f.run, "status") == "running"); // the application's value is kept
    CHECK_FALSE(f.json({"run", "pause", f.run.str()}).find("changed")->as_bool());
    const auto status = f.json({"status"}).find("companies")->as_array()[0];
    CHECK(status.find("paused")->as_int() == 2);
    CHECK(status.find("due_now")->as_int() == 0);
    const auto r = f.json({"run", "resume", f.run.str()});
    CHECK(r.find("control")->as_string() == "active");
    CHECK(control_of(f, f.run) == "active");
    CHECK(f.admin({"run", "resume", f.run.str()}).exit_code == 0);
}

TEST_CASE("cancel is final: pending rows are kept as cancelled, the run shows failed",
          "[admin][run]") {
    AdminFixture f;
    const auto pending = f.add_rows(3);
    const auto sent = f.add_row({.status = "sent", .processed_ago = 60});
    // Claimed by a running queue-process: one not yet started (it is cancelled, and the
    // sender's start mark will find it gone), one already handed to the SMTP server.
    const auto claimed = f.add_row({.status = "processing", .lease_in = 60});
    const auto in_flight = f.add_row({.status = "processing", .lease_in = 60});
    f.db.exec("UPDATE email_queue SET send_started_at = now() WHERE id = '" + in_flight.str() +
              "'");
    const auto j = f.json({"run", "cancel", f.run.str(), "--reason", "wrong list"});
    CHECK(j.find("rows_cancelled")->as_int() == 4);
    for (const auto& id : pending) {
        CHECK(f.status_of(id) == "cancelled");
    }
    CHECK(f.status_of(claimed) == "cancelled");
    CHECK(f.status_of(sent) == "sent");
    CHECK(f.status_of(in_flight) == "processing");
    CHECK(f.db.count("SELECT count(*) FROM email_queue") == 6);
    CHECK(run_field(f, f.run, "status") == "failed");
    CHECK(run_field(f, f.run, "failure_reason") == "cancelled by operator: wrong list");
    CHECK(control_of(f, f.run) == "cancelled");
    CHECK_FALSE(f.json({"run", "cancel", f.run.str()}).find("changed")->as_bool());

    const auto resume = f.admin({"run", "resume", f.run.str()});
    CHECK(resume.exit_code == 67);
    CHECK(resume.err.find("cannot resume campaign run") != std::string::npos);
    CHECK(resume.err.find("a cancelled run is final") != std::string::npos);
    CHECK(f.admin({"run", "pause", f.run.str()}).exit_code == 67);
    CHECK(control_of(f, f.run) == "cancelled");
}

TEST_CASE("run control refuses unknown, malformed and finished runs", "[admin][run]") {
    AdminFixture f;
    const auto done = f.new_run("completed");
    f.add_row_for(f.company, f.campaign, done, {.status = "sent", .processed_ago = 60});
    const auto r = f.admin({"run", "pause", done.str()});
    CHECK(r.exit_code == 67);
    CHECK(r.err.find("it is completed and has nothing pending") != std::string::npos);
    CHECK(f.admin({"run", "cancel", done.str()}).exit_code == 67);
    CHECK(run_field(f, done, "status") == "completed");
    CHECK(f.admin({"run", "pause", Uuid::random().str()}).exit_code == 66);
    CHECK(f.admin({"run", "cancel", "xyz"}).exit_code == 64);
    CHECK(f.db.count("SELECT count(*) FROM email_queue_runs") == 0);
}
