#include "util/time.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cstdint>
#include <optional>

namespace eq {
namespace {

using namespace std::chrono;

// Reads exactly n digits at pos; advances pos.
std::optional<int> digits(std::string_view s, std::size_t& pos, std::size_t n) {
    if (pos + n > s.size()) {
        return std::nullopt;
    }
    int v = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const char c = s[pos + i];
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        v = v * 10 + (c - '0');
    }
    pos += n;
    return v;
}

Failure bad_time(std::string_view text, std::string_view why) {
    return fail(fmt::format("cannot parse time '{}': {} (expected ISO 8601 with a zone, "
                            "e.g. 2026-05-01T09:00:00+02:00 or 2026-05-01T07:00:00Z)",
                            text.substr(0, 64), why));
}

} // namespace

Expected<Timestamp> parse_timestamp(std::string_view text, bool allow_no_zone) {
    std::size_t p = 0;
    const auto y = digits(text, p, 4);
    if (!y || p >= text.size() || text[p++] != '-') {
        return bad_time(text, "bad year");
    }
    const auto mo = digits(text, p, 2);
    if (!mo || p >= text.size() || text[p++] != '-') {
        return bad_time(text, "bad month");
    }
    const auto d = digits(text, p, 2);
    if (!d) {
        return bad_time(text, "bad day");
    }
    const year_month_day ymd{year{*y}, month{static_cast<unsigned>(*mo)},
                             day{static_cast<unsigned>(*d)}};
    if (!ymd.ok()) {
        return bad_time(text, "no such date");
    }
    if (*y < k_min_year) {
        return bad_time(text, fmt::format("year before {}", k_min_year));
    }
    if (p >= text.size() || (text[p] != 'T' && text[p] != 't' && text[p] != ' ')) {
        return bad_time(text, "missing time of day");
    }
    ++p;
    const auto h = digits(text, p, 2);
    if (!h || p >= text.size() || text[p++] != ':') {
        return bad_time(text, "bad hour");
    }
    const auto mi = digits(text, p, 2);
    if (!mi) {
        return bad_time(text, "bad minute");
    }
    int sec = 0;
    std::int64_t micro = 0;
    if (p < text.size() && text[p] == ':') {
        ++p;
        const auto s = digits(text, p, 2);
        if (!s) {
            return bad_time(text, "bad second");
        }
        sec = *s;
        if (p < text.size() && (text[p] == '.' || text[p] == ',')) {
            ++p;
            std::size_t n = 0;
            std::int64_t scale = 100000;
            while (p < text.size() && std::isdigit(static_cast<unsigned char>(text[p]))) {
                if (n < 6) {
                    micro += (text[p] - '0') * scale;
                    scale /= 10;
                }
                ++n;
                ++p;
            }
            if (n == 0) {
                return bad_time(text, "bad fraction of a second");
            }
        }
    }
    if (*h > 23 || *mi > 59 || sec > 60) {
        return bad_time(text, "time of day out of range");
    }
    int offset_minutes = 0;
    if (p == text.size()) {
        if (!allow_no_zone) {
            return bad_time(text, "missing time zone");
        }
    } else if (text[p] == 'Z' || text[p] == 'z') {
        ++p;
    } else if (text[p] == '+' || text[p] == '-') {
        const int sign = text[p] == '-' ? -1 : 1;
        ++p;
        const auto oh = digits(text, p, 2);
        if (!oh) {
            return bad_time(text, "bad zone offset");
        }
        int om = 0;
        if (p < text.size()) {
            if (text[p] == ':') {
                ++p;
            }
            const auto m = digits(text, p, 2);
            if (!m) {
                return bad_time(text, "bad zone offset");
            }
            om = *m;
        }
        if (*oh > 15 || om > 59) {
            return bad_time(text, "zone offset out of range");
        }
        offset_minutes = sign * (*oh * 60 + om);
    } else {
        return bad_time(text, "unexpected text after the time");
    }
    if (p != text.size()) {
        return bad_time(text, "unexpected text after the zone");
    }
    const auto local = sys_days{ymd} + hours{*h} + minutes{*mi} + seconds{sec};
    return Timestamp{time_point_cast<microseconds>(local - minutes{offset_minutes}) +
                     microseconds{micro}};
}

std::string format_timestamp(Timestamp t, bool micros) {
    const auto day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss hms{t - day};
    std::string out = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", int(ymd.year()),
                                  unsigned(ymd.month()), unsigned(ymd.day()), hms.hours().count(),
                                  hms.minutes().count(), hms.seconds().count());
    if (micros) {
        out += fmt::format(".{:06}", hms.subseconds().count());
    }
    out += 'Z';
    return out;
}

Expected<Seconds> parse_duration(std::string_view text) {
    if (text.empty()) {
        return fail("empty duration (expected e.g. 90s, 15m, 2h, 7d, 1h30m)");
    }
    std::int64_t total = 0;
    std::size_t p = 0;
    while (p < text.size()) {
        std::int64_t n = 0;
        std::size_t start = p;
        while (p < text.size() && std::isdigit(static_cast<unsigned char>(text[p]))) {
            n = n * 10 + (text[p] - '0');
            if (n > 100'000'000) {
                return fail(fmt::format("duration '{}' is too large", text.substr(0, 64)));
            }
            ++p;
        }
        if (p == start || p == text.size()) {
            return fail(fmt::format("cannot parse duration '{}' (expected a number and a unit "
                                    "s, m, h, d or w, e.g. 90s, 15m, 2h, 7d, 1h30m)",
                                    text.substr(0, 64)));
        }
        std::int64_t unit = 0;
        switch (text[p]) {
        case 's':
            unit = 1;
            break;
        case 'm':
            unit = 60;
            break;
        case 'h':
            unit = 3600;
            break;
        case 'd':
            unit = 86400;
            break;
        case 'w':
            unit = 7 * 86400;
            break;
        default:
            return fail(fmt::format("cannot parse duration '{}': unknown unit '{}' "
                                    "(use s, m, h, d or w)",
                                    text.substr(0, 64), text[p]));
        }
        ++p;
        total += n * unit;
        if (total > k_max_duration.count()) {
            return fail(fmt::format("duration '{}' is too large (at most {}, 100 years)",
                                    text.substr(0, 64), format_duration(k_max_duration)));
        }
    }
    return Seconds{total};
}

std::string format_duration(Seconds d) {
    std::int64_t s = d.count();
    const char* sign = "";
    if (s < 0) {
        sign = "-";
        s = -s;
    }
    const std::int64_t days_ = s / 86400, hours_ = s % 86400 / 3600, mins = s % 3600 / 60,
                       secs = s % 60;
    if (days_ > 0) {
        return hours_ ? fmt::format("{}{}d {}h", sign, days_, hours_)
                      : fmt::format("{}{}d", sign, days_);
    }
    if (hours_ > 0) {
        return mins ? fmt::format("{}{}h {}m", sign, hours_, mins)
                    : fmt::format("{}{}h", sign, hours_);
    }
    if (mins > 0) {
        return secs ? fmt::format("{}{}m {}s", sign, mins, secs) : fmt::format("{}{}m", sign, mins);
    }
    return fmt::format("{}{}s", sign, secs);
}

} // namespace eq
