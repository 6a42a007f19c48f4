#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/connection.hpp"
#include "util/expected.hpp"
#include "util/time.hpp"
#include "util/uuid.hpp"

namespace eq::throttle {

// When and how fast a company sends, beyond its hourly and daily limits
// (email_queue_schedules, email_queue_holidays). A company without a row has no window,
// no pacing, no ramp and no auto-pause.
struct SendingSchedule {
    Uuid company_id;
    // The window: an IANA zone (none: no window), days (bit 0 Monday ... bit 6 Sunday)
    // and local minutes [start, end) of the day (end 1440 = midnight). A lead with a
    // known zone of its own gets the window in that zone.
    std::optional<std::string> timezone;
    int days = 127;
    int window_start = 0;  // minutes after local midnight
    int window_end = 1440; // exclusive
    // Pacing: two sends of the company are at least min_gap apart, plus a random part of
    // jitter. Zero: no pacing.
    Seconds min_gap{0};
    Seconds jitter{0};
    // Ramp-up: nothing, or the daily limit on ramp_started_on (YYYY-MM-DD), growing by
    // ramp_step a day up to max_emails_per_day.
    std::optional<int> ramp_start;
    int ramp_step = 0;
    std::optional<std::string> ramp_started_on;
    // Auto-pause: a run whose failed share of its finished attempts (since it was last
    // resumed) exceeds pause_failure_percent once it has pause_min_attempts is paused.
    std::optional<int> pause_failure_percent;
    int pause_min_attempts = 20;
    std::vector<std::string> holidays;   // YYYY-MM-DD, ascending
    std::optional<Timestamp> updated_at; // absent: no row

    bool has_window() const { return timezone.has_value(); }
    bool is_default() const { return !updated_at.has_value(); }
};

// A change to a schedule: each field given replaces the stored one. In the optional
// fields an inner nullopt clears the setting ("--timezone none").
struct ScheduleChange {
    std::optional<std::optional<std::string>> timezone;
    std::optional<int> days;
    std::optional<std::pair<int, int>> window; // start, end minutes
    std::optional<Seconds> min_gap;
    std::optional<Seconds> jitter;
    std::optional<std::optional<int>> ramp_start; // starting today unless ramp_started_on
    std::optional<int> ramp_step;
    std::optional<std::string> ramp_started_on;
    std::optional<std::optional<int>> pause_failure_percent;
    std::optional<int> pause_min_attempts;
    std::vector<std::string> add_holidays;
    std::vector<std::string> remove_holidays;

    bool empty() const;
};

// The company's schedule with its holidays; the default when it has no row.
SendingSchedule get_sending_schedule(db::Connection& conn, const Uuid& company_id);

// Applies the change (creating the row when absent) and returns the new schedule. Call
// inside a transaction; the company must exist. Throws eq::Error(usage) for a zone
// PostgreSQL does not know, a ramp start date that is not a date, or a holiday that is
// not a date; nothing is written then.
SendingSchedule update_sending_schedule(db::Connection& conn, const Uuid& company_id,
                                        const ScheduleChange& change);

// Parsers for the command line; each failure says what was expected.
// "mon-fri", "mon,wed,fri", "sat-sun", "all", "none" -> bit mask (bit 0 Monday).
Expected<int> parse_days(std::string_view text);
// "08:00-17:00" (end 24:00 allowed; start before end) -> minutes.
Expected<std::pair<int, int>> parse_window(std::string_view text);
// "mon-fri" style text for a mask: ranges of consecutive days, "none" for 0.
std::string format_days(int days);
// "08:00-17:00".
std::string format_window(int start, int end);

} // namespace eq::throttle
