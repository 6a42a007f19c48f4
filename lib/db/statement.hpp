#pragma once

#include <concepts>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/time.hpp"
#include "util/uuid.hpp"

// What a caller hands the Connection (db/connection.hpp) to run: a named statement, the
// result shape it promises, and its parameters as text. Values only ever travel as $n
// parameters, never in the SQL text.

namespace eq::db {

// A named SQL statement. The name appears in every error about it, so an operator can
// tell which query failed; values only ever travel as $n parameters.
struct Statement {
    const char* name;
    const char* sql;
};

// The result shape a statement promises; anything else is an error naming the statement.
enum class Shape {
    none,      // a command: no rows come back (INSERT/UPDATE/DELETE without RETURNING)
    one,       // exactly one row
    maybe_one, // zero or one row
    rows,      // any number of rows
};

// A query parameter in text format; nullopt is SQL NULL.
using Param = std::optional<std::string>;

inline Param to_param(const std::string& v) {
    return v;
}
inline Param to_param(std::string&& v) {
    return std::move(v);
}
inline Param to_param(std::string_view v) {
    return std::string(v);
}
inline Param to_param(const char* v) {
    return std::string(v);
}
inline Param to_param(bool v) {
    return std::string(v ? "true" : "false");
}
inline Param to_param(std::nullopt_t) {
    return std::nullopt;
}
inline Param to_param(const Uuid& v) {
    return v.str();
}
inline Param to_param(Timestamp v) {
    return format_timestamp(v, true);
}
inline Param to_param(double v) {
    return std::to_string(v);
}
template <std::integral T>
requires(!std::same_as<T, bool>) Param to_param(T v) {
    return std::to_string(v);
}
// A uuid[] literal ("{a,b}"); cast the parameter with $n::uuid[].
Param to_param(const std::vector<Uuid>& ids);
template <class T> Param to_param(const std::optional<T>& v) {
    return v ? to_param(*v) : Param{};
}

// One statement of a pipeline (Connection::pipeline).
struct Call {
    const Statement* statement;
    std::vector<Param> params;
    Shape shape;
};
template <class... Args> Call call(const Statement& s, Shape shape, const Args&... args) {
    return {&s, {to_param(args)...}, shape};
}

} // namespace eq::db
