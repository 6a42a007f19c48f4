#include "message/encoding.hpp"

#include <fmt/format.h>

namespace eq::message {

std::string normalize_crlf(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 32);
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\r') {
            out += "\r\n";
            if (i + 1 < text.size() && text[i + 1] == '\n') {
                ++i;
            }
        } else if (c == '\n') {
            out += "\r\n";
        } else {
            out.push_back(c);
        }
    }
    return out;
}

std::string quoted_printable(std::string_view text) {
    constexpr std::size_t k_max = 76;
    std::string out;
    out.reserve(text.size() + text.size() / 4);
    std::size_t start = 0;
    while (start <= text.size()) {
        auto end = text.find("\r\n", start);
        const bool last = end == std::string_view::npos;
        if (last) {
            end = text.size();
        }
        const auto line = text.substr(start, end - start);
        std::size_t width = 0;
        for (std::size_t i = 0; i < line.size(); ++i) {
            const auto c = static_cast<unsigned char>(line[i]);
            const bool at_end = i + 1 == line.size();
            std::string piece;
            if ((c == ' ' || c == '\t') && !at_end) {
                piece.push_back(static_cast<char>(c));
            } else if (c >= 33 && c <= 126 && c != '=') {
                piece.push_back(static_cast<char>(c));
            } else {
                piece = fmt::format("={:02X}", c);
            }
            // Keep room for the '=' of a soft break, unless this is the line's end.
            const std::size_t room = at_end ? k_max : k_max - 1;
            if (width + piece.size() > room) {
                out += "=\r\n";
                width = 0;
            }
            out += piece;
            width += piece.size();
        }
        if (last) {
            break;
        }
        out += "\r\n";
        start = end + 2;
    }
    return out;
}

std::size_t longest_line(std::string_view text) {
    std::size_t longest = 0;
    std::size_t start = 0;
    while (true) {
        const auto nl = text.find('\n', start);
        auto end = nl == std::string_view::npos ? text.size() : nl;
        std::size_t len = end - start;
        if (nl != std::string_view::npos && len > 0 && text[end - 1] == '\r') {
            --len;
        }
        longest = std::max(longest, len);
        if (nl == std::string_view::npos) {
            return longest;
        }
        start = nl + 1;
    }
}

bool is_clean_crlf(std::string_view text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\0') {
            return false;
        }
        if (c == '\r' && (i + 1 >= text.size() || text[i + 1] != '\n')) {
            return false;
        }
        if (c == '\n' && (i == 0 || text[i - 1] != '\r')) {
            return false;
        }
    }
    return true;
}

} // namespace eq::message
