// queue-admin suppress add EMAIL... | remove EMAIL... | list | import FILE
//   [--company ID] [--reason R]

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <sstream>

#include "admin/admin.hpp"
#include "admin/args.hpp"
#include "admin/terminal.hpp"
#include "db/connection.hpp"
#include "log/log.hpp"
#include "message/address.hpp"
#include "suppression/suppression_file.hpp"
#include "suppression/suppression_repository.hpp"
#include "util/strings.hpp"

namespace eq::admin {

namespace {

struct SuppressOptions {
    std::vector<std::string> emails;
    std::string file;
    std::string company;
    std::string reason;
};

std::optional<Uuid> company_of(const SuppressOptions& o) {
    return o.company.empty() ? std::nullopt : std::optional<Uuid>(uuid_arg(o.company, "--company"));
}

std::optional<std::string> reason_of(const SuppressOptions& o) {
    return o.reason.empty() ? std::nullopt : std::optional<std::string>(o.reason);
}

Json scope_json(const std::optional<Uuid>& company) {
    return company ? Json(company->str()) : Json("global");
}

std::string scope_text(const std::optional<Uuid>& company, const std::string& name) {
    return company ? fmt::format("company {}", name) : std::string("every company");
}

// Every address is checked before anything is written; all bad ones are named.
std::vector<std::string> checked_addresses(const std::vector<std::string>& raw) {
    std::vector<std::string> out, problems;
    for (const auto& a : raw) {
        const std::string address(trim(a));
        if (const auto problem = message::address_problem(address)) {
            problems.push_back(fmt::format("'{}': {}", address.substr(0, 100), *problem));
        } else {
            out.push_back(address);
        }
    }
    if (!problems.empty()) {
        throw Error(ExitCode::usage, "invalid email address " + join(problems, "; "));
    }
    return out;
}

int add(const Context& context, const SuppressOptions& o) {
    const auto company = company_of(o);
    const auto addresses = checked_addresses(o.emails);
    const auto config = cli::load_config(context.common);
    auto conn = cli::connect(config, k_program);
    db::Transaction tx(conn);
    const auto name = company ? require_company(conn, *company) : std::string();
    std::vector<suppression::NewSuppression> entries;
    for (const auto& a : addresses) {
        entries.push_back({a, std::nullopt});
    }
    const auto r = suppression::add_suppressions(conn, entries, company, reason_of(o));
    tx.commit();
    if (context.common.json) {
        cli::print_json(Json(Json::Object{{"scope", scope_json(company)},
                                          {"added", r.added},
                                          {"already_present", r.already_present}}));
    } else if (announce_changes(false)) {
        std::cout << fmt::format("{} address{} added for {}, {} already listed\n", r.added,
                                 r.added == 1 ? "" : "es", scope_text(company, name),
                                 r.already_present);
    }
    return 0;
}

int remove(const Context& context, const SuppressOptions& o) {
    const auto company = company_of(o);
    std::vector<std::string> addresses;
    for (const auto& a : o.emails) {
        addresses.emplace_back(trim(a));
    }
    const auto config = cli::load_config(context.common);
    auto conn = cli::connect(config, k_program);
    db::Transaction tx(conn);
    const auto name = company ? require_company(conn, *company) : std::string();
    const auto r = suppression::remove_suppressions(conn, addresses, company);
    if (!r.not_listed.empty()) {
        throw Error(ExitCode::not_found,
                    fmt::format("not on the do-not-email list of {}: {}", scope_text(company, name),
                                join(r.not_listed, ", ")),
                    company ? "a global entry is removed without --company"
                            : "an entry of one company is removed with --company ID");
    }
    tx.commit();
    if (context.common.json) {
        cli::print_json(Json(Json::Object{{"scope", scope_json(company)}, {"removed", r.removed}}));
    } else if (announce_changes(false)) {
        std::cout << fmt::format("{} entr{} removed\n", r.removed, r.removed == 1 ? "y" : "ies");
    }
    return 0;
}

int list(const Context& context, const SuppressOptions& o) {
    const auto company = company_of(o);
    const auto config = cli::load_config(context.common);
    auto conn = cli::connect(config, k_program);
    if (company) {
        require_company(conn, *company);
    }
    const auto entries = suppression::list_suppressions(conn, company);
    if (context.common.json) {
        Json list = Json::array();
        for (const auto& e : entries) {
            list.push(
                Json(Json::Object{{"email", e.email},
                                  {"reason", Json(e.reason)},
                                  {"company_id", e.company_id ? Json(e.company_id->str()) : Json()},
                                  {"created_at", format_timestamp(e.created_at)}}));
        }
        cli::print_json(Json(Json::Object{{"entries", std::move(list)}}));
        return 0;
    }
    if (entries.empty()) {
        std::cout << "the do-not-email list is empty\n";
        return 0;
    }
    std::cout << paint(fmt::format("{} {} {}", fit("EMAIL", 36), fit("SCOPE", 10), "REASON"),
                       Colour::bold)
              << '\n';
    for (const auto& e : entries) {
        std::cout << fit(e.email, 36) << ' '
                  << fit(e.company_id ? e.company_id->str().substr(0, 8) : "all", 10) << ' '
                  << fit(e.reason.value_or(""), 32, false) << '\n';
    }
    std::cout << fmt::format("{} entr{}\n", entries.size(), entries.size() == 1 ? "y" : "ies");
    return 0;
}

std::string read_input(const std::string& path) {
    if (path == "-") {
        return std::string(std::istreambuf_iterator<char>(std::cin), {});
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw Error(ExitCode::io, fmt::format("cannot read {}: {}", path, std::strerror(errno)));
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        throw Error(ExitCode::io, fmt::format("cannot read {}: {}", path, std::strerror(errno)));
    }
    return text.str();
}

int import(const Context& context, const SuppressOptions& o) {
    const auto company = company_of(o);
    const auto parsed = suppression::parse_suppression_file(read_input(o.file));
    const auto config = cli::load_config(context.common);
    auto conn = cli::connect(config, k_program);
    db::Transaction tx(conn);
    const auto name = company ? require_company(conn, *company) : std::string();
    std::vector<suppression::NewSuppression> entries;
    for (const auto& e : parsed.entries) {
        entries.push_back({e.address, e.reason});
    }
    const auto r = suppression::add_suppressions(conn, entries, company, reason_of(o));
    tx.commit();
    const auto label = o.file == "-" ? std::string("<stdin>") : o.file;
    for (const auto& bad : parsed.invalid) {
        log::warn(fmt::format("{}:{}: {}", label, bad.line, bad.error));
    }
    if (context.common.json) {
        Json invalid = Json::array();
        for (const auto& bad : parsed.invalid) {
            invalid.push(
                Json(Json::Object{{"line", bad.line}, {"text", bad.text}, {"error", bad.error}}));
        }
        cli::print_json(Json(Json::Object{{"file", label},
                                          {"scope", scope_json(company)},
                                          {"valid", parsed.entries.size()},
                                          {"added", r.added},
                                          {"already_present", r.already_present},
                                          {"repeated", r.repeated},
                                          {"invalid", std::move(invalid)}}));
    } else if (announce_changes(false) || !parsed.invalid.empty()) {
        std::cout << fmt::format("{}: {} added for {}, {} already listed, {} repeated in the "
                                 "file, {} invalid line{}\n",
                                 label, r.added, scope_text(company, name), r.already_present,
                                 r.repeated, parsed.invalid.size(),
                                 parsed.invalid.size() == 1 ? "" : "s");
    }
    return parsed.invalid.empty() ? 0 : to_int(ExitCode::partial);
}

} // namespace

void setup_suppress(CLI::App& app, Context& context) {
    auto* s = app.add_subcommand("suppress", "The do-not-email list, global or per company");
    s->require_subcommand(1);
    auto o = std::make_shared<SuppressOptions>();
    const auto common = [&](CLI::App* cmd, bool with_reason) {
        cmd->add_option("--company", o->company,
                        "The company's own list (default: the global list, every company)")
            ->type_name("ID");
        if (with_reason) {
            cmd->add_option("--reason", o->reason, "Why (stored with each new entry)")
                ->type_name("R");
        }
    };
    auto* add_cmd = s->add_subcommand("add", "Add addresses (already listed ones are left as "
                                             "they are)");
    add_cmd->add_option("EMAIL", o->emails, "Email addresses")->required();
    common(add_cmd, true);
    add_cmd->callback(
        [&context, o] { context.action = [&context, o] { return add(context, *o); }; });

    auto* rm = s->add_subcommand("remove", "Remove addresses from the list");
    rm->add_option("EMAIL", o->emails, "Email addresses")->required();
    common(rm, false);
    rm->callback([&context, o] { context.action = [&context, o] { return remove(context, *o); }; });

    auto* ls = s->add_subcommand("list", "The entries (with --company: the company's own and "
                                         "the global ones)");
    common(ls, false);
    ls->callback([&context, o] { context.action = [&context, o] { return list(context, *o); }; });

    auto* imp = s->add_subcommand("import", "Add every address of a file (one per line, or "
                                            "CSV); safe to repeat");
    imp->add_option("FILE", o->file, "The file ('-': standard input)")->required();
    common(imp, true);
    imp->callback(
        [&context, o] { context.action = [&context, o] { return import(context, *o); }; });
}

} // namespace eq::admin
