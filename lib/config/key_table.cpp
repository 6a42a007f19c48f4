#include "config/key_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <type_traits>
#include <vector>

#include "util/enum_text.hpp"
#include "util/error.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

namespace eq::config {

void config_error(const Place& at, const std::string& message, std::string hint) {
    throw Error(ExitCode::config, fmt::format("{}:{}: {}", at.source, at.line, message),
                std::move(hint));
}

namespace {

// Where a value goes: a member of a section, a top-level member, a provider's member.
template <auto Section, auto Member> auto& in(Config& c, const std::string&) {
    return (c.*Section).*Member;
}
template <auto Member> auto& top(Config& c, const std::string&) {
    return c.*Member;
}
template <auto Member> auto& provider_field(Config& c, const std::string& name) {
    return c.smtp.providers[name].*Member;
}

constexpr std::int64_t k_four_weeks = 28 * 24 * 3600;

// The descriptor builders: each makes the type agree with where the value goes.
constexpr Key text(std::string_view name, Field<std::string> f, std::string_view def,
                   KeyType type = KeyType::text) {
    return Key{.name = name, .type = type, .default_value = def, .target = f};
}
constexpr Key secret_text(std::string_view name, Field<std::string> f) {
    return Key{.name = name, .type = KeyType::text, .secret = true, .target = f};
}
constexpr Key ranged(Key key, std::int64_t min, std::int64_t max) {
    key.min = min;
    key.max = max;
    return key;
}
constexpr Key integer(std::string_view name, Field<int> f, std::int64_t min, std::int64_t max,
                      std::string_view def) {
    return ranged({.name = name, .type = KeyType::integer, .default_value = def, .target = f}, min,
                  max);
}
constexpr Key boolean(std::string_view name, Field<bool> f, std::string_view def) {
    return Key{.name = name, .type = KeyType::boolean, .default_value = def, .target = f};
}
// min_s and max_s in seconds.
template <class D>
constexpr Key duration(std::string_view name, Field<D> f, std::int64_t min_s, std::int64_t max_s,
                       std::string_view def) {
    return ranged({.name = name, .type = KeyType::duration, .default_value = def, .target = f},
                  min_s, max_s);
}
template <class E> constexpr Key choice(std::string_view name, Field<E> f, std::string_view def) {
    return Key{.name = name, .type = KeyType::choice, .default_value = def, .target = f};
}

using C = Config;

constexpr Key k_keys[] = {
    secret_text("database.url", in<&C::database, &C::Database::url>),
    choice<PoolMode>("database.pool_mode", in<&C::database, &C::Database::pool_mode>, "session"),
    secret_text("database.migrate_url", in<&C::database, &C::Database::migrate_url>),
    text("smtp.providers.*.host", provider_field<&Provider::host>, "", KeyType::host),
    integer("smtp.providers.*.port", provider_field<&Provider::port>, 1, 65535, ""),
    choice<Security>("smtp.providers.*.security", provider_field<&Provider::security>, ""),
    boolean("smtp.providers.*.verify_peer", provider_field<&Provider::verify_peer>, ""),
    text("smtp.providers.*.ca_file", provider_field<&Provider::ca_file>, "",
         KeyType::readable_file),
    duration<Seconds>("smtp.connect_timeout", in<&C::smtp, &C::Smtp::connect_timeout>, 1, 600,
                      "30s"),
    duration<Seconds>("smtp.reply_timeout", in<&C::smtp, &C::Smtp::reply_timeout>, 1, 600, "30s"),
    duration<Seconds>("smtp.message_timeout", in<&C::smtp, &C::Smtp::message_timeout>, 1, 3600,
                      "2m"),
    choice<ContentGenerator>("content.generator", in<&C::content, &C::Content::generator>,
                             "template"),
    text("content.command", in<&C::content, &C::Content::command>, ""),
    duration<Seconds>("content.timeout", in<&C::content, &C::Content::timeout>, 1, 3600, "60s"),
    text("unsubscribe.url", in<&C::unsubscribe, &C::Unsubscribe::url>, "",
         KeyType::unsubscribe_url),
    text("tracking.base_url", in<&C::tracking, &C::Tracking::base_url>, "", KeyType::http_url),
    integer("throttle.default_per_hour", in<&C::throttle, &C::Throttle::default_per_hour>, 0,
            1000000, "50"),
    integer("throttle.default_per_day", in<&C::throttle, &C::Throttle::default_per_day>, 0, 1000000,
            "500"),
    integer("processing.batch_cap", in<&C::processing, &C::Processing::batch_cap>, 1, 100000, "10"),
    integer("processing.concurrency", in<&C::processing, &C::Processing::concurrency>, 1, 1000,
            "64"),
    integer("processing.db_connections", in<&C::processing, &C::Processing::db_connections>, 1, 200,
            "8"),
    duration<Seconds>("processing.lease", in<&C::processing, &C::Processing::lease>, 1,
                      k_four_weeks, "10m"),
    duration<Seconds>("processing.run_length", in<&C::processing, &C::Processing::run_length>, 1,
                      k_four_weeks, "4m"),
    integer("processing.max_row_holds", in<&C::processing, &C::Processing::max_row_holds>, 1, 100,
            "3"),
    boolean("processing.resend_unknown", in<&C::processing, &C::Processing::resend_unknown>,
            "false"),
    boolean("processing.call_handoff", in<&C::processing, &C::Processing::call_handoff>, "true"),
    duration<Seconds>("processing.max_retry_delay",
                      in<&C::processing, &C::Processing::max_retry_delay>, 1, k_four_weeks, "6h"),
    duration<Seconds>("processing.hold_delay", in<&C::processing, &C::Processing::hold_delay>, 1,
                      k_four_weeks, "5m"),
    duration<Seconds>("processing.max_hold_delay",
                      in<&C::processing, &C::Processing::max_hold_delay>, 1, k_four_weeks, "6h"),
    choice<log::Level>("log.level", in<&C::log, &C::Log::level>, "warn"),
    choice<log::Format>("log.format", in<&C::log, &C::Log::format>, "text"),
    Key{.name = "bugsnag.endpoint",
        .type = KeyType::http_url,
        .default_value = "https://notify.bugsnag.com",
        .empty_hint = "leave BUGSNAG_API_KEY unset to turn reporting off",
        .target = Field<std::string>(in<&C::bugsnag, &C::Bugsnag::endpoint>)},
    text("bugsnag.release_stage", in<&C::bugsnag, &C::Bugsnag::release_stage>, "production"),
    duration<std::chrono::milliseconds>("bugsnag.timeout", in<&C::bugsnag, &C::Bugsnag::timeout>, 1,
                                        60, "3s"),
    text("secrets_file", top<&C::secrets_file>, ""),
};

// The keys' names split at the dots, once.
const std::vector<std::vector<std::string_view>>& key_parts() {
    static const auto k_parts = [] {
        std::vector<std::vector<std::string_view>> out;
        for (const auto& key : k_keys) {
            auto& parts = out.emplace_back();
            std::string_view rest = key.name;
            for (auto dot = rest.find('.'); dot != std::string_view::npos; dot = rest.find('.')) {
                parts.push_back(rest.substr(0, dot));
                rest.remove_prefix(dot + 1);
            }
            parts.push_back(rest);
        }
        return out;
    }();
    return k_parts;
}

std::string scalar(const YAML::Node& node, const std::string& path, const Place& at) {
    if (!node.IsScalar()) {
        config_error(at, fmt::format("{}: expected a single value, found a {}", path,
                                     node.IsMap()        ? "mapping"
                                     : node.IsSequence() ? "list"
                                                         : "null"));
    }
    return node.Scalar();
}

bool boolean_value(const std::string& text, const std::string& path, const Place& at) {
    const auto v = to_lower(text);
    if (v == "true" || v == "yes" || v == "on") {
        return true;
    }
    if (v == "false" || v == "no" || v == "off") {
        return false;
    }
    config_error(at, fmt::format("{}: '{}' is not a boolean (use true or false)", path, text));
}

Seconds duration_value(const std::string& text, const Key& key, const std::string& path,
                       const Place& at) {
    const auto parsed = parse_duration(text);
    if (!parsed) {
        config_error(at, fmt::format("{}: {}", path, parsed.error()));
    }
    const Seconds min{key.min};
    const Seconds max{key.max};
    if (*parsed < min || *parsed > max) {
        config_error(at, fmt::format("{}: {} is out of range [{}, {}]", path, text,
                                     format_duration(min), format_duration(max)));
    }
    return *parsed;
}

template <class E>
E choice_value(const std::string& text, const std::string& path, const Place& at) {
    std::optional<E> parsed;
    if constexpr (std::is_same_v<E, log::Level>) {
        parsed = log::parse_level(to_lower(text)); // also takes "warning"
    } else {
        parsed = from_text<E>(to_lower(text));
    }
    if (!parsed) {
        config_error(at, fmt::format("{}: '{}' is not one of {}", path, text, enum_names<E>()));
    }
    return *parsed;
}

// An unsubscribe URL template: https, printable ASCII without spaces, quotes or angle
// brackets (it goes between <> on one header line), and only known placeholders.
void check_unsubscribe_template(const std::string& v, const std::string& path, const Place& at) {
    if (!v.starts_with("https://") || v.size() <= 8) {
        config_error(at, fmt::format("{}: '{}' is not an https:// URL", path, v),
                     "one-click unsubscribe (RFC 8058) requires https");
    }
    std::size_t expanded = 0;
    for (std::size_t i = 0; i < v.size();) {
        const auto c = static_cast<unsigned char>(v[i]);
        if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>' || c == '"' || c == '}') {
            const auto shown =
                c > 0x20 && c < 0x7f ? fmt::format("'{}'", v[i]) : fmt::format("{:#04x}", c);
            config_error(at, fmt::format("{}: character {} at position {} is not allowed in "
                                         "the URL (percent-encode it)",
                                         path, shown, i + 1));
        }
        if (c == '{') {
            const auto rest = std::string_view(v).substr(i);
            const auto known =
                std::find_if(k_unsubscribe_placeholders.begin(), k_unsubscribe_placeholders.end(),
                             [&](std::string_view p) { return rest.starts_with(p); });
            if (known == k_unsubscribe_placeholders.end()) {
                const auto end = v.find('}', i);
                config_error(at,
                             fmt::format("{}: unknown placeholder '{}' (known: {{lead_id}}, "
                                         "{{company_id}}, {{campaign_id}}, {{email_log_id}})",
                                         path,
                                         v.substr(i, end == std::string::npos ? 20 : end - i + 1)));
            }
            i += known->size();
            expanded += 36; // a UUID
            continue;
        }
        ++expanded;
        ++i;
    }
    if (expanded > 900) {
        config_error(at, fmt::format("{}: the URL is {} characters long once expanded; at most "
                                     "900 fit on one header line",
                                     path, expanded));
    }
}

// A text value, checked as its type says; may be changed (a URL loses trailing slashes).
std::string text_value(std::string v, const Key& key, const std::string& path, const Place& at) {
    if (v.empty() && !key.empty_hint.empty()) {
        config_error(at, fmt::format("{}: must not be empty", path), std::string(key.empty_hint));
    }
    switch (key.type) {
    case KeyType::host:
        if (v.empty() || v.find_first_of(" /\t\r\n") != std::string::npos) {
            config_error(at, fmt::format("{}: '{}' is not a host name", path, v));
        }
        break;
    case KeyType::readable_file:
        if (!v.empty() && !std::ifstream(v)) {
            config_error(at,
                         fmt::format("{}: cannot read '{}': {}", path, v, std::strerror(errno)));
        }
        break;
    case KeyType::http_url:
        if (!v.empty() && !v.starts_with("http://") && !v.starts_with("https://")) {
            config_error(at, fmt::format("{}: '{}' is not an http:// or https:// URL", path, v));
        }
        while (v.ends_with('/')) {
            v.pop_back();
        }
        break;
    case KeyType::unsubscribe_url:
        if (!v.empty()) {
            check_unsubscribe_template(v, path, at);
        }
        break;
    default:
        break;
    }
    return v;
}

} // namespace

std::span<const Key> key_table() {
    return k_keys;
}

const Key* find_key(const std::vector<std::string>& path, std::string& provider) {
    const auto& all = key_parts();
    for (std::size_t k = 0; k < all.size(); ++k) {
        const auto& parts = all[k];
        if (parts.size() != path.size()) {
            continue;
        }
        std::string wildcard;
        bool ok = true;
        for (std::size_t i = 0; i < parts.size() && ok; ++i) {
            if (parts[i] == "*") {
                wildcard = path[i];
            } else {
                ok = parts[i] == path[i];
            }
        }
        if (ok) {
            provider = std::move(wildcard);
            return &k_keys[k];
        }
    }
    return nullptr;
}

void set_key(Config& c, const Key& key, const YAML::Node& value, const std::string& path,
             const std::string& provider, const Place& at) {
    const std::string v = scalar(value, path, at);
    std::visit(
        [&](auto field) {
            auto& target = field(c, provider);
            using T = std::remove_reference_t<decltype(target)>;
            if constexpr (std::is_same_v<T, std::string>) {
                target = text_value(v, key, path, at);
            } else if constexpr (std::is_same_v<T, int>) {
                const auto parsed = parse_integer(v, path, key.min, key.max);
                if (!parsed) {
                    config_error(at, parsed.error());
                }
                target = static_cast<int>(*parsed);
            } else if constexpr (std::is_same_v<T, bool>) {
                target = boolean_value(v, path, at);
            } else if constexpr (std::is_same_v<T, Seconds> ||
                                 std::is_same_v<T, std::chrono::milliseconds>) {
                target = duration_value(v, key, path, at);
            } else {
                target = choice_value<T>(v, path, at);
            }
        },
        key.target);
}

} // namespace eq::config
