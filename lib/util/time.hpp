#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "util/expected.hpp"

namespace eq {

// Instants are UTC with microsecond precision, as PostgreSQL's timestamptz stores them.
using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;
using Seconds = std::chrono::seconds;

// The bounds of what the parsers accept, so that arithmetic on a parsed value (a cutoff
// = now - duration) can never overflow a Timestamp (about +-292,000 years in
// microseconds) or leave PostgreSQL's range: durations up to 100 years, years from 0001
// to 9999 (four digits; PostgreSQL has no year 0).
constexpr Seconds k_max_duration{36500LL * 86400};
constexpr int k_min_year = 1;

// Parses ISO 8601 / RFC 3339 ("2026-05-01T09:00:00+02:00", "...Z") and PostgreSQL's
// ISO output ("2026-05-01 07:00:00.25+00"). A zone is required unless allow_no_zone,
// in which case a time without one is read as UTC.
Expected<Timestamp> parse_timestamp(std::string_view text, bool allow_no_zone = false);

// "2026-05-01T07:00:00Z"; fractional seconds only when micros is true.
std::string format_timestamp(Timestamp t, bool micros = false);

// Durations as operators type them: "90s", "15m", "2h", "7d", "1w", "1h30m".
// A bare number is rejected: the unit is never guessed.
Expected<Seconds> parse_duration(std::string_view text);

// The largest two units: "45s", "12m 5s", "3h 20m", "2d 4h".
std::string format_duration(Seconds d);

} // namespace eq
