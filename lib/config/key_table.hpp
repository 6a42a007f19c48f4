#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "config/config.hpp"

namespace eq::config {

// Where a value came from, for "file:line: message".
struct Place {
    const std::string& source;
    int line; // 1-based
};

// Throws eq::Error(ExitCode::config) with "source:line: message".
[[noreturn]] void config_error(const Place& at, const std::string& message, std::string hint = {});

// What a key's value is, which picks its parser and checks.
enum class KeyType {
    text,            // any single value
    integer,         // a whole number in [min, max]
    boolean,         // true/false, yes/no, on/off
    duration,        // a number with a unit (30s, 10m, 6h) in [min, max] seconds
    choice,          // one of the names of its enum (util/enum_text.hpp), any case
    host,            // a host name: not empty, no space or '/'
    readable_file,   // empty, or a path this process can read
    http_url,        // empty, or http(s)://...; trailing slashes dropped
    unsubscribe_url, // empty, or an https:// template with known placeholders
};

// Where a key's value goes: a reference into the configuration (or into the provider
// named by the key's '*' segment).
template <class T> using Field = T& (*)(Config&, const std::string& provider);
using Target = std::variant<Field<std::string>, Field<int>, Field<bool>, Field<Seconds>,
                            Field<std::chrono::milliseconds>, Field<PoolMode>, Field<Security>,
                            Field<ContentGenerator>, Field<log::Level>, Field<log::Format>>;

// One key the configuration file may hold, in the style of a parameter table: each key
// is spelled once, and its descriptor says all there is to know to read it.
struct Key {
    std::string_view name; // dotted; a '*' segment stands for a provider name
    KeyType type;
    std::string_view
        default_value;    // as etc/emailqueue.yaml shows it; empty: none (or per provider)
    std::int64_t min = 0; // integer: the range; duration: in seconds
    std::int64_t max = 0;
    // May carry a password (a connection string): the file that sets it must be
    // private when it does (load()), and no message quotes its value.
    bool secret = false;
    // When not empty, an empty value is refused with this hint.
    std::string_view empty_hint;
    Target target;
};

// Every key the file may hold. Add a key here and to Config, the example files in etc/
// and emailqueue.yaml(5) (CONTRIBUTING.md).
std::span<const Key> key_table();

// The key a dotted path names, with the provider name the '*' stood for (empty when
// none); nullptr when no key matches.
const Key* find_key(const std::vector<std::string>& path, std::string& provider);

// Reads `value` as `key` says and stores it. `path` is the key as written (the provider
// name in place of '*'); every message starts with it.
void set_key(Config& c, const Key& key, const YAML::Node& value, const std::string& path,
             const std::string& provider, const Place& at);

} // namespace eq::config
