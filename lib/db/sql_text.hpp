#pragma once

#include <cstddef>
#include <string_view>
#include <type_traits>

namespace eq::db {

// SQL text fixed when the program is compiled. Statements are composed from named
// pieces with sql(): the pieces are joined by the compiler into one string, the same as
// if the statement had been written out, and a db::Statement points at it (c_str()).
// A piece that differs between statements (a parameter's number, the alias of a table)
// is a template argument of the piece, so each statement spells its own `$n`.
//
// A structural type: a piece may be a template argument (`template <SqlText Run>`).
template <std::size_t N> struct SqlText {
    char text[N + 1] = {};

    constexpr SqlText() = default;
    // NOLINTNEXTLINE(google-explicit-constructor): a literal where a piece is expected
    constexpr SqlText(const char (&literal)[N + 1]) {
        for (std::size_t i = 0; i < N; ++i) {
            text[i] = literal[i];
        }
    }

    static constexpr std::size_t size() { return N; }
    constexpr const char* c_str() const { return text; }
    constexpr std::string_view view() const { return {text, N}; }
};
template <std::size_t M> SqlText(const char (&)[M]) -> SqlText<M - 1>;

namespace detail {

template <class T> struct SqlLength;
template <std::size_t M> struct SqlLength<char[M]> : std::integral_constant<std::size_t, M - 1> {};
template <std::size_t N> struct SqlLength<SqlText<N>> : std::integral_constant<std::size_t, N> {};

template <std::size_t M> constexpr std::string_view piece(const char (&literal)[M]) {
    return {literal, M - 1};
}
template <std::size_t N> constexpr std::string_view piece(const SqlText<N>& text) {
    return text.view();
}

constexpr std::size_t digits(int n) {
    return n < 10 ? 1 : 1 + digits(n / 10);
}

} // namespace detail

// The pieces (string literals and SqlTexts) joined in order.
template <class... Pieces> constexpr auto sql(const Pieces&... pieces) {
    SqlText<(detail::SqlLength<std::remove_cvref_t<Pieces>>::value + ... + 0)> out;
    std::size_t at = 0;
    const auto append = [&](std::string_view s) {
        for (const char c : s) {
            out.text[at++] = c;
        }
    };
    (append(detail::piece(pieces)), ...);
    return out;
}

// "$N": the placeholder of a statement's N-th parameter.
template <int N>
requires(N >= 1) constexpr auto param = [] {
    SqlText<1 + detail::digits(N)> out;
    out.text[0] = '$';
    for (int n = N, i = static_cast<int>(detail::digits(N)); i > 0; n /= 10, --i) {
        out.text[i] = static_cast<char>('0' + n % 10);
    }
    return out;
}();

} // namespace eq::db
