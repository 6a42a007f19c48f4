// queue-admin throttle show COMPANY | set COMPANY [--per-hour N] [--per-day N]
//   [--enable|--disable] [--timezone ZONE] [--days DAYS] [--window HH:MM-HH:MM]
//   [--holiday DATE]... [--no-holiday DATE]... [--min-gap DURATION] [--jitter DURATION]
//   [--ramp-start N] [--ramp-step N] [--ramp-from DATE] [--pause-failure-rate PERCENT]
//   [--pause-after N] | list

#include <fmt/format.h>

#include <iostream>
#include <limits>

#include "admin/admin.hpp"
#include "admin/args.hpp"
#include "admin/snapshot.hpp"
#include "admin/terminal.hpp"
#include "db/connection.hpp"
#include "policy/ramp_up.hpp"
#include "queue/lease.hpp"
#include "throttle/sending_schedule.hpp"
#include "throttle/throttle_repository.hpp"
#include "util/strings.hpp"

namespace eq::admin {

namespace {

constexpr db::Statement k_list{
    "throttle_list",
    "SELECT c.id AS company_id, c.name, t.max_emails_per_hour, t.max_emails_per_day, t.enabled,"
    " t.created_at, t.updated_at"
    " FROM companies c LEFT JOIN email_throttle_settings t ON t.company_id = c.id"
    " ORDER BY c.name, c.id"};

struct ThrottleOptions {
    std::string company;
    std::string per_hour;
    std::string per_day;
    bool enable = false;
    bool disable = false;
    std::string timezone;
    std::string days;
    std::string window;
    std::vector<std::string> holidays;
    std::vector<std::string> no_holidays;
    std::string min_gap;
    std::string jitter;
    std::string ramp_start;
    std::string ramp_step;
    std::string ramp_from;
    std::string pause_rate;
    std::string pause_after;
};

// "none" clears an optional setting.
constexpr std::string_view k_none = "none";

template <class T> T checked(Expected<T> value, std::string_view option) {
    if (!value) {
        throw Error(ExitCode::usage, fmt::format("{}: {}", option, value.error()));
    }
    return std::move(value).value();
}

throttle::ScheduleChange schedule_change(const ThrottleOptions& o) {
    constexpr auto k_max = std::numeric_limits<int>::max();
    throttle::ScheduleChange c;
    if (!o.timezone.empty()) {
        c.timezone = o.timezone == k_none ? std::optional<std::string>() : o.timezone;
    }
    if (!o.days.empty()) {
        c.days = checked(throttle::parse_days(o.days), "--days");
    }
    if (!o.window.empty()) {
        c.window = checked(throttle::parse_window(o.window), "--window");
    }
    if (!o.min_gap.empty()) {
        c.min_gap = duration_arg(o.min_gap, "--min-gap");
    }
    if (!o.jitter.empty()) {
        c.jitter = duration_arg(o.jitter, "--jitter");
    }
    if (!o.ramp_start.empty()) {
        c.ramp_start = o.ramp_start == k_none
                           ? std::optional<int>()
                           : static_cast<int>(integer_arg(o.ramp_start, "--ramp-start", 0, k_max));
    }
    if (!o.ramp_step.empty()) {
        c.ramp_step = static_cast<int>(integer_arg(o.ramp_step, "--ramp-step", 0, k_max));
    }
    if (!o.ramp_from.empty()) {
        c.ramp_started_on = o.ramp_from;
    }
    if (!o.pause_rate.empty()) {
        c.pause_failure_percent =
            o.pause_rate == k_none
                ? std::optional<int>()
                : static_cast<int>(integer_arg(o.pause_rate, "--pause-failure-rate", 1, 100));
    }
    if (!o.pause_after.empty()) {
        c.pause_min_attempts =
            static_cast<int>(integer_arg(o.pause_after, "--pause-after", 1, k_max));
    }
    c.add_holidays = o.holidays;
    c.remove_holidays = o.no_holidays;
    return c;
}

Json schedule_json(const throttle::SendingSchedule& s, int daily_limit_now) {
    Json holidays = Json::array();
    for (const auto& day : s.holidays) {
        holidays.push(day);
    }
    return Json(Json::Object{
        {"timezone", Json(s.timezone)},
        {"days", throttle::format_days(s.days)},
        {"window", throttle::format_window(s.window_start, s.window_end)},
        {"holidays", std::move(holidays)},
        {"min_gap_seconds", static_cast<std::int64_t>(s.min_gap.count())},
        {"jitter_seconds", static_cast<std::int64_t>(s.jitter.count())},
        {"ramp_start", Json(s.ramp_start)},
        {"ramp_step", s.ramp_step},
        {"ramp_started_on", Json(s.ramp_started_on)},
        {"daily_limit_now", daily_limit_now},
        {"pause_failure_percent", Json(s.pause_failure_percent)},
        {"pause_min_attempts", s.pause_min_attempts},
        {"is_default", s.is_default()},
    });
}

std::string schedule_text(const throttle::SendingSchedule& s, int max_per_day,
                          int daily_limit_now) {
    std::string out;
    if (s.timezone) {
        out += fmt::format("window    {} {} {} (a lead's own zone applies to it)\n",
                           throttle::format_days(s.days),
                           throttle::format_window(s.window_start, s.window_end), *s.timezone);
    } else {
        out += "window    none: sends at any time\n";
    }
    if (!s.holidays.empty()) {
        out += "holidays  " + join(s.holidays, ", ") + "\n";
    }
    if (s.min_gap.count() > 0 || s.jitter.count() > 0) {
        out += fmt::format("pacing    at least {} between sends, plus up to {} at random\n",
                           format_duration(s.min_gap), format_duration(s.jitter));
    } else {
        out += "pacing    none: a run sends its batch at once\n";
    }
    if (s.ramp_start) {
        out += fmt::format("ramp-up   {} a day from {}, {} more each day, up to {}: {} today\n",
                           *s.ramp_start, s.ramp_started_on.value_or("?"), s.ramp_step, max_per_day,
                           daily_limit_now);
    }
    if (s.pause_failure_percent) {
        out += fmt::format("pause     a run with more than {}% failed after {} attempts\n",
                           *s.pause_failure_percent, s.pause_min_attempts);
    } else {
        out += "pause     never on failures\n";
    }
    return out;
}

int daily_limit_now(const throttle::EmailThrottleSettings& settings,
                    const throttle::SendingSchedule& s, Timestamp now) {
    return policy::ramped_daily_limit(
        settings.max_emails_per_day, s.ramp_start, s.ramp_step,
        s.ramp_started_on ? std::optional<std::string_view>(*s.ramp_started_on) : std::nullopt,
        now);
}

Json settings_json(const throttle::EmailThrottleSettings& s, const std::string& name) {
    return Json(Json::Object{{"company_id", s.company_id.str()},
                             {"company_name", name},
                             {"max_emails_per_hour", s.max_emails_per_hour},
                             {"max_emails_per_day", s.max_emails_per_day},
                             {"enabled", s.enabled},
                             {"is_default", s.is_default()},
                             {"created_at", time_json(s.created_at)},
                             {"updated_at", time_json(s.updated_at)}});
}

Json warnings_json(const throttle::EmailThrottleSettings& s) {
    Json list = Json::array();
    for (const auto& w : s.warnings()) {
        list.push(w);
    }
    return list;
}

std::string limit_text(int value, const throttle::EmailThrottleSettings& s) {
    return fmt::format("{}{}", value, s.is_default() ? " (default)" : "");
}

int show(const Context& context, const ThrottleOptions& o) {
    const auto id = uuid_arg(o.company, "company id");
    const auto config = cli::load_config(context.common);
    auto conn = cli::connect(config, k_program);
    const auto name = require_company(conn, id);
    const auto s =
        throttle::get_email_throttle_settings(conn, id, throttle::ThrottleDefaults::from(config));
    const auto usage = throttle::get_window_usage(conn, id);
    const auto schedule = throttle::get_sending_schedule(conn, id);
    const auto today = daily_limit_now(s, schedule, database_now(conn));
    if (context.common.json) {
        auto out = settings_json(s, name);
        out.set("schedule", schedule_json(schedule, today));
        out.set("usage", Json(Json::Object{{"sent_last_hour", usage.sent_last_hour},
                                           {"sent_last_day", usage.sent_last_day},
                                           {"in_flight", usage.in_flight}}));
        out.set("warnings", warnings_json(s));
        cli::print_json(out);
        return 0;
    }
    std::cout << fmt::format("company   {} ({})\n", name, id.str())
              << fmt::format("per hour  {}\n", limit_text(s.max_emails_per_hour, s))
              << fmt::format("per day   {}\n", limit_text(s.max_emails_per_day, s))
              << fmt::format("enabled   {}\n",
                             s.enabled ? "yes"
                                       : paint("no: the company's queue is held", Colour::red))
              << fmt::format("used      {} in the last hour, {} in the last 24 hours, {} in "
                             "flight\n",
                             usage.sent_last_hour, usage.sent_last_day, usage.in_flight)
              << schedule_text(schedule, s.max_emails_per_day, today);
    if (s.updated_at) {
        std::cout << fmt::format("updated   {}\n", format_timestamp(*s.updated_at));
    }
    for (const auto& w : s.warnings()) {
        cli::warn(k_program, w);
    }
    return 0;
}

int set(const Context& context, const ThrottleOptions& o) {
    const auto id = uuid_arg(o.company, "company id");
    constexpr auto k_max = std::numeric_limits<int>::max();
    std::optional<int> per_hour, per_day, enabled;
    if (!o.per_hour.empty()) {
        per_hour = static_cast<int>(integer_arg(o.per_hour, "--per-hour", 0, k_max));
    }
    if (!o.per_day.empty()) {
        per_day = static_cast<int>(integer_arg(o.per_day, "--per-day", 0, k_max));
    }
    std::optional<bool> on;
    if (o.enable || o.disable) {
        on = o.enable;
    }
    const auto change = schedule_change(o);
    if (!per_hour && !per_day && !on && change.empty()) {
        throw Error(ExitCode::usage, "throttle set: nothing to change",
                    "give --per-hour N, --per-day N, --enable, --disable or a schedule option "
                    "(see --help)");
    }
    const auto config = cli::load_config(context.common);
    auto conn = cli::connect(config, k_program);
    db::Transaction tx(conn);
    const auto name = require_company(conn, id);
    // queue-process reads the settings under this lock: it sees all of a change or none.
    queue::lock_company(conn, id);
    const auto defaults = throttle::ThrottleDefaults::from(config);
    auto s = throttle::get_email_throttle_settings(conn, id, defaults);
    if (per_hour || per_day || on) {
        s = throttle::update_email_throttle_settings(conn, id, per_hour, per_day, on, defaults);
    }
    auto schedule = throttle::get_sending_schedule(conn, id);
    if (!change.empty()) {
        schedule = throttle::update_sending_schedule(conn, id, change);
    }
    const auto today = daily_limit_now(s, schedule, database_now(conn));
    tx.commit();
    const auto warnings = s.warnings();
    for (const auto& w : warnings) {
        cli::warn(k_program, w);
    }
    if (context.common.json) {
        auto out = settings_json(s, name);
        out.set("schedule", schedule_json(schedule, today));
        out.set("warnings", warnings_json(s));
        cli::print_json(out);
    } else if (announce_changes(false)) {
        std::cout << fmt::format("{}: {} per hour, {} per day, {}\n", name, s.max_emails_per_hour,
                                 s.max_emails_per_day, s.enabled ? "enabled" : "disabled (held)")
                  << schedule_text(schedule, s.max_emails_per_day, today);
    }
    return 0;
}

int list(const Context& context) {
    const auto config = cli::load_config(context.common);
    auto conn = cli::connect(config, k_program);
    Json companies = Json::array();
    std::string text = fmt::format("{:<36} {:>9} {:>9} {:<7} {}\n", "COMPANY ID", "PER HOUR",
                                   "PER DAY", "ENABLED", "NAME");
    for (const auto row : conn.rows(k_list)) {
        const auto s = throttle::settings_from_row(row, throttle::ThrottleDefaults::from(config));
        const auto name = row.text("name");
        companies.push(settings_json(s, name));
        const auto mark = s.is_default() ? "*" : " ";
        text += fmt::format("{} {:>8}{} {:>8}{} {} {}\n", s.company_id.str(), s.max_emails_per_hour,
                            mark, s.max_emails_per_day, mark,
                            s.enabled ? "yes    " : paint("no     ", Colour::red),
                            fit(name, 15, false));
    }
    if (context.common.json) {
        cli::print_json(Json(Json::Object{{"companies", std::move(companies)}}));
        return 0;
    }
    std::cout << text << "* the default (the company has no settings row)\n";
    return 0;
}

} // namespace

void setup_throttle(CLI::App& app, Context& context) {
    auto* t = app.add_subcommand("throttle", "Show and change each company's sending limits");
    t->require_subcommand(1);
    auto o = std::make_shared<ThrottleOptions>();

    auto* show_cmd = t->add_subcommand("show", "A company's limits and what it used of them");
    show_cmd->add_option("COMPANY", o->company, "Company id (UUID)")->required();
    show_cmd->callback(
        [&context, o] { context.action = [&context, o] { return show(context, *o); }; });

    auto* set_cmd = t->add_subcommand(
        "set", "Change a company's limits and schedule (creates the rows when absent)");
    set_cmd->add_option("COMPANY", o->company, "Company id (UUID)")->required();
    set_cmd->add_option("--per-hour", o->per_hour, "Emails per sliding hour (0 or more)")
        ->type_name("N");
    set_cmd->add_option("--per-day", o->per_day, "Emails per sliding 24 hours (0 or more)")
        ->type_name("N");
    auto* en = set_cmd->add_flag("--enable", o->enable, "Process the company's queue");
    auto* dis =
        set_cmd->add_flag("--disable", o->disable, "Hold the company's queue (nothing is sent)");
    en->excludes(dis);
    set_cmd
        ->add_option("--timezone", o->timezone, "Window's zone (IANA, e.g. Europe/Berlin) or none")
        ->type_name("ZONE");
    set_cmd->add_option("--days", o->days, "Days the window opens: mon-fri, sat,sun, all, none")
        ->type_name("DAYS");
    set_cmd->add_option("--window", o->window, "Local sending hours, e.g. 08:00-17:00")
        ->type_name("HH:MM-HH:MM");
    set_cmd->add_option("--holiday", o->holidays, "A date not to send on (repeatable)")
        ->type_name("DATE");
    set_cmd->add_option("--no-holiday", o->no_holidays, "Remove a holiday (repeatable)")
        ->type_name("DATE");
    set_cmd->add_option("--min-gap", o->min_gap, "Least time between two sends, e.g. 60s")
        ->type_name("DURATION");
    set_cmd->add_option("--jitter", o->jitter, "Random extra gap, up to this, e.g. 2m")
        ->type_name("DURATION");
    set_cmd
        ->add_option("--ramp-start", o->ramp_start, "Daily limit on the ramp's first day, or none")
        ->type_name("N");
    set_cmd->add_option("--ramp-step", o->ramp_step, "Daily limit growth per day")->type_name("N");
    set_cmd->add_option("--ramp-from", o->ramp_from, "First day of the ramp (default today)")
        ->type_name("DATE");
    set_cmd
        ->add_option("--pause-failure-rate", o->pause_rate,
                     "Pause a run failing more than this; none: never")
        ->type_name("PERCENT");
    set_cmd
        ->add_option("--pause-after", o->pause_after,
                     "Attempts before a run can be paused (default 20)")
        ->type_name("N");
    set_cmd->callback(
        [&context, o] { context.action = [&context, o] { return set(context, *o); }; });

    auto* list_cmd = t->add_subcommand("list", "Every company's limits");
    list_cmd->callback([&context] { context.action = [&context] { return list(context); }; });
}

} // namespace eq::admin
