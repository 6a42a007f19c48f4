#include <catch2/catch.hpp>

#include "enqueue/summary.hpp"

using namespace eq;
using namespace eq::enqueue;

namespace {

RunOutcome outcome(std::int64_t queued, std::int64_t already) {
    RunOutcome o;
    o.run_id = Uuid::parse("00000000-0000-4000-8000-000000000001").value();
    o.campaign_id = Uuid::parse("00000000-0000-4000-8000-000000000002").value();
    o.company_id = Uuid::parse("00000000-0000-4000-8000-000000000003").value();
    o.campaign_name = "Spring\x1b[31m";
    o.status = "running";
    o.counts = {.queued = queued,
                .already_queued = already,
                .skipped_no_address = 1,
                .skipped_invalid_address = 2,
                .skipped_suppressed = 3,
                .skipped_deleted = 4,
                .leads_total = queued + already};
    return o;
}

} // namespace

TEST_CASE("the JSON summary has one object per run and the totals", "[summary]") {
    auto failed = outcome(0, 0);
    failed.counts = {};
    failed.status = "failed";
    failed.failure_reason = "the campaign has no template";
    failed.created = true;
    const std::vector<RunOutcome> runs{outcome(5, 1), failed};
    CHECK(
        summary_json(runs, false).dump() ==
        R"({"dry_run":false,"runs":[)"
        R"({"run_id":"00000000-0000-4000-8000-000000000001",)"
        R"("campaign_id":"00000000-0000-4000-8000-000000000002","campaign_name":"Spring\u001b[31m",)"
        R"("company_id":"00000000-0000-4000-8000-000000000003","created":false,)"
        R"("status":"running","failure_reason":null,"content_generated_at_send":false,)"
        R"("queued":5,"already_queued":1,)"
        R"("skipped_no_address":1,"skipped_invalid_address":2,"skipped_suppressed":3,)"
        R"("skipped_deleted":4,"leads_total":6},)"
        R"({"run_id":"00000000-0000-4000-8000-000000000001",)"
        R"("campaign_id":"00000000-0000-4000-8000-000000000002","campaign_name":"Spring\u001b[31m",)"
        R"("company_id":"00000000-0000-4000-8000-000000000003","created":true,)"
        R"("status":"failed","failure_reason":"the campaign has no template",)"
        R"("content_generated_at_send":false,"queued":0,)"
        R"("already_queued":0,"skipped_no_address":0,"skipped_invalid_address":0,)"
        R"("skipped_suppressed":0,"skipped_deleted":0,"leads_total":0}],)"
        R"("queued":5,"already_queued":1,"skipped_no_address":1,"skipped_invalid_address":2,)"
        R"("skipped_suppressed":3,"skipped_deleted":4,"leads_total":6,"failed_runs":1})");
}

TEST_CASE("the terminal summary names every count and hides control characters", "[summary]") {
    const std::vector<RunOutcome> runs{outcome(5, 1)};
    CHECK(summary_text(runs, false, false) ==
          "run 00000000-0000-4000-8000-000000000001 of campaign \"Spring?[31m\"\n"
          "  queued 5, 1 already queued; leads_total 6\n"
          "  skipped: 1 without address, 2 invalid address, 3 suppressed, 4 deleted\n");
    auto dry = outcome(5, 0);
    dry.run_id.reset();
    CHECK(summary_text(std::vector<RunOutcome>{dry}, true, false) ==
          "dry run: a new run of campaign \"Spring?[31m\"\n"
          "  would queue 5, 0 already queued; leads_total 5\n"
          "  skipped: 1 without address, 2 invalid address, 3 suppressed, 4 deleted\n");
}

TEST_CASE("the --due summary ends with what was started", "[summary]") {
    CHECK(summary_text({}, false, true) == "no campaign is due\n");
    auto failed = outcome(0, 0);
    failed.failure_reason = "the company has no account_password";
    const std::vector<RunOutcome> runs{outcome(2, 0), failed};
    const auto text = summary_text(runs, false, true);
    CHECK(text.find("  failed validation: the company has no account_password\n") !=
          std::string::npos);
    CHECK(text.ends_with("2 campaigns started, 1 failed validation\n"));
    const std::vector<RunOutcome> one{outcome(2, 0)};
    CHECK(summary_text(one, true, true).ends_with("1 campaign would be started\n"));
}
