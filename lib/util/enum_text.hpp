#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace eq {

// The one table that names an enum's values, for code that keeps decisions as enums and
// meets text only at its edges (SQL columns, the command line, the configuration, JSON).
// Declare it beside the enum, in the enum's namespace, as
//   constexpr EnumTexts<Colour, 2> enum_texts(Colour) { return {{{Colour::red, "red"}, ...}}; }
// and to_text / from_text / enum_names find it by argument-dependent lookup. The order of
// the table is the order in which enum_names lists the values (in error messages).
template <class E, std::size_t N> using EnumTexts = std::array<std::pair<E, std::string_view>, N>;

template <class E> constexpr std::string_view to_text(E value) {
    for (const auto& [v, text] : enum_texts(E{})) {
        if (v == value) {
            return text;
        }
    }
    return {};
}

template <class E> constexpr std::optional<E> from_text(std::string_view text) {
    for (const auto& [v, t] : enum_texts(E{})) {
        if (t == text) {
            return v;
        }
    }
    return std::nullopt;
}

// "a, b, c" (separator ", ") or "a, b or c" (last_separator " or ").
template <class E> std::string enum_names(std::string_view last_separator = ", ") {
    const auto table = enum_texts(E{});
    std::string out;
    for (std::size_t i = 0; i < table.size(); ++i) {
        if (i > 0) {
            out += i + 1 == table.size() ? last_separator : std::string_view(", ");
        }
        out += table[i].second;
    }
    return out;
}

} // namespace eq
