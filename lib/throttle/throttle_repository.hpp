#pragma once

#include <cstdint>
#include <optional>

#include "db/connection.hpp"
#include "throttle/email_throttle_settings.hpp"

namespace eq::throttle {

// The company's settings, or the defaults when it has no row (is_default() tells).
EmailThrottleSettings get_email_throttle_settings(db::Connection& conn, const Uuid& company_id,
                                                  const ThrottleDefaults& defaults = {});

// Settings from a row of companies LEFT JOIN email_throttle_settings (columns
// company_id, max_emails_per_hour, max_emails_per_day, enabled, created_at, updated_at):
// the defaults when the company has no settings row.
EmailThrottleSettings settings_from_row(const db::Row& row, const ThrottleDefaults& defaults = {});

// Changes what is given and leaves the rest; creates the row when absent (with the
// defaults for what is not given) and sets updated_at. Throws eq::Error: not_found for an unknown
// company, usage for a negative limit (nothing is written in either case).
EmailThrottleSettings update_email_throttle_settings(db::Connection& conn, const Uuid& company_id,
                                                     std::optional<int> max_emails_per_hour,
                                                     std::optional<int> max_emails_per_day,
                                                     std::optional<bool> enabled,
                                                     const ThrottleDefaults& defaults = {});

// Emails the company sent (status 'sent') with processed_at at or after start_time.
std::int64_t get_emails_sent_count(db::Connection& conn, const Uuid& company_id,
                                   Timestamp start_time);

// The company's WindowUsage (email_throttle_settings.hpp).
WindowUsage get_window_usage(db::Connection& conn, const Uuid& company_id);

// The statement behind get_window_usage(), for EXPLAIN in tests.
extern const db::Statement k_window_usage_statement;

} // namespace eq::throttle
