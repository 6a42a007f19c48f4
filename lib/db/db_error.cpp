// The database layer's errors: the contract is in db/db_error.hpp.

#include "db/db_error.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <optional>

namespace eq::db {

ExitCode exit_code_for_sqlstate(std::string_view s) {
    if (s.starts_with("08") || s == "57P01" || s == "57P02" || s == "57P03" ||
        s.starts_with("53")) {
        return ExitCode::unavailable;
    }
    if (s == "42P01" || s == "42703" || s == "42883" || s == "3F000" || s == "42704") {
        return ExitCode::schema;
    }
    if (s == "42501" || s.starts_with("28")) {
        return ExitCode::permission;
    }
    if (s == "40001" || s == "40P01" || s == "55P03" || s == "57014") {
        return ExitCode::temporary;
    }
    if (s.starts_with("22") || s.starts_with("23")) {
        return ExitCode::data;
    }
    return ExitCode::internal;
}

namespace {

constexpr const char* k_pool_mode_hint =
    "set database.pool_mode: transaction in the configuration when database.url goes "
    "through a pooler in transaction mode (PgBouncer, RDS Proxy, Supabase's port 6543), or "
    "connect to the database's direct port";

std::string percent_decoded(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size() &&
            std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
            out.push_back(
                static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16)));
            i += 2;
        } else {
            out.push_back(text[i]);
        }
    }
    return out;
}

// The password of a URI's user information ("postgresql://user:PASSWORD@host"), read
// as text so that a URI libpq refuses is covered too.
std::optional<std::string> uri_password(std::string_view conninfo) {
    const auto scheme = conninfo.find("://");
    if (scheme == std::string_view::npos) {
        return std::nullopt;
    }
    const auto rest = conninfo.substr(scheme + 3);
    const auto at = rest.rfind('@', rest.find_first_of("/?"));
    if (at == std::string_view::npos) {
        return std::nullopt;
    }
    const auto colon = rest.substr(0, at).find(':');
    if (colon == std::string_view::npos) {
        return std::nullopt;
    }
    return std::string(rest.substr(colon + 1, at - colon - 1));
}

} // namespace

PoolModeError::PoolModeError(const std::string& what, std::string sqlstate,
                             std::string server_message)
    : DbError(ExitCode::config,
              fmt::format("{}: a connection pooler in transaction mode is the likely cause", what),
              std::move(sqlstate), std::move(server_message), k_pool_mode_hint) {}

PoolModeError lock_vanished(std::string_view what) {
    const std::string message = fmt::format("the session lock {} was no longer held", what);
    return PoolModeError(fmt::format("database: {}", message), "55000", message);
}

std::vector<std::string> conninfo_passwords(const std::string& conninfo) {
    std::vector<std::string> out;
    const auto add = [&](std::string p) {
        if (!p.empty() && std::find(out.begin(), out.end(), p) == out.end()) {
            out.push_back(std::move(p));
        }
    };
    if (const auto p = uri_password(conninfo)) {
        add(*p);
        add(percent_decoded(*p));
    }
    char* error = nullptr;
    if (PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error)) {
        for (const auto* o = options; o->keyword != nullptr; ++o) {
            if (std::string_view(o->keyword) == "password" && o->val != nullptr) {
                add(o->val);
            }
        }
        PQconninfoFree(options);
    }
    PQfreemem(error);
    return out;
}

} // namespace eq::db
