// queue-admin status [--company ID]

#include <fmt/format.h>

#include <iostream>

#include "admin/admin.hpp"
#include "admin/args.hpp"
#include "admin/snapshot.hpp"
#include "admin/terminal.hpp"
#include "db/connection.hpp"

namespace eq::admin {

namespace {

struct StatusOptions {
    std::string company;
};

Json hold_json(const CompanyStatus& c, Timestamp now) {
    Json holds = Json::array();
    if (c.deleted) {
        holds.push(Json(Json::Object{{"kind", "company_deleted"}}));
    }
    if (!c.settings.enabled) {
        holds.push(Json(Json::Object{{"kind", "throttle_disabled"}}));
    }
    if (c.account_held(now)) {
        holds.push(Json(Json::Object{{"kind", "account_error"},
                                     {"since", time_json(c.held_since)},
                                     {"until", time_json(c.held_until)},
                                     {"message", Json(c.hold_reason)}}));
    }
    if (c.backing_off > 0) {
        holds.push(Json(Json::Object{
            {"kind", "backoff"}, {"rows", c.backing_off}, {"until", time_json(c.backoff_until)}}));
    }
    if (c.paused > 0) {
        holds.push(Json(Json::Object{{"kind", "run_paused"}, {"rows", c.paused}}));
    }
    if (c.held > 0) {
        holds.push(Json(Json::Object{{"kind", "unknown_outcome"}, {"rows", c.held}}));
    }
    if (c.send.window_never_opens || (c.send.window_opens && *c.send.window_opens > now)) {
        holds.push(Json(Json::Object{{"kind", "outside_window"},
                                     {"timezone", Json(c.timezone)},
                                     {"until", time_json(c.send.window_opens)}}));
    }
    if (c.send.paced_until && *c.send.paced_until > now) {
        holds.push(
            Json(Json::Object{{"kind", "pacing"}, {"until", time_json(c.send.paced_until)}}));
    }
    for (const auto& run : c.auto_paused_runs) {
        holds.push(Json(Json::Object{{"kind", "auto_paused"},
                                     {"campaign_run_id", run.run_id.str()},
                                     {"message", run.reason}}));
    }
    for (const auto& run : c.drained_runs) {
        holds.push(Json(Json::Object{{"kind", "run_waiting_for_leads"},
                                     {"campaign_run_id", run.run_id.str()},
                                     {"message", run.reason}}));
    }
    return holds;
}

std::optional<std::int64_t> age_seconds(const std::optional<Timestamp>& t, Timestamp now) {
    if (!t) {
        return std::nullopt;
    }
    return std::max<std::int64_t>(0, std::chrono::duration_cast<Seconds>(now - *t).count());
}

Json company_json(const CompanyStatus& c, Timestamp now) {
    return Json(Json::Object{
        {"company_id", c.id.str()},
        {"company_name", c.name},
        {"enabled", c.settings.enabled},
        {"max_emails_per_hour", c.settings.max_emails_per_hour},
        {"max_emails_per_day", c.settings.max_emails_per_day},
        {"daily_limit_now", c.daily_limit_now},
        {"limits_are_default", c.settings.is_default()},
        {"due_now", c.due_now},
        {"scheduled_later", c.scheduled_later},
        {"backing_off", c.backing_off},
        {"paused", c.paused},
        {"processing", c.processing},
        {"stuck", c.stuck},
        {"held", c.held},
        {"sent_last_hour", c.sent_last_hour},
        {"sent_last_day", c.sent_last_day},
        {"failed", c.failed},
        {"skipped", c.skipped},
        {"oldest_due_age_seconds", Json(age_seconds(c.oldest_due, now))},
        {"next_send_at", time_json(c.next.at)},
        {"next_send_reason", std::string(c.next.reason)},
        {"holds", hold_json(c, now)},
    });
}

Json totals_json(const QueueSnapshot& s) {
    const auto& t = s.totals;
    return Json(Json::Object{{"companies", s.companies.size()},
                             {"due_now", t.due_now},
                             {"scheduled_later", t.scheduled_later},
                             {"backing_off", t.backing_off},
                             {"paused", t.paused},
                             {"processing", t.processing},
                             {"stuck", t.stuck},
                             {"held", t.held},
                             {"sent_last_hour", t.sent_last_hour},
                             {"sent_last_day", t.sent_last_day},
                             {"failed", t.failed},
                             {"skipped", t.skipped},
                             {"oldest_due_age_seconds", Json(age_seconds(t.oldest_due, s.now))}});
}

std::string next_text(const CompanyStatus& c, Timestamp now) {
    if (!c.next.at) {
        return fmt::format("no send coming: {}", c.next.reason);
    }
    if (*c.next.at <= now) {
        return "next send: due now, at the next queue-process run";
    }
    return fmt::format("next send {} ({}, {})", relative(*c.next.at, now), c.next.reason,
                       short_time(*c.next.at));
}

// "12/50", red at the limit.
std::string usage_cell(std::int64_t used, int limit, std::size_t width) {
    const auto text = fmt::format("{}/{}", used, limit);
    const auto padded = std::string(width > text.size() ? width - text.size() : 0, ' ') + text;
    return used >= limit ? paint(padded, Colour::yellow) : padded;
}

void print_company(const CompanyStatus& c, Timestamp now) {
    std::cout << fit(c.name, 18)
              << fmt::format(" {:>4} {:>5} {:>4} {:>4} {:>4} {:>4}", c.due_now,
                             c.scheduled_later + c.backing_off, c.processing, c.held, c.failed,
                             c.skipped)
              << "  " << usage_cell(c.sent_last_hour, c.settings.max_emails_per_hour, 9) << "  "
              << usage_cell(c.sent_last_day, c.daily_limit_now, 11) << '\n';
    std::string line = c.id.str() + ": " + next_text(c, now);
    if (c.oldest_due) {
        line += fmt::format("; oldest due {} ago", age(*c.oldest_due, now));
    }
    std::cout << wrap(line, 80, 2);
    const auto note = [](const std::string& text, Colour colour) {
        const auto lines = wrap(text, 80, 2);
        std::cout << (colour_enabled() ? paint(lines.substr(0, lines.size() - 1), colour) + "\n"
                                       : lines);
    };
    if (c.deleted) {
        note("deleted: the web application deleted this company (companies.deleted); "
             "queue-process skips its pending rows",
             Colour::red);
    }
    if (!c.settings.enabled) {
        note("held: throttle disabled ('throttle set COMPANY --enable' to send)", Colour::red);
    }
    if (c.account_held(now)) {
        note(fmt::format("held: account error since {} until {} ({}): {}",
                         c.held_since ? short_time(*c.held_since) : std::string("?"),
                         short_time(*c.held_until), relative(*c.held_until, now),
                         c.hold_reason.value_or("no reason recorded")),
             Colour::red);
    }
    if (c.backing_off > 0 && c.backoff_until) {
        note(fmt::format("backing off: {} rows after failures, the first until {} ({})",
                         c.backing_off, short_time(*c.backoff_until),
                         relative(*c.backoff_until, now)),
             Colour::yellow);
    }
    if (c.paused > 0) {
        note(fmt::format("paused: {} pending rows of paused runs", c.paused), Colour::yellow);
    }
    if (c.stuck > 0) {
        note(fmt::format("stuck: {} rows in processing past their lease (recovered by the next "
                         "run)",
                         c.stuck),
             Colour::yellow);
    }
    if (c.held > 0) {
        note(fmt::format("unknown outcome: {} rows ('mark-sent ROW...' or 'retry --status held')",
                         c.held),
             Colour::red);
    }
    if (c.send.window_never_opens) {
        note("outside the sending window: it never opens (no day chosen, or every day a "
             "holiday)",
             Colour::yellow);
    } else if (c.send.window_opens && *c.send.window_opens > now) {
        note(fmt::format("outside the sending window ({}): it opens {} ({})",
                         c.timezone.value_or("?"), relative(*c.send.window_opens, now),
                         short_time(*c.send.window_opens)),
             Colour::yellow);
    }
    if (c.daily_limit_now < c.settings.max_emails_per_day) {
        note(fmt::format("ramping up: {} a day today, growing to {}", c.daily_limit_now,
                         c.settings.max_emails_per_day),
             Colour::yellow);
    }
    for (const auto& run : c.auto_paused_runs) {
        note(fmt::format("run {} {} ('run resume' to go on)", run.run_id.str(), run.reason),
             Colour::red);
    }
    for (const auto& run : c.drained_runs) {
        note(fmt::format("run {} still running: {} ('run complete' if no more will come)",
                         run.run_id.str(), run.reason),
             Colour::yellow);
    }
}

int status(const Context& context, const StatusOptions& o) {
    std::optional<Uuid> company;
    if (!o.company.empty()) {
        company = uuid_arg(o.company, "--company");
    }
    const auto config = cli::load_config(context.common);
    auto conn = cli::connect(config, k_program);
    const auto snap = load_snapshot(conn, company, throttle::ThrottleDefaults::from(config));
    if (context.common.json) {
        Json companies = Json::array();
        for (const auto& c : snap.companies) {
            companies.push(company_json(c, snap.now));
        }
        cli::print_json(Json(Json::Object{{"generated_at", format_timestamp(snap.now)},
                                          {"companies", std::move(companies)},
                                          {"totals", totals_json(snap)}}));
        return 0;
    }
    if (snap.companies.empty()) {
        std::cout << "the queue is empty: no company has queued email\n";
        return 0;
    }
    std::cout << paint(fmt::format("{} {:>4} {:>5} {:>4} {:>4} {:>4} {:>4}  {:>9}  {:>11}",
                                   fit("COMPANY", 18), "DUE", "LATER", "PROC", "HELD", "FAIL",
                                   "SKIP", "LAST HOUR", "LAST 24H"),
                       Colour::bold)
              << '\n';
    for (const auto& c : snap.companies) {
        print_company(c, snap.now);
    }
    // The totals under the same columns, so the line fits 80 columns however large.
    const auto& t = snap.totals;
    std::cout << paint(fit(fmt::format("all {} compan{}", snap.companies.size(),
                                       snap.companies.size() == 1 ? "y" : "ies"),
                           18) +
                           fmt::format(" {:>4} {:>5} {:>4} {:>4} {:>4} {:>4}  {:>9}  {:>11}",
                                       t.due_now, t.scheduled_later + t.backing_off, t.processing,
                                       t.held, t.failed, t.skipped, t.sent_last_hour,
                                       t.sent_last_day),
                       Colour::bold)
              << '\n';
    return 0;
}

} // namespace

void setup_status(CLI::App& app, Context& context) {
    auto* s = app.add_subcommand("status", "Each company's queue, holds and next send");
    auto o = std::make_shared<StatusOptions>();
    s->add_option("--company", o->company, "Only this company (UUID)")->type_name("ID");
    s->callback([&context, o] { context.action = [&context, o] { return status(context, *o); }; });
}

} // namespace eq::admin
