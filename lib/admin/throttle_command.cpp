// queue-admin throttle show COMPANY | set COMPANY [--per-hour N] [--per-day N]
//   [--enable|--disable] | list

#include <fmt/format.h>

#include <iostream>
#include <limits>

#include "admin/admin.hpp"
#include "admin/args.hpp"
#include "admin/snapshot.hpp"
#include "admin/terminal.hpp"
#include "db/connection.hpp"
#include "throttle/throttle_repository.hpp"

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
};

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
    const auto s = throttle::get_email_throttle_settings(conn, id);
    const auto usage = throttle::get_window_usage(conn, id);
    if (context.common.json) {
        auto out = settings_json(s, name);
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
                             usage.sent_last_hour, usage.sent_last_day, usage.in_flight);
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
    if (!per_hour && !per_day && !on) {
        throw Error(ExitCode::usage, "throttle set: nothing to change",
                    "give --per-hour N, --per-day N, --enable or --disable");
    }
    const auto config = cli::load_config(context.common);
    auto conn = cli::connect(config, k_program);
    db::Transaction tx(conn);
    const auto name = require_company(conn, id);
    const auto s = throttle::update_email_throttle_settings(conn, id, per_hour, per_day, on);
    tx.commit();
    const auto warnings = s.warnings();
    for (const auto& w : warnings) {
        cli::warn(k_program, w);
    }
    if (context.common.json) {
        auto out = settings_json(s, name);
        out.set("warnings", warnings_json(s));
        cli::print_json(out);
    } else if (announce_changes(false)) {
        std::cout << fmt::format("{}: {} per hour, {} per day, {}\n", name, s.max_emails_per_hour,
                                 s.max_emails_per_day, s.enabled ? "enabled" : "disabled (held)");
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
        const auto s = settings_from_row(row);
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
        "set", "Change a company's limits (creates its settings row when absent)");
    set_cmd->add_option("COMPANY", o->company, "Company id (UUID)")->required();
    set_cmd->add_option("--per-hour", o->per_hour, "Emails per sliding hour (0 or more)")
        ->type_name("N");
    set_cmd->add_option("--per-day", o->per_day, "Emails per sliding 24 hours (0 or more)")
        ->type_name("N");
    auto* en = set_cmd->add_flag("--enable", o->enable, "Process the company's queue");
    auto* dis =
        set_cmd->add_flag("--disable", o->disable, "Hold the company's queue (nothing is sent)");
    en->excludes(dis);
    set_cmd->callback(
        [&context, o] { context.action = [&context, o] { return set(context, *o); }; });

    auto* list_cmd = t->add_subcommand("list", "Every company's limits");
    list_cmd->callback([&context] { context.action = [&context] { return list(context); }; });
}

} // namespace eq::admin
