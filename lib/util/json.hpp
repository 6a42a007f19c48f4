#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "util/expected.hpp"

namespace eq {

// A JSON value for the --json output of every command and for the few JSON inputs
// (content generator replies). Objects keep insertion order so output is stable and
// documented field order holds.
class Json {
public:
    using Array = std::vector<Json>;
    using Object = std::vector<std::pair<std::string, Json>>;

    Json() : m_v(nullptr) {}
    Json(std::nullptr_t) : m_v(nullptr) {}
    Json(bool b) : m_v(b) {}
    Json(int i) : m_v(static_cast<std::int64_t>(i)) {}
    Json(long i) : m_v(static_cast<std::int64_t>(i)) {}
    Json(long long i) : m_v(static_cast<std::int64_t>(i)) {}
    Json(unsigned i) : m_v(static_cast<std::int64_t>(i)) {}
    Json(unsigned long i) : m_v(static_cast<std::int64_t>(i)) {}
    Json(double d) : m_v(d) {}
    Json(const char* s) : m_v(std::string(s)) {}
    Json(std::string s) : m_v(std::move(s)) {}
    Json(std::string_view s) : m_v(std::string(s)) {}
    Json(Array a) : m_v(std::move(a)) {}
    Json(Object o) : m_v(std::move(o)) {}
    template <class T> Json(const std::optional<T>& o) : Json() {
        if (o) {
            *this = Json(*o);
        }
    }

    static Json object() { return Json(Object{}); }
    static Json array() { return Json(Array{}); }

    bool is_null() const { return m_v.index() == 0; }
    bool is_bool() const { return m_v.index() == 1; }
    bool is_int() const { return m_v.index() == 2; }
    bool is_number() const { return m_v.index() == 2 || m_v.index() == 3; }
    bool is_string() const { return m_v.index() == 4; }
    bool is_array() const { return m_v.index() == 5; }
    bool is_object() const { return m_v.index() == 6; }

    bool as_bool() const { return std::get<bool>(m_v); }
    std::int64_t as_int() const;
    double as_double() const;
    const std::string& as_string() const { return std::get<std::string>(m_v); }
    const Array& as_array() const { return std::get<Array>(m_v); }
    Array& as_array() { return std::get<Array>(m_v); }
    const Object& as_object() const { return std::get<Object>(m_v); }

    // Object access: set() replaces or appends; find() returns nullptr when absent.
    Json& set(std::string key, Json value);
    const Json* find(std::string_view key) const;
    // Array append.
    Json& push(Json value);

    // Compact, one line, no trailing newline; non-ASCII is written as UTF-8.
    std::string dump() const;
    // Indented by two spaces, for humans.
    std::string pretty() const;

    static Expected<Json> parse(std::string_view text);

    bool operator==(const Json&) const = default;

private:
    void write(std::string& out, int indent, int depth) const;
    std::variant<std::nullptr_t, bool, std::int64_t, double, std::string, Array, Object> m_v;
};

// Appends s to out as a JSON string literal (with quotes).
void json_quote(std::string& out, std::string_view s);

} // namespace eq
