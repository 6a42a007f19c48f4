// bench_enqueue_per_row CONNINFO RUN_ID
//
// The seed's way of enqueueing, for comparison with queue-enqueue's one-statement
// fan-out: read the ids of the run's company's leads that have an email address into
// the client, then queue them one by one with add_email_to_queue(), one round trip and
// one commit per lead. Prints "rows N seconds S".

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <vector>

#include "campaign/campaign.hpp"
#include "campaign/campaign_run.hpp"
#include "db/connection.hpp"
#include "queue/queue_repository.hpp"
#include "util/error.hpp"

namespace {

constexpr eq::db::Statement k_leads_with_email{
    "bench_get_leads_with_email",
    "SELECT id FROM leads WHERE company_id = $1 AND deleted_at IS NULL AND email IS NOT NULL"};

int run(int argc, char** argv) {
    using namespace eq;
    if (argc != 3) {
        std::fputs("usage: bench_enqueue_per_row CONNINFO RUN_ID\n", stderr);
        return to_int(ExitCode::usage);
    }
    auto conn = db::Connection::open(argv[1], "bench_enqueue_per_row");
    const auto run_id = Uuid::from_arg(argv[2], "RUN_ID");
    const auto run = campaign::find_campaign_run(conn, run_id);
    if (!run) {
        throw Error(ExitCode::not_found, fmt::format("no campaign run {}", run_id.str()));
    }
    const auto campaign = campaign::find_campaign(conn, run->campaign_id);
    if (!campaign) {
        throw Error(ExitCode::not_found, "the run's campaign does not exist");
    }

    const auto start = std::chrono::steady_clock::now();
    std::vector<Uuid> leads;
    for (const auto row : conn.rows(k_leads_with_email, campaign->company_id)) {
        leads.push_back(row.uuid("id"));
    }
    for (const auto& lead : leads) {
        queue::add_email_to_queue(conn, {.company_id = campaign->company_id,
                                         .campaign_id = campaign->id,
                                         .campaign_run_id = run_id,
                                         .lead_id = lead});
    }
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    std::printf("rows %zu seconds %.3f\n", leads.size(), elapsed.count());
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const eq::Error& e) {
        std::fprintf(stderr, "bench_enqueue_per_row: error: %s\n", e.what());
        return eq::to_int(e.code());
    }
}
