#include "message/header.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "util/base64.hpp"
#include "util/strings.hpp"
#include "util/utf8.hpp"

namespace eq::message {

namespace {

constexpr std::size_t k_fold_at = 78;
constexpr std::size_t k_max_display_name = 200;
// 39 octets of UTF-8 make 52 base64 characters: "=?UTF-8?B?" + 52 + "?=" is 64, so
// "Subject: " and one encoded-word fit in 78.
constexpr std::size_t k_encoded_chunk = 39;

// Cuts at a character boundary at or before `limit` octets.
std::size_t utf8_cut(std::string_view s, std::size_t limit) {
    if (s.size() <= limit) {
        return s.size();
    }
    std::size_t cut = limit;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xc0) == 0x80) {
        --cut;
    }
    return cut;
}

std::vector<std::string> encoded_words(std::string_view text) {
    std::vector<std::string> words;
    while (!text.empty()) {
        std::size_t cut = utf8_cut(text, k_encoded_chunk);
        if (cut == 0) {
            cut = std::min(text.size(), k_encoded_chunk);
        }
        words.push_back("=?UTF-8?B?" + base64_encode(text.substr(0, cut)) + "?=");
        text.remove_prefix(cut);
    }
    return words;
}

// "Name: t1 t2 ..." with CRLF + space inserted between tokens so lines stay within 78
// octets where possible (a token is never split).
std::string fold(std::string_view name, const std::vector<std::string>& tokens) {
    std::string out = std::string(name) + ":";
    std::size_t line = out.size();
    bool first = true;
    for (const auto& t : tokens) {
        if (!first && line + 1 + t.size() > k_fold_at) {
            out += "\r\n";
            line = 0;
        }
        out += " ";
        out += t;
        line += 1 + t.size();
        first = false;
    }
    return out;
}

std::string quoted(std::string_view s) {
    std::string out = "\"";
    for (const char c : s) {
        if (c == '"' || c == '\\') {
            out.push_back('\\');
        }
        out.push_back(c);
    }
    out.push_back('"');
    return out;
}

} // namespace

std::string clean_header_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    bool space = false;
    for (const char ch : value) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c == 0x7f || c == ' ') {
            space = true;
            continue;
        }
        if (space && !out.empty()) {
            out.push_back(' ');
        }
        space = false;
        out.push_back(ch);
    }
    return repair_utf8(out);
}

std::string unstructured_header(std::string_view name, std::string_view value) {
    const std::string v = clean_header_value(value);
    const auto words = split(v, ' ');
    const bool too_long =
        std::any_of(words.begin(), words.end(), [](const std::string& w) { return w.size() > 76; });
    if (v.empty()) {
        return std::string(name) + ":";
    }
    if (!is_ascii(v) || v.find("=?") != std::string::npos || too_long) {
        return fold(name, encoded_words(v));
    }
    return fold(name, words);
}

std::string mailbox_header(std::string_view name, std::string_view display_name,
                           std::string_view address) {
    std::string dn = clean_header_value(display_name);
    dn.resize(utf8_cut(dn, k_max_display_name));
    std::vector<std::string> tokens;
    if (!dn.empty()) {
        if (is_ascii(dn) && dn.find("=?") == std::string::npos) {
            tokens.push_back(quoted(dn));
        } else {
            tokens = encoded_words(dn);
        }
    }
    tokens.push_back(fmt::format("<{}>", address));
    return fold(name, tokens);
}

std::string message_ids_header(std::string_view name, const std::vector<std::string>& ids) {
    return fold(name, ids);
}

std::string rfc5322_date(Timestamp t) {
    using namespace std::chrono;
    static constexpr std::array<std::string_view, 7> k_days{"Sun", "Mon", "Tue", "Wed",
                                                            "Thu", "Fri", "Sat"};
    static constexpr std::array<std::string_view, 12> k_months{
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const auto day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss hms{floor<seconds>(t - day)};
    const weekday wd{day};
    return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} +0000", k_days[wd.c_encoding()],
                       static_cast<unsigned>(ymd.day()),
                       k_months[static_cast<unsigned>(ymd.month()) - 1],
                       static_cast<int>(ymd.year()), hms.hours().count(), hms.minutes().count(),
                       hms.seconds().count());
}

std::vector<std::string> parse_message_ids(std::string_view text) {
    std::vector<std::string> ids;
    std::string token;
    const auto flush = [&] {
        std::string_view t = token;
        if (t.starts_with('<')) {
            t.remove_prefix(1);
        }
        if (t.ends_with('>')) {
            t.remove_suffix(1);
        }
        const auto at = t.find('@');
        bool ok = t.size() >= 3 && t.size() <= 900 && at != std::string_view::npos && at > 0 &&
                  at + 1 < t.size() && t.find('@', at + 1) == std::string_view::npos;
        for (const char ch : t) {
            const auto c = static_cast<unsigned char>(ch);
            ok = ok && c > 0x20 && c < 0x7f &&
                 std::string_view("<>\"\\(),;:[]").find(ch) == std::string_view::npos;
        }
        if (ok) {
            ids.push_back(fmt::format("<{}>", t));
        }
        token.clear();
    };
    for (const char c : text) {
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',') {
            flush();
        } else if (c == '>') {
            token.push_back(c); // "<a@b><c@d>" holds two ids
            flush();
        } else {
            token.push_back(c);
        }
    }
    flush();
    return ids;
}

std::optional<ThreadHeaders> thread_headers(const std::optional<std::string>& answered,
                                            const std::optional<std::string>& reference_ids) {
    auto ids = parse_message_ids(reference_ids.value_or(""));
    const auto in_reply = parse_message_ids(answered.value_or(""));
    if (!in_reply.empty()) {
        std::erase(ids, in_reply.back());
        ids.push_back(in_reply.back());
    }
    if (ids.empty()) {
        return std::nullopt;
    }
    std::string references;
    for (const auto& id : ids) {
        references += (references.empty() ? "" : " ") + id;
    }
    return ThreadHeaders{ids.back(), std::move(references)};
}

} // namespace eq::message
