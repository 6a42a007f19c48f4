#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/json.hpp"
#include "util/time.hpp"

namespace eq::admin {

// Human output for an 80-column terminal. Colour only when stdout is a terminal, NO_COLOR
// is unset and TERM is not "dumb".
enum class Colour { none, red, yellow, green, blue, dim, bold };

bool colour_enabled();
// text wrapped in the colour's escape sequence when colour is enabled.
std::string paint(std::string_view text, Colour colour);

// text cut to at most `width` columns (ending in "~" when cut), padded to `width` when
// pad is true. Counts bytes: names are shown as stored.
std::string fit(std::string_view text, std::size_t width, bool pad = true);

// text broken at spaces into lines of at most `width` columns, each after `indent`
// spaces, every line ending in '\n' (a word longer than a line is cut).
std::string wrap(std::string_view text, std::size_t width, std::size_t indent);

// "[####xx--....      ]": sent '#', failed 'x', skipped '-', pending '.', of `total`
// over `width` cells (coloured when colour is enabled).
std::string progress_bar(std::int64_t sent, std::int64_t failed, std::int64_t skipped,
                         std::int64_t pending, std::int64_t total, std::size_t width);

// A horizontal bar of value / max over `width` cells.
std::string bar(double value, double max, std::size_t width);

// "3h 20m" from `from` to `to` ("0s" when to <= from).
std::string age(Timestamp from, Timestamp to);
// "in 12m" / "now" / "12m ago" relative to now.
std::string relative(Timestamp t, Timestamp now);
// "2026-05-01 07:00" (UTC) for tables.
std::string short_time(Timestamp t);

// A time for --json: "2026-05-01T07:00:00Z", or null.
Json time_json(const std::optional<Timestamp>& t);

// Commands that change something speak only on a terminal (or with --json).
bool announce_changes(bool json);

} // namespace eq::admin
