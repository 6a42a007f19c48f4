#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "util/expected.hpp"

namespace eq {

// A JSON value (RFC 8259) for the --json output of every command, JSON log lines, and the
// JSON the programs read (content generator replies, jsonb from the database). Our own
// code rather than a library: see ARCHITECTURE.md, "JSON".
//
// Objects keep insertion order, so output is stable and the field order the man pages
// document holds; a key appears at most once (set() replaces in place, and an Object
// given to the constructor keeps the first place and the last value of a repeated key).
// Lookup by key takes constant time: an object of more than k_indexed_from members keeps
// a hash index beside its members, a smaller one is scanned.
//
// The code is split by job: json_value.cpp (this type), json_write.cpp (dump, pretty,
// json_quote), json_parse.cpp (parse).
class Json {
public:
    using Array = std::vector<Json>;
    using Object = std::vector<std::pair<std::string, Json>>;
    static constexpr std::size_t k_indexed_from = 8;

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
    Json(Object o);
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
    // The members in insertion order.
    const Object& as_object() const { return std::get<Members>(m_v).items(); }

    // Object access: set() replaces the value of a present key (keeping its place) or
    // appends; insert() appends only when the key is absent and says whether it did;
    // find() returns nullptr when absent or when this is not an object.
    Json& set(std::string key, Json value);
    bool insert(std::string key, Json value);
    const Json* find(std::string_view key) const;
    // Array append.
    Json& push(Json value);

    // Compact, one line, no trailing newline; strings are written as given (UTF-8),
    // escaping only '"', '\\' and control characters. Non-finite doubles are null.
    std::string dump() const;
    // Indented by two spaces, for humans.
    std::string pretty() const;

    // Strict RFC 8259: one value, optionally surrounded by white space, and nothing else.
    // Refused, with "invalid JSON at offset N: ...": numbers with a leading zero ("01",
    // "-01"), input that is not well-formed UTF-8 (overlongs, surrogates written in
    // UTF-8, octets past F4, cut-short sequences), a \u escape of a surrogate that is not
    // a high one followed by a low one, raw control characters (below U+0020) in a
    // string, anything after the value, nesting deeper than k_max_depth arrays and
    // objects, and an object with a repeated key (after unescaping: {"a":1,"\u0061":2}).
    // Integers of up to 18 digits are read as integers, others as doubles.
    static constexpr int k_max_depth = 200;
    static Expected<Json> parse(std::string_view text);

    bool operator==(const Json&) const = default;

private:
    // An object's members with, once it has more than k_indexed_from, an index from key
    // to place.
    class Members {
    public:
        static constexpr std::size_t k_absent = static_cast<std::size_t>(-1);
        const Object& items() const { return m_items; }
        Json& value_at(std::size_t place) { return m_items[place].second; }
        // The place of key among the members, or k_absent.
        std::size_t place_of(std::string_view key) const;
        // Appends the member; the key must not be present.
        Json& append(std::string key, Json value);
        // Equal members in the same order; the index follows from them.
        bool operator==(const Members& other) const { return m_items == other.m_items; }

    private:
        struct Hash {
            using is_transparent = void;
            std::size_t operator()(std::string_view s) const noexcept {
                return std::hash<std::string_view>{}(s);
            }
        };
        Object m_items;
        std::unordered_map<std::string, std::size_t, Hash, std::equal_to<>> m_index;
    };

    void write(std::string& out, int indent, int depth) const;
    std::variant<std::nullptr_t, bool, std::int64_t, double, std::string, Array, Members> m_v;
};

// Appends s to out as a JSON string literal (with quotes).
void json_quote(std::string& out, std::string_view s);

} // namespace eq
