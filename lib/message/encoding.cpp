#include "message/encoding.hpp"

namespace eq::message {

// These run over every message's parts, so they copy runs of ordinary octets at once
// rather than one by one.

std::string normalize_crlf(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 32);
    const std::size_t n = text.size();
    std::size_t i = 0;
    while (i < n) {
        std::size_t j = i;
        while (j < n && text[j] != '\r' && text[j] != '\n') {
            ++j;
        }
        out.append(text.data() + i, j - i);
        if (j == n) {
            break;
        }
        out += "\r\n";
        i = j + (text[j] == '\r' && j + 1 < n && text[j + 1] == '\n' ? 2 : 1);
    }
    return out;
}

std::string quoted_printable(std::string_view text) {
    constexpr std::size_t k_max = 76;
    constexpr std::string_view k_hex = "0123456789ABCDEF";
    // Written into a buffer sized for the worst case (every octet an =XX triple, a soft
    // break every 25 octets), then cut to size.
    std::string out(3 * text.size() + 3 * (text.size() / 24 + 1) + 2, '\0');
    char* o = out.data();
    std::size_t start = 0;
    while (true) {
        auto end = text.find("\r\n", start);
        const bool last = end == std::string_view::npos;
        if (last) {
            end = text.size();
        }
        std::size_t width = 0;
        for (std::size_t i = start; i < end; ++i) {
            const auto c = static_cast<unsigned char>(text[i]);
            const bool at_end = i + 1 == end;
            const bool literal =
                ((c == ' ' || c == '\t') && !at_end) || (c >= 33 && c <= 126 && c != '=');
            const std::size_t size = literal ? 1 : 3;
            // Keep room for the '=' of a soft break, unless this is the line's end.
            const std::size_t room = at_end ? k_max : k_max - 1;
            if (width + size > room) {
                *o++ = '=';
                *o++ = '\r';
                *o++ = '\n';
                width = 0;
            }
            if (literal) {
                *o++ = static_cast<char>(c);
            } else {
                *o++ = '=';
                *o++ = k_hex[c >> 4];
                *o++ = k_hex[c & 0x0f];
            }
            width += size;
        }
        if (last) {
            break;
        }
        *o++ = '\r';
        *o++ = '\n';
        start = end + 2;
    }
    out.resize(static_cast<std::size_t>(o - out.data()));
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
        const auto c = static_cast<unsigned char>(text[i]);
        if (c > '\r') {
            continue; // neither NUL, CR nor LF
        }
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
