// HTML character references both ways: the contract is in util/html_escape.hpp.

#include "util/html_escape.hpp"

#include <array>
#include <cctype>

#include "util/utf8.hpp"

namespace eq {

std::string html_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 8);
    for (const char c : text) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&#39;";
            break;
        default:
            out.push_back(c);
        }
    }
    return out;
}

namespace {

struct Entity {
    std::string_view name;
    std::string_view text;
};

constexpr std::array<Entity, 19> k_entities{{
    {"amp", "&"},        {"lt", "<"},         {"gt", ">"},          {"quot", "\""},
    {"apos", "'"},       {"nbsp", " "},       {"copy", "\u00a9"},   {"reg", "\u00ae"},
    {"trade", "\u2122"}, {"mdash", "\u2014"}, {"ndash", "\u2013"},  {"hellip", "\u2026"},
    {"lsquo", "\u2018"}, {"rsquo", "\u2019"}, {"ldquo", "\u201c"},  {"rdquo", "\u201d"},
    {"euro", "\u20ac"},  {"bull", "\u2022"},  {"middot", "\u00b7"},
}};

} // namespace

std::string decode_entity(std::string_view html, std::size_t& pos) {
    // Looks no further than the longest entity, so a run of '&' stays linear.
    const auto near = html.substr(pos, 11).find(';', 1);
    const auto semi = near == std::string_view::npos ? near : pos + near;
    if (semi == std::string_view::npos || semi - pos > 10) {
        ++pos;
        return "&";
    }
    const auto name = html.substr(pos + 1, semi - pos - 1);
    if (name.size() >= 2 && name[0] == '#') {
        const bool hex = name[1] == 'x' || name[1] == 'X';
        const auto digits = name.substr(hex ? 2 : 1);
        unsigned long cp = 0;
        bool ok = !digits.empty();
        for (const char c : digits) {
            const auto u = static_cast<unsigned char>(c);
            if (hex ? !std::isxdigit(u) : !std::isdigit(u)) {
                ok = false;
                break;
            }
            cp = cp * (hex ? 16 : 10) +
                 static_cast<unsigned long>(std::isdigit(u) ? c - '0'
                                                            : (std::tolower(u) - 'a' + 10));
            if (cp > 0x10ffff) {
                ok = false;
                break;
            }
        }
        if (ok && cp != 0 && (cp < 0xd800 || cp > 0xdfff)) {
            std::string out;
            append_utf8(out, static_cast<unsigned>(cp));
            pos = semi + 1;
            return out;
        }
    } else {
        for (const auto& e : k_entities) {
            if (e.name == name) {
                pos = semi + 1;
                return std::string(e.text);
            }
        }
    }
    ++pos;
    return "&";
}

std::string decode_entities(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
        if (text[i] == '&') {
            out += decode_entity(text, i);
        } else {
            out.push_back(text[i++]);
        }
    }
    return out;
}

} // namespace eq
