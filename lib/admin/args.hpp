#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/time.hpp"
#include "util/uuid.hpp"

namespace eq::db {
class Connection;
}

namespace eq::admin {

// Command-line values, checked before anything is read or written. Each throws
// eq::Error(usage) with a message naming `what` ("company id", "--per-hour", ...).
Uuid uuid_arg(std::string_view text, std::string_view what);
std::int64_t integer_arg(std::string_view text, std::string_view what, std::int64_t min,
                         std::int64_t max);
Seconds duration_arg(std::string_view text, std::string_view what);
// A time (ISO 8601 with a zone) or a duration meaning that long before `now`.
Timestamp since_arg(std::string_view text, std::string_view what, Timestamp now);
double rate_arg(std::string_view text, std::string_view what);

// Lookups that turn an unknown id into eq::Error(not_found). Return the name.
std::string require_company(db::Connection& conn, const Uuid& company_id);
void require_run(db::Connection& conn, const Uuid& run_id);

// The database's clock (what every window and lease is measured by).
Timestamp database_now(db::Connection& conn);

} // namespace eq::admin
