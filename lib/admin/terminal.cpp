#include "admin/terminal.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "cli/app.hpp"

namespace eq::admin {

bool colour_enabled() {
    static const bool enabled = [] {
        const char* no_colour = std::getenv("NO_COLOR");
        const char* term = std::getenv("TERM");
        return cli::stdout_is_terminal() && (no_colour == nullptr || *no_colour == '\0') &&
               !(term != nullptr && std::string_view(term) == "dumb");
    }();
    return enabled;
}

std::string paint(std::string_view text, Colour colour) {
    if (colour == Colour::none || !colour_enabled() || text.empty()) {
        return std::string(text);
    }
    std::string_view code;
    switch (colour) {
    case Colour::red:
        code = "31";
        break;
    case Colour::yellow:
        code = "33";
        break;
    case Colour::green:
        code = "32";
        break;
    case Colour::blue:
        code = "34";
        break;
    case Colour::dim:
        code = "2";
        break;
    case Colour::bold:
        code = "1";
        break;
    case Colour::none:
        break;
    }
    return fmt::format("\x1b[{}m{}\x1b[0m", code, text);
}

std::string fit(std::string_view text, std::size_t width, bool pad) {
    std::string out(text.substr(0, width));
    if (text.size() > width && width > 0) {
        out.back() = '~';
    }
    if (pad && out.size() < width) {
        out.append(width - out.size(), ' ');
    }
    return out;
}

std::string wrap(std::string_view text, std::size_t width, std::size_t indent) {
    const std::size_t room = width > indent + 10 ? width - indent : 10;
    std::string out, line;
    const auto flush = [&] {
        out += std::string(indent, ' ') + line + '\n';
        line.clear();
    };
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find(' ', start);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        std::string_view word = text.substr(start, end - start);
        start = end + 1;
        while (word.size() > room) {
            if (!line.empty()) {
                flush();
            }
            line = std::string(word.substr(0, room));
            flush();
            word.remove_prefix(room);
        }
        if (!line.empty() && line.size() + 1 + word.size() > room) {
            flush();
        }
        if (!word.empty()) {
            line += (line.empty() ? "" : " ") + std::string(word);
        }
    }
    if (!line.empty() || out.empty()) {
        flush();
    }
    return out;
}

std::string progress_bar(std::int64_t sent, std::int64_t failed, std::int64_t skipped,
                         std::int64_t pending, std::int64_t total, std::size_t width) {
    const auto denom =
        std::max<std::int64_t>({total, sent + failed + skipped + pending, std::int64_t{1}});
    const auto cells = [&](std::int64_t v) {
        return static_cast<std::size_t>(std::llround(
            static_cast<double>(v) * static_cast<double>(width) / static_cast<double>(denom)));
    };
    std::size_t used = 0;
    std::string out = "[";
    for (const auto& [v, ch, colour] :
         {std::tuple{sent, '#', Colour::green}, std::tuple{failed, 'x', Colour::red},
          std::tuple{skipped, '-', Colour::yellow}, std::tuple{pending, '.', Colour::none}}) {
        const auto n = std::min(cells(v), width - used);
        out += paint(std::string(n, ch), colour);
        used += n;
    }
    out.append(width - used, ' ');
    out += "]";
    return out;
}

std::string bar(double value, double max, std::size_t width) {
    if (!(max > 0) || !(value > 0)) {
        return {};
    }
    const auto n = static_cast<std::size_t>(
        std::max(1.0, std::round(value / max * static_cast<double>(width))));
    return std::string(std::min(n, width), '#');
}

std::string age(Timestamp from, Timestamp to) {
    return format_duration(std::max(Seconds(0), std::chrono::duration_cast<Seconds>(to - from)));
}

std::string relative(Timestamp t, Timestamp now) {
    const auto d = std::chrono::duration_cast<Seconds>(t - now);
    if (d.count() == 0) {
        return "now";
    }
    return d.count() > 0 ? "in " + format_duration(d) : format_duration(-d) + " ago";
}

std::string short_time(Timestamp t) {
    return format_timestamp(t).substr(0, 16).replace(10, 1, " ");
}

Json time_json(const std::optional<Timestamp>& t) {
    return t ? Json(format_timestamp(*t)) : Json();
}

bool announce_changes(bool json) {
    return !json && cli::stdout_is_terminal();
}

} // namespace eq::admin
