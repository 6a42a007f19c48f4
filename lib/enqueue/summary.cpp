#include "enqueue/summary.hpp"

#include <fmt/format.h>

namespace eq::enqueue {

namespace {

void add_counts(Json& object, const FanOutCounts& c) {
    object.set("queued", c.queued);
    object.set("already_queued", c.already_queued);
    object.set("skipped_no_address", c.skipped_no_address);
    object.set("skipped_invalid_address", c.skipped_invalid_address);
    object.set("skipped_suppressed", c.skipped_suppressed);
    object.set("skipped_deleted", c.skipped_deleted);
    object.set("leads_total", c.leads_total);
}

std::optional<std::string> id_text(const std::optional<Uuid>& id) {
    return id ? std::optional<std::string>(id->str()) : std::nullopt;
}

// A campaign name as the web application stored it, safe to print on a terminal:
// control characters (escape sequences) become '?'.
std::string printable(std::string_view text) {
    std::string out;
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        out += c < 0x20 || c == 0x7f ? '?' : ch;
    }
    return out;
}

std::string plural(std::int64_t n, std::string_view one, std::string_view many) {
    return fmt::format("{} {}", n, n == 1 ? one : many);
}

void run_text(std::string& out, const RunOutcome& o, bool dry_run) {
    const std::string run = o.run_id ? "run " + o.run_id->str() : std::string("a new run");
    out += fmt::format("{}{} of campaign \"{}\"\n", dry_run ? "dry run: " : "", run,
                       printable(o.campaign_name));
    if (o.failed()) {
        out += fmt::format("  {} validation: {}\n", dry_run ? "would fail" : "failed",
                           *o.failure_reason);
        return;
    }
    const auto& c = o.counts;
    out +=
        fmt::format("  {} {}, {} already queued; leads_total {}\n",
                    dry_run ? "would queue" : "queued", c.queued, c.already_queued, c.leads_total);
    out += fmt::format("  skipped: {} without address, {} invalid address, {} suppressed, "
                       "{} deleted\n",
                       c.skipped_no_address, c.skipped_invalid_address, c.skipped_suppressed,
                       c.skipped_deleted);
    if (o.content_at_send) {
        out += "  content: the web application's template; each email is written at send "
               "time by content.command\n";
    }
}

} // namespace

Json summary_json(std::span<const RunOutcome> outcomes, bool dry_run) {
    Json runs = Json::array();
    FanOutCounts totals;
    int failed = 0;
    for (const auto& o : outcomes) {
        Json run(Json::Object{{"run_id", id_text(o.run_id)},
                              {"campaign_id", o.campaign_id.str()},
                              {"campaign_name", o.campaign_name},
                              {"company_id", id_text(o.company_id)},
                              {"created", o.created},
                              {"status", o.status},
                              {"failure_reason", o.failure_reason},
                              {"content_generated_at_send", o.content_at_send}});
        add_counts(run, o.counts);
        runs.push(std::move(run));
        totals += o.counts;
        failed += o.failed() ? 1 : 0;
    }
    Json out(Json::Object{{"dry_run", dry_run}, {"runs", std::move(runs)}});
    add_counts(out, totals);
    out.set("failed_runs", failed);
    return out;
}

std::string summary_text(std::span<const RunOutcome> outcomes, bool dry_run, bool due) {
    std::string out;
    int failed = 0;
    for (const auto& o : outcomes) {
        run_text(out, o, dry_run);
        failed += o.failed() ? 1 : 0;
    }
    if (!due) {
        return out;
    }
    if (outcomes.empty()) {
        out += "no campaign is due\n";
        return out;
    }
    const auto n = static_cast<std::int64_t>(outcomes.size());
    out += fmt::format(
        "{} {}{}\n", plural(n, "campaign", "campaigns"), dry_run ? "would be started" : "started",
        failed == 0 ? std::string()
                    : fmt::format(", {} {} validation", failed, dry_run ? "would fail" : "failed"));
    return out;
}

} // namespace eq::enqueue
