#include "admin/args.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <cstdlib>

#include "db/connection.hpp"
#include "throttle/company_state.hpp"
#include "util/error.hpp"
#include "util/strings.hpp"

namespace eq::admin {

namespace {

constexpr db::Statement k_company{"admin_find_company", "SELECT name FROM companies WHERE id = $1"};
constexpr db::Statement k_run{"admin_find_run", "SELECT id FROM campaign_runs WHERE id = $1"};

} // namespace

Uuid uuid_arg(std::string_view text, std::string_view what) {
    return Uuid::from_arg(text, what);
}

std::int64_t integer_arg(std::string_view text, std::string_view what, std::int64_t min,
                         std::int64_t max) {
    auto v = parse_integer(text, what, min, max);
    if (!v) {
        throw Error(ExitCode::usage, v.error());
    }
    return *v;
}

Seconds duration_arg(std::string_view text, std::string_view what) {
    auto d = parse_duration(text);
    if (!d) {
        throw Error(ExitCode::usage, fmt::format("{}: {}", what, d.error()));
    }
    return *d;
}

Timestamp since_arg(std::string_view text, std::string_view what, Timestamp now) {
    if (auto t = parse_timestamp(text)) {
        return *t;
    }
    const auto d = parse_duration(text);
    if (d) {
        return now - *d;
    }
    if (!text.empty() && std::isdigit(static_cast<unsigned char>(text.front())) &&
        text.find_first_of("-:T ") == std::string_view::npos) {
        // A duration, but not one we take (too large): say why.
        throw Error(ExitCode::usage, fmt::format("{}: {}", what, d.error()));
    }
    throw Error(ExitCode::usage,
                fmt::format("{}: '{}' is neither a time nor a duration", what, text.substr(0, 64)),
                "give a time with a zone (2026-05-01T07:00:00Z) or a duration (90m, 2h, 7d)");
}

double rate_arg(std::string_view text, std::string_view what) {
    const std::string s(trim(text));
    char* end = nullptr;
    const double v = s.empty() ? std::nan("") : std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v)) {
        throw Error(ExitCode::usage,
                    fmt::format("{}: '{}' is not a number", what, text.substr(0, 64)));
    }
    if (v < 0 || v > 1) {
        throw Error(ExitCode::usage,
                    fmt::format("{}: {} is outside 0..1 (a rate: 0.2 means 20%)", what, s));
    }
    return v;
}

std::string require_company(db::Connection& conn, const Uuid& company_id) {
    const auto r = conn.maybe_one(k_company, company_id);
    if (r.empty()) {
        throw Error(ExitCode::not_found, fmt::format("no company {}", company_id.str()));
    }
    return r.only().text("name");
}

void require_run(db::Connection& conn, const Uuid& run_id) {
    if (conn.maybe_one(k_run, run_id).empty()) {
        throw Error(ExitCode::not_found, fmt::format("no campaign run {}", run_id.str()));
    }
}

Timestamp database_now(db::Connection& conn) {
    return throttle::database_clock(conn);
}

} // namespace eq::admin
