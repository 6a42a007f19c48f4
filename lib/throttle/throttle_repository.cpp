#include "throttle/throttle_repository.hpp"

#include <fmt/format.h>

#include "db/connection.hpp"

namespace eq::throttle {

namespace {

constexpr db::Statement k_get{
    "get_email_throttle_settings",
    "SELECT c.id AS company_id, t.max_emails_per_hour, t.max_emails_per_day, t.enabled,"
    " t.created_at, t.updated_at"
    " FROM companies c LEFT JOIN email_throttle_settings t ON t.company_id = c.id"
    " WHERE c.id = $1"};

// Inserting from companies makes an unknown company return no row instead of
// violating the foreign key.
constexpr db::Statement k_upsert{
    "update_email_throttle_settings",
    "INSERT INTO email_throttle_settings AS t"
    " (company_id, max_emails_per_hour, max_emails_per_day, enabled)"
    " SELECT c.id, COALESCE($2::integer, $5::integer), COALESCE($3::integer, $6::integer),"
    "   COALESCE($4, true)"
    " FROM companies c WHERE c.id = $1"
    " ON CONFLICT (company_id) DO UPDATE SET"
    " max_emails_per_hour = COALESCE($2, t.max_emails_per_hour),"
    " max_emails_per_day = COALESCE($3, t.max_emails_per_day),"
    " enabled = COALESCE($4, t.enabled),"
    " updated_at = now()"
    " RETURNING company_id, max_emails_per_hour, max_emails_per_day, enabled, created_at,"
    " updated_at"};

constexpr db::Statement k_sent_count{
    "get_emails_sent_count", "SELECT count(*) AS n FROM email_queue"
                             " WHERE company_id = $1 AND status = 'sent' AND processed_at >= $2"};

} // namespace

const db::Statement k_window_usage_statement{
    "get_window_usage",
    "SELECT"
    " (SELECT count(*) FROM email_queue WHERE company_id = $1 AND status IN ('sent', 'held')"
    "   AND processed_at >= now() - interval '1 hour') AS sent_last_hour,"
    " (SELECT count(*) FROM email_queue WHERE company_id = $1 AND status IN ('sent', 'held')"
    "   AND processed_at >= now() - interval '24 hours') AS sent_last_day,"
    " (SELECT count(*) FROM email_queue WHERE company_id = $1 AND status = 'processing')"
    "   AS in_flight"};

EmailThrottleSettings settings_from_row(const db::Row& row, const ThrottleDefaults& defaults) {
    EmailThrottleSettings s;
    s.company_id = row.uuid("company_id");
    s.max_emails_per_hour = defaults.per_hour;
    s.max_emails_per_day = defaults.per_day;
    if (!row.is_null("created_at")) {
        s.max_emails_per_hour = static_cast<int>(row.integer("max_emails_per_hour"));
        s.max_emails_per_day = static_cast<int>(row.integer("max_emails_per_day"));
        s.enabled = row.boolean("enabled");
        s.created_at = row.time("created_at");
        s.updated_at = row.time("updated_at");
    }
    return s;
}

namespace {

[[noreturn]] void no_company(const Uuid& id) {
    throw Error(ExitCode::not_found, fmt::format("no company {}", id.str()));
}

} // namespace

EmailThrottleSettings get_email_throttle_settings(db::Connection& conn, const Uuid& company_id,
                                                  const ThrottleDefaults& defaults) {
    const auto r = conn.maybe_one(k_get, company_id);
    if (r.empty()) {
        no_company(company_id);
    }
    return settings_from_row(r.only(), defaults);
}

EmailThrottleSettings update_email_throttle_settings(db::Connection& conn, const Uuid& company_id,
                                                     std::optional<int> max_emails_per_hour,
                                                     std::optional<int> max_emails_per_day,
                                                     std::optional<bool> enabled,
                                                     const ThrottleDefaults& defaults) {
    for (const auto& [value, name] : {std::pair{max_emails_per_hour, "max_emails_per_hour"},
                                      std::pair{max_emails_per_day, "max_emails_per_day"}}) {
        if (value && *value < 0) {
            throw Error(ExitCode::usage, fmt::format("{} {} is negative", name, *value));
        }
    }
    const auto r = conn.maybe_one(k_upsert, company_id, max_emails_per_hour, max_emails_per_day,
                                  enabled, defaults.per_hour, defaults.per_day);
    if (r.empty()) {
        no_company(company_id);
    }
    return settings_from_row(r.only(), defaults);
}

std::int64_t get_emails_sent_count(db::Connection& conn, const Uuid& company_id,
                                   Timestamp start_time) {
    return conn.one(k_sent_count, company_id, start_time).only().integer("n");
}

WindowUsage get_window_usage(db::Connection& conn, const Uuid& company_id) {
    const auto r = conn.one(k_window_usage_statement, company_id);
    const auto row = r.only();
    return {row.integer("sent_last_hour"), row.integer("sent_last_day"), row.integer("in_flight")};
}

} // namespace eq::throttle
