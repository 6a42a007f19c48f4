#include "enqueue/enqueue_run.hpp"

#include <fmt/format.h>

#include "campaign/campaign.hpp"
#include "campaign/campaign_run.hpp"
#include "campaign/company_account.hpp"
#include "config/config.hpp"
#include "db/connection.hpp"
#include "enqueue/validation.hpp"
#include "util/error.hpp"

namespace eq::enqueue {

namespace {

// A dry run reads everything from one snapshot and cannot write by accident.
constexpr std::string_view k_read_only = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";

std::string_view begin_statement(const EnqueueOptions& options) {
    return options.dry_run ? k_read_only : std::string_view("BEGIN");
}

// Refuses a run the queue must not touch any more.
void check_startable(const campaign::RunState& state) {
    const auto& run = state.run;
    const std::string hint =
        fmt::format("start a new run with 'queue-enqueue --campaign {}'", run.campaign_id.str());
    if (state.control == campaign::RunControl::cancelled) {
        throw Error(ExitCode::conflict, fmt::format("run {} was cancelled", run.id.str()), hint);
    }
    if (run.status == "idle" || run.status == "running") {
        return;
    }
    if (run.status == "failed") {
        throw Error(ExitCode::conflict,
                    fmt::format("run {} has failed{}", run.id.str(),
                                run.failure_reason ? ": " + *run.failure_reason : ""),
                    hint);
    }
    throw Error(ExitCode::conflict, fmt::format("run {} is already {}", run.id.str(), run.status),
                hint);
}

// Calls on_fan_out_end however the fan-out ends.
class ProgressScope {
public:
    ProgressScope(const EnqueueOptions& options, std::string_view what) : m_options(options) {
        if (m_options.on_fan_out_start) {
            m_options.on_fan_out_start(what);
        }
    }
    ProgressScope(const ProgressScope&) = delete;
    ProgressScope& operator=(const ProgressScope&) = delete;
    ~ProgressScope() {
        if (m_options.on_fan_out_end) {
            m_options.on_fan_out_end();
        }
    }

private:
    const EnqueueOptions& m_options;
};

// A run about to be fanned out, with what start() needs to know about it.
struct RunToStart {
    std::optional<campaign::Campaign> campaign; // nothing when it no longer exists
    Uuid campaign_id;
    std::optional<campaign::CampaignRun> run; // nothing in a dry run that would create it
    bool created = false;
    bool has_rows = false; // fanned out before: validation must not fail it now
};

// Validates the campaign and its company, then fans the run out (or counts, in a dry
// run). A run without queue rows that fails validation is marked failed; one with rows
// keeps its status and rows.
RunOutcome start(db::Connection& conn, const config::Config& config, const RunToStart& target,
                 const EnqueueOptions& options) {
    const auto& campaign = target.campaign;
    const auto& run = target.run;
    RunOutcome out;
    out.run_id = run ? std::optional<Uuid>(run->id) : std::nullopt;
    out.campaign_id = target.campaign_id;
    out.created = target.created;
    if (campaign && web_application_template(*campaign)) {
        if (config.content.generator != config::ContentGenerator::command) {
            throw Error(ExitCode::config,
                        fmt::format("campaign {}: its template is the web application's own, not "
                                    "emailqueue's 'Subject:' format; its emails must be written "
                                    "at send time",
                                    campaign->id.str()),
                        "set content.generator: command and content.command (the program "
                        "that writes each email); the run was left as it is");
        }
        out.content_at_send = true;
    }
    if (campaign) {
        out.campaign_name = campaign->name;
        out.company_id = campaign->company_id;
        out.failure_reason = sending_problems(
            *campaign, campaign::find_company_account(conn, campaign->company_id), config);
    } else {
        out.failure_reason = fmt::format("campaign {} does not exist", target.campaign_id.str());
    }
    if (out.failure_reason) {
        out.status = target.has_rows ? run->status : "failed";
        if (!options.dry_run && !target.has_rows) {
            campaign::mark_run_failed(conn, run->id, *out.failure_reason);
        }
        return out;
    }
    const FanOutTarget fan_out_target{campaign->company_id, campaign->id, out.run_id,
                                      options.priority, options.scheduled_for};
    {
        const ProgressScope progress(
            options,
            fmt::format("{} the leads of campaign {}{}", options.dry_run ? "counting" : "queueing",
                        campaign->id.str(), run ? " for run " + run->id.str() : std::string()));
        out.counts =
            options.dry_run ? count_fan_out(conn, fan_out_target) : fan_out(conn, fan_out_target);
    }
    if (!options.dry_run) {
        campaign::mark_run_running(conn, run->id, out.counts.leads_total);
    }
    out.status = "running";
    return out;
}

} // namespace

RunOutcome enqueue_run(db::Connection& conn, const config::Config& config, const Uuid& run_id,
                       const EnqueueOptions& options) {
    db::Transaction tx(conn, begin_statement(options));
    const auto state = options.dry_run ? campaign::find_run_state(conn, run_id)
                                       : campaign::lock_run_state(conn, run_id);
    if (!state) {
        throw Error(ExitCode::not_found, fmt::format("no campaign run {}", run_id.str()));
    }
    check_startable(*state);
    auto out = start(conn, config,
                     {campaign::find_campaign(conn, state->run.campaign_id), state->run.campaign_id,
                      state->run, false, state->has_rows},
                     options);
    if (!options.dry_run) {
        tx.commit();
    }
    return out;
}

RunOutcome enqueue_campaign(db::Connection& conn, const config::Config& config,
                            const Uuid& campaign_id, const EnqueueOptions& options) {
    db::Transaction tx(conn, begin_statement(options));
    const auto campaign = campaign::find_campaign(conn, campaign_id);
    if (!campaign) {
        throw Error(ExitCode::not_found, fmt::format("no campaign {}", campaign_id.str()));
    }
    std::optional<campaign::CampaignRun> run;
    if (!options.dry_run) {
        run = campaign::create_campaign_run(conn, campaign_id);
    }
    auto out = start(conn, config, {campaign, campaign_id, run, true, false}, options);
    if (!options.dry_run) {
        tx.commit();
    }
    return out;
}

std::vector<RunOutcome> enqueue_due(db::Connection& conn, const config::Config& config,
                                    const EnqueueOptions& options) {
    std::vector<RunOutcome> out;
    if (options.dry_run) {
        db::Transaction tx(conn, k_read_only);
        for (const auto& campaign : campaign::due_campaigns(conn)) {
            out.push_back(
                start(conn, config, {campaign, campaign.id, std::nullopt, true, false}, options));
        }
        return out;
    }
    // Each pass starts one campaign, so the passes are bounded by what is due now;
    // campaigns that fall due meanwhile are left to the next invocation.
    const auto due_now = campaign::due_campaigns(conn).size();
    for (std::size_t i = 0; i < due_now; ++i) {
        db::Transaction tx(conn);
        const auto campaign = campaign::claim_due_campaign(conn);
        if (!campaign) {
            break;
        }
        const auto run = campaign::create_campaign_run(conn, campaign->id);
        out.push_back(start(conn, config, {campaign, campaign->id, run, true, false}, options));
        tx.commit();
    }
    return out;
}

} // namespace eq::enqueue
