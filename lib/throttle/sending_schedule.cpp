#include "throttle/sending_schedule.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>

#include "util/strings.hpp"

namespace eq::throttle {

namespace {

constexpr db::Statement k_get{
    "get_sending_schedule",
    "SELECT timezone, days, extract(epoch FROM window_start)::int / 60 AS window_start,"
    " extract(epoch FROM window_end)::int / 60 AS window_end, min_gap_seconds, jitter_seconds,"
    " ramp_start, ramp_step, to_char(ramp_started_on, 'YYYY-MM-DD') AS ramp_started_on,"
    " pause_failure_percent, pause_min_attempts, updated_at"
    " FROM email_queue_schedules WHERE company_id = $1"};

constexpr db::Statement k_holidays{
    "get_holidays", "SELECT to_char(day, 'YYYY-MM-DD') AS day FROM email_queue_holidays"
                    " WHERE company_id = $1 ORDER BY day"};

constexpr db::Statement k_zone_known{
    "time_zone_known", "SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = $1) AS known"};

// A zone newer than the list made at migration time joins it once an operator uses it.
constexpr db::Statement k_remember_zone{
    "remember_time_zone",
    "INSERT INTO email_queue_time_zones (name) VALUES ($1) ON CONFLICT DO NOTHING"};

constexpr db::Statement k_upsert{
    "update_sending_schedule",
    "INSERT INTO email_queue_schedules AS s (company_id, timezone, days, window_start,"
    "   window_end, min_gap_seconds, jitter_seconds, ramp_start, ramp_step, ramp_started_on,"
    "   pause_failure_percent, pause_min_attempts)"
    " VALUES ($1, $2, $3, $4::time, $5::time, $6, $7, $8, $9,"
    "   CASE WHEN $8::int IS NULL THEN NULL ELSE COALESCE($10::date, current_date) END,"
    "   $11, $12)"
    " ON CONFLICT (company_id) DO UPDATE SET timezone = EXCLUDED.timezone,"
    "   days = EXCLUDED.days, window_start = EXCLUDED.window_start,"
    "   window_end = EXCLUDED.window_end, min_gap_seconds = EXCLUDED.min_gap_seconds,"
    "   jitter_seconds = EXCLUDED.jitter_seconds, ramp_start = EXCLUDED.ramp_start,"
    "   ramp_step = EXCLUDED.ramp_step, ramp_started_on = EXCLUDED.ramp_started_on,"
    "   pause_failure_percent = EXCLUDED.pause_failure_percent,"
    "   pause_min_attempts = EXCLUDED.pause_min_attempts, updated_at = now()"};

constexpr db::Statement k_add_holiday{
    "add_holiday", "INSERT INTO email_queue_holidays (company_id, day) VALUES ($1, $2::date)"
                   " ON CONFLICT DO NOTHING"};

constexpr db::Statement k_remove_holiday{
    "remove_holiday", "DELETE FROM email_queue_holidays WHERE company_id = $1 AND day = $2::date"};

constexpr std::array<std::string_view, 7> k_day_names{"mon", "tue", "wed", "thu",
                                                      "fri", "sat", "sun"};

std::optional<int> day_index(std::string_view name) {
    for (std::size_t i = 0; i < k_day_names.size(); ++i) {
        if (k_day_names[i] == name) {
            return static_cast<int>(i);
        }
    }
    return std::nullopt;
}

std::optional<int> two_digits(std::string_view s) {
    int v = 0;
    if (s.size() != 2 || std::from_chars(s.data(), s.data() + 2, v).ptr != s.data() + 2) {
        return std::nullopt;
    }
    return v;
}

// "HH:MM" -> minutes; 24:00 only when allow_midnight.
std::optional<int> parse_clock(std::string_view s, bool allow_midnight) {
    if (s.size() != 5 || s[2] != ':') {
        return std::nullopt;
    }
    const auto h = two_digits(s.substr(0, 2));
    const auto m = two_digits(s.substr(3, 2));
    if (!h || !m || *m > 59 || *h > 24 || (*h == 24 && (*m != 0 || !allow_midnight))) {
        return std::nullopt;
    }
    return *h * 60 + *m;
}

std::string clock_text(int minutes) {
    return fmt::format("{:02}:{:02}", minutes / 60, minutes % 60);
}

// YYYY-MM-DD naming a real day.
Expected<std::string> checked_date(std::string_view text, std::string_view what) {
    int y = 0;
    const bool shape = text.size() == 10 && text[4] == '-' && text[7] == '-' &&
                       std::from_chars(text.data(), text.data() + 4, y).ptr == text.data() + 4;
    const auto m = shape ? two_digits(text.substr(5, 2)) : std::nullopt;
    const auto d = shape ? two_digits(text.substr(8, 2)) : std::nullopt;
    if (!m || !d ||
        !std::chrono::year_month_day{std::chrono::year(y),
                                     std::chrono::month(static_cast<unsigned>(*m)),
                                     std::chrono::day(static_cast<unsigned>(*d))}
             .ok()) {
        return fail(fmt::format("{} '{}' is not a date (YYYY-MM-DD)", what, text));
    }
    return std::string(text);
}

void check(const Expected<std::string>& date) {
    if (!date) {
        throw Error(ExitCode::usage, date.error());
    }
}

} // namespace

bool ScheduleChange::empty() const {
    return !timezone && !days && !window && !min_gap && !jitter && !ramp_start && !ramp_step &&
           !ramp_started_on && !pause_failure_percent && !pause_min_attempts &&
           add_holidays.empty() && remove_holidays.empty();
}

SendingSchedule get_sending_schedule(db::Connection& conn, const Uuid& company_id) {
    SendingSchedule s;
    s.company_id = company_id;
    const auto r = conn.maybe_one(k_get, company_id);
    if (!r.empty()) {
        const auto row = r.only();
        s.timezone = row.opt_text("timezone");
        s.days = static_cast<int>(row.integer("days"));
        s.window_start = static_cast<int>(row.integer("window_start"));
        s.window_end = static_cast<int>(row.integer("window_end"));
        s.min_gap = Seconds(row.integer("min_gap_seconds"));
        s.jitter = Seconds(row.integer("jitter_seconds"));
        if (const auto v = row.opt_integer("ramp_start")) {
            s.ramp_start = static_cast<int>(*v);
        }
        s.ramp_step = static_cast<int>(row.integer("ramp_step"));
        s.ramp_started_on = row.opt_text("ramp_started_on");
        if (const auto v = row.opt_integer("pause_failure_percent")) {
            s.pause_failure_percent = static_cast<int>(*v);
        }
        s.pause_min_attempts = static_cast<int>(row.integer("pause_min_attempts"));
        s.updated_at = row.time("updated_at");
    }
    for (const auto row : conn.rows(k_holidays, company_id)) {
        s.holidays.push_back(row.text("day"));
    }
    return s;
}

SendingSchedule update_sending_schedule(db::Connection& conn, const Uuid& company_id,
                                        const ScheduleChange& c) {
    auto s = get_sending_schedule(conn, company_id);
    if (c.timezone) {
        if (*c.timezone) {
            if (!conn.one(k_zone_known, **c.timezone).only().boolean("known")) {
                throw Error(ExitCode::usage, fmt::format("unknown time zone '{}'", **c.timezone),
                            "give an IANA name such as Europe/Berlin (see pg_timezone_names)");
            }
            conn.none(k_remember_zone, **c.timezone);
        }
        s.timezone = *c.timezone;
    }
    if (c.ramp_started_on) {
        check(checked_date(*c.ramp_started_on, "--ramp-from"));
    }
    for (const auto* list : {&c.add_holidays, &c.remove_holidays}) {
        for (const auto& day : *list) {
            check(checked_date(day, "holiday"));
        }
    }
    s.days = c.days.value_or(s.days);
    if (c.window) {
        std::tie(s.window_start, s.window_end) = *c.window;
    }
    s.min_gap = c.min_gap.value_or(s.min_gap);
    s.jitter = c.jitter.value_or(s.jitter);
    if (c.ramp_start) {
        // A ramp set anew starts today unless a date is given.
        if (*c.ramp_start != s.ramp_start) {
            s.ramp_started_on.reset();
        }
        s.ramp_start = *c.ramp_start;
    }
    s.ramp_step = c.ramp_step.value_or(s.ramp_step);
    if (c.ramp_started_on) {
        s.ramp_started_on = c.ramp_started_on;
    }
    if (c.pause_failure_percent) {
        s.pause_failure_percent = *c.pause_failure_percent;
    }
    s.pause_min_attempts = c.pause_min_attempts.value_or(s.pause_min_attempts);
    conn.none(k_upsert, company_id, s.timezone, s.days, clock_text(s.window_start),
              clock_text(s.window_end), s.min_gap.count(), s.jitter.count(), s.ramp_start,
              s.ramp_step, s.ramp_started_on, s.pause_failure_percent, s.pause_min_attempts);
    for (const auto& day : c.add_holidays) {
        conn.none(k_add_holiday, company_id, day);
    }
    for (const auto& day : c.remove_holidays) {
        conn.none(k_remove_holiday, company_id, day);
    }
    return get_sending_schedule(conn, company_id);
}

Expected<int> parse_days(std::string_view text) {
    const auto bad = [&] {
        return fail(fmt::format("days '{}' are not understood: give names mon..sun, ranges "
                                "(mon-fri), lists (mon,wed,fri), 'all' or 'none'",
                                text));
    };
    if (text == "all") {
        return 127;
    }
    if (text == "none") {
        return 0;
    }
    int mask = 0;
    for (const auto& part : split(text, ',')) {
        const auto dash = part.find('-');
        const auto from = day_index(part.substr(0, dash));
        const auto to = dash == std::string::npos ? from : day_index(part.substr(dash + 1));
        if (!from || !to) {
            return bad();
        }
        // A range may wrap over the week's end (sat-mon).
        for (int d = *from;; d = (d + 1) % 7) {
            mask |= 1 << d;
            if (d == *to) {
                break;
            }
        }
    }
    if (mask == 0) {
        return bad();
    }
    return mask;
}

Expected<std::pair<int, int>> parse_window(std::string_view text) {
    const auto dash = text.find('-');
    const auto start =
        dash == std::string_view::npos ? std::nullopt : parse_clock(text.substr(0, dash), false);
    const auto end =
        dash == std::string_view::npos ? std::nullopt : parse_clock(text.substr(dash + 1), true);
    if (!start || !end) {
        return fail(fmt::format("window '{}' is not HH:MM-HH:MM (for example 08:00-17:00)", text));
    }
    if (*start >= *end) {
        return fail(fmt::format("window '{}' ends before it starts: give a window within one "
                                "local day (00:00-24:00)",
                                text));
    }
    return std::pair{*start, *end};
}

std::string format_days(int days) {
    if (days == 0) {
        return "none";
    }
    std::string out;
    for (int d = 0; d < 7;) {
        if ((days & (1 << d)) == 0) {
            ++d;
            continue;
        }
        int last = d;
        while (last + 1 < 7 && (days & (1 << (last + 1))) != 0) {
            ++last;
        }
        out += (out.empty() ? "" : ",") + std::string(k_day_names[static_cast<std::size_t>(d)]);
        if (last > d) {
            out += "-" + std::string(k_day_names[static_cast<std::size_t>(last)]);
        }
        d = last + 1;
    }
    return out;
}

std::string format_window(int start, int end) {
    return clock_text(start) + "-" + clock_text(end);
}

} // namespace eq::throttle
