#include "config/config.hpp"

#include <fmt/format.h>
#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <regex>
#include <sstream>
#include <vector>

#include "util/error.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

namespace eq::config {

std::string_view to_string(PoolMode m) {
    return m == PoolMode::transaction ? "transaction" : "session";
}

std::string_view to_string(Security s) {
    switch (s) {
    case Security::tls:
        return "tls";
    case Security::starttls:
        return "starttls";
    case Security::none:
        return "none";
    }
    return "tls";
}

std::string_view to_string(ContentGenerator g) {
    return g == ContentGenerator::command ? "command" : "template";
}

const Provider* Config::provider(std::string_view account_type) const {
    const auto it = smtp.providers.find(to_lower(trim(account_type)));
    return it == smtp.providers.end() ? nullptr : &it->second;
}

Config defaults() {
    Config c;
    c.smtp.providers["gmail"] = Provider{"smtp.gmail.com", 465, Security::tls, true, {}};
    c.smtp.providers["outlook"] = Provider{"smtp.office365.com", 465, Security::tls, true, {}};
    c.smtp.providers["yahoo"] = Provider{"smtp.mail.yahoo.com", 465, Security::tls, true, {}};
    return c;
}

namespace {

// Where a value came from, for "file:line: message".
struct Place {
    const std::string& source;
    int line; // 1-based
};

[[noreturn]] void config_error(const Place& at, const std::string& message, std::string hint = {}) {
    throw Error(ExitCode::config, fmt::format("{}:{}: {}", at.source, at.line, message),
                std::move(hint));
}

std::string scalar(const YAML::Node& node, const std::string& key, const Place& at) {
    if (!node.IsScalar()) {
        config_error(at, fmt::format("{}: expected a single value, found a {}", key,
                                     node.IsMap()        ? "mapping"
                                     : node.IsSequence() ? "list"
                                                         : "null"));
    }
    return node.Scalar();
}

std::int64_t integer(const YAML::Node& node, const std::string& key, const Place& at,
                     std::int64_t min, std::int64_t max) {
    const auto parsed = parse_integer(scalar(node, key, at), key, min, max);
    if (!parsed) {
        config_error(at, parsed.error());
    }
    return *parsed;
}

bool boolean(const YAML::Node& node, const std::string& key, const Place& at) {
    const auto v = to_lower(scalar(node, key, at));
    if (v == "true" || v == "yes" || v == "on") {
        return true;
    }
    if (v == "false" || v == "no" || v == "off") {
        return false;
    }
    config_error(at,
                 fmt::format("{}: '{}' is not a boolean (use true or false)", key, node.Scalar()));
}

Seconds duration(const YAML::Node& node, const std::string& key, const Place& at, Seconds min,
                 Seconds max) {
    const auto parsed = parse_duration(scalar(node, key, at));
    if (!parsed) {
        config_error(at, fmt::format("{}: {}", key, parsed.error()));
    }
    if (*parsed < min || *parsed > max) {
        config_error(at, fmt::format("{}: {} is out of range [{}, {}]", key, node.Scalar(),
                                     format_duration(min), format_duration(max)));
    }
    return *parsed;
}

// An unsubscribe URL template: https, printable ASCII without spaces, quotes or angle
// brackets (it goes between <> on one header line), and only known placeholders.
std::string unsubscribe_template(const YAML::Node& node, const std::string& key, const Place& at) {
    const std::string v = scalar(node, key, at);
    if (v.empty()) {
        return v;
    }
    if (!v.starts_with("https://") || v.size() <= 8) {
        config_error(at, fmt::format("{}: '{}' is not an https:// URL", key, v),
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
                                         key, shown, i + 1));
        }
        if (c == '{') {
            const auto rest = std::string_view(v).substr(i);
            const auto known =
                std::find_if(k_unsubscribe_placeholders.begin(), k_unsubscribe_placeholders.end(),
                             [&](std::string_view p) { return rest.starts_with(p); });
            if (known == k_unsubscribe_placeholders.end()) {
                const auto end = v.find('}', i);
                config_error(
                    at, fmt::format("{}: unknown placeholder '{}' (known: {{lead_id}}, "
                                    "{{company_id}}, {{campaign_id}}, {{email_log_id}})",
                                    key, v.substr(i, end == std::string::npos ? 20 : end - i + 1)));
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
                                     key, expanded));
    }
    return v;
}

Seconds positive_duration(const YAML::Node& node, const std::string& key, const Place& at) {
    return duration(node, key, at, Seconds{1}, std::chrono::weeks{4});
}

std::string url(const YAML::Node& node, const std::string& key, const Place& at) {
    std::string v = scalar(node, key, at);
    if (v.empty()) {
        return v;
    }
    if (!v.starts_with("http://") && !v.starts_with("https://")) {
        config_error(at, fmt::format("{}: '{}' is not an http:// or https:// URL", key, v));
    }
    while (v.ends_with('/')) {
        v.pop_back();
    }
    return v;
}

// One known key: its dotted path ('*' matches one provider name) and how to store it.
struct KeySpec {
    std::string_view path;
    std::function<void(Config&, const YAML::Node&, const std::string& name, const Place&)> set;
};

Provider& provider_entry(Config& c, const std::string& name) {
    return c.smtp.providers[name];
}

// Every key the file may hold. Add a key here and to Config, the example files in etc/
// and emailqueue.yaml(5).
const std::vector<KeySpec>& key_table() {
    static const std::vector<KeySpec>
        k_keys =
            {
                {"database.url",
                 [](Config& c, const YAML::Node& n, const std::string&, const Place& at) {
                     c.database.url = scalar(n, "database.url", at);
                 }},
                {"database.pool_mode",
                 [](Config& c, const YAML::Node& n, const std::string&, const Place& at) {
                     const auto v = to_lower(scalar(n, "database.pool_mode", at));
                     if (v == "session") {
                         c.database.pool_mode = PoolMode::session;
                     } else if (v == "transaction") {
                         c.database.pool_mode = PoolMode::transaction;
                     } else {
                         config_error(at, fmt::format("database.pool_mode: '{}' is not one of "
                                                      "session, transaction",
                                                      n.Scalar()));
                     }
                 }},
                {"database.migrate_url",
                 [](Config& c, const YAML::Node& n, const std::string&, const Place& at) {
                     c.database.migrate_url = scalar(n, "database.migrate_url", at);
                 }},
                {"smtp.providers.*.host",
                 [](Config& c, const YAML::Node& n, const std::string& name, const Place& at) {
                     auto host = scalar(n, "host", at);
                     if (host.empty() || host.find_first_of(" /\t\r\n") != std::string::npos) {
                         config_error(at,
                                      fmt::format("smtp.providers.{}.host: '{}' is not a host name",
                                                  name, host));
                     }
                     provider_entry(c, name).host = host;
                 }},
                {"smtp.providers.*.port",
                 [](Config& c, const YAML::Node& n, const std::string& name, const Place& at) {
                     provider_entry(c, name).port = static_cast<int>(
                         integer(n, fmt::format("smtp.providers.{}.port", name), at, 1, 65535));
                 }},
                {"smtp.providers.*.security",
                 [](Config& c, const YAML::Node& n, const std::string& name, const Place& at) {
                     const auto v = to_lower(scalar(n, "security", at));
                     auto& p = provider_entry(c, name);
                     if (v == "tls") {
                         p.security = Security::tls;
                     } else if (v == "starttls") {
                         p.security = Security::starttls;
                     } else if (v == "none") {
                         p.security = Security::none;
                     } else {
                         config_error(at,
                                      fmt::format("smtp.providers.{}.security: '{}' is not one of "
                                                  "tls, starttls, none",
                                                  name, n.Scalar()));
                     }
                 }},
                {"smtp.providers.*.verify_peer",
                 [](Config& c, const YAML::Node& n, const std::string& name, const Place& at) {
                     provider_entry(c, name).verify_peer =
                         boolean(n, fmt::format("smtp.providers.{}.verify_peer", name), at);
                 }},
                {"smtp.providers.*.ca_file",
                 [](Config& c, const YAML::Node& n, const std::string& name, const Place& at) {
                     const auto path = scalar(n, "ca_file", at);
                     std::ifstream probe(path);
                     if (!path.empty() && !probe) {
                         config_error(at,
                                      fmt::format("smtp.providers.{}.ca_file: cannot read '{}': {}",
                                                  name, path, std::strerror(errno)));
                     }
                     provider_entry(c, name).ca_file = path;
                 }},
                {"smtp.connect_timeout",
                 [](Config& c, const YAML::Node& n, const std::string&, const Place& at) {
                     c.smtp.connect_timeout =
                         duration(n, "smtp.connect_timeout", at, Seconds(1), Seconds(600));
                 }},
                {"smtp.reply_timeout",
                 [](Config& c, const YAML::Node& n, const std::string&, const Place& at) {
                     c.smtp.reply_timeout =
                         duration(n, "smtp.reply_timeout", at, Seconds(1), Seconds(600));
                 }},
                {"smtp.message_timeout",
                 [](Config& c, const YAML::Node& n, const std::string&, const Place& at) {
                     c.smtp.message_timeout =
                         duration(n, "smtp.message_timeout", at, Seconds(1), Seconds(3600));
                 }},
                {"content.generator",
                 [](Config& c, const YAML::Node& n, const std::string&, const Place& at) {
                     const auto v = to_lower(scalar(n, "content.generator", at));
                     if (v == "template") {
                         c.content.generator = ContentGenerator::campaign_template;
                     } else if (v == "command") {
                         c.content.generator = ContentGenerator::command;
                     } else {
                         config_error(at,
                                      fmt::format("content.generator: '{}' is not one of template, "
                                                  "command",
                                                  n.Scalar()));
                     }
                 }},
                {"content.command",
                 [](Config& c, const YAML::Node& n, const std::string&, const Place& at) {
                     c.content.command = scalar(n, "content.command", at);
                 }},
                {"content.timeout",
                 [](Config& c, const YAML::Node& n, const std::string&, const Place& at) {
                     c.content.timeout =
                         duration(n, "content.timeout", at, Seconds(1), Seconds(3600));
                 }},
                {"unsubscribe.url",
                 [](Config& c, const YAML::Node& n, const std::string&, const Place& at) {
                     c.unsubscribe.url = unsubscribe_template(n, "unsubscribe.url", at);
                 }},
                {"tracking.base_url",
                 [](Config& c, const YAML::Node& n, const std::string&, const Place& at) {
                     c.tracking.base_url = url(n, "tracking.base_url", at);
                 }},
                {"throttle.default_per_hour",
                 [](Config& c, const YAML::Node& n, const std::string&, const Place& at) {
                     c.throttle.default_per_hour =
                         static_cast<int>(integer(n, "throttle.default_per_hour", at, 0, 1000000));
                 }},
                {"throttle.default_per_day",
                 [](Config& c, const YAML::Node& n, const std::string&, const Place& at) {
                     c.throttle.default_per_day =
                         static_cast<int>(integer(n, "throttle.default_per_day", at, 0, 1000000));
                 }},
                {"processing.batch_cap",
                 [](Config& c, const YAML::Node& n, const std::string&, const Place& at) {
                     c.processing.batch_cap =
                         static_cast<int>(integer(n, "processing.batch_cap", at, 1, 100000));
                 }},
                {"processing.concurrency",
                 [](Config& c, const YAML::Node& n, const std::string&, const Place& at) {
                     c.processing.concurrency =
                         static_cast<int>(integer(n, "processing.concurrency", at, 1, 1000));
                 }},
                {"processing.db_connections",
                 [](Config& c, const YAML::Node& n, const std::string&, const Place& at) {
                     c.processing.db_connections =
                         static_cast<int>(integer(n, "processing.db_connections", at, 1, 200));
                 }},
                {"processing.lease",
                 [](Config& c, const YAML::Node& n, const std::string&, const Place& at) {
                     c.processing.lease = positive_duration(n, "processing.lease", at);
                 }},
                {"processing.run_length",
                 [](Config& c, const YAML::Node& n, const std::string&, const Place& at) {
                     c.processing.run_length = positive_duration(n, "processing.run_length", at);
                 }},
                {"processing.max_row_holds",
                 [](Config& c, const YAML::Node& n, const std::string&, const Place& at) {
                     c.processing.max_row_holds =
                         static_cast<int>(integer(n, "processing.max_row_holds", at, 1, 100));
                 }},
                {"processing.resend_unknown",
                 [](Config& c, const YAML::Node& n, const std::string&, const Place& at) {
                     c.processing.resend_unknown = boolean(n, "processing.resend_unknown", at);
                 }},
                {"processing.call_handoff",
                 [](Config& c, const YAML::Node& n, const std::string&, const Place& at) {
                     c.processing.call_handoff = boolean(n, "processing.call_handoff", at);
                 }},
                {"processing.max_retry_delay",
                 [](Config& c, const YAML::Node& n, const std::string&, const Place& at) {
                     c.processing.max_retry_delay =
                         positive_duration(n, "processing.max_retry_delay", at);
                 }},
                {"processing.hold_delay",
                 [](Config& c, const YAML::Node& n, const std::string&, const Place& at) {
                     c.processing.hold_delay = positive_duration(n, "processing.hold_delay", at);
                 }},
                {"processing.max_hold_delay",
                 [](Config& c, const YAML::Node& n, const std::string&, const Place& at) {
                     c.processing.max_hold_delay =
                         positive_duration(n, "processing.max_hold_delay", at);
                 }},
                {"log.level",
                 [](Config& c, const YAML::Node& n, const std::string&, const Place& at) {
                     const auto level = log::parse_level(to_lower(scalar(n, "log.level", at)));
                     if (!level) {
                         config_error(
                             at, fmt::format("log.level: '{}' is not one of error, warn, info, "
                                             "debug",
                                             n.Scalar()));
                     }
                     c.log.level = *level;
                 }},
                {"log.format",
                 [](Config& c, const YAML::Node& n, const std::string&, const Place& at) {
                     const auto format = log::parse_format(to_lower(scalar(n, "log.format", at)));
                     if (!format) {
                         config_error(
                             at, fmt::format("log.format: '{}' is not one of text, json, syslog",
                                             n.Scalar()));
                     }
                     c.log.format = *format;
                 }},
                {"bugsnag.endpoint",
                 [](Config& c, const YAML::Node& n, const std::string&, const Place& at) {
                     c.bugsnag.endpoint = url(n, "bugsnag.endpoint", at);
                     if (c.bugsnag.endpoint.empty()) {
                         config_error(at, "bugsnag.endpoint: must not be empty",
                                      "leave BUGSNAG_API_KEY unset to turn reporting off");
                     }
                 }},
                {"bugsnag.release_stage",
                 [](Config& c, const YAML::Node& n, const std::string&, const Place& at) {
                     c.bugsnag.release_stage = scalar(n, "bugsnag.release_stage", at);
                 }},
                {"bugsnag.timeout",
                 [](Config& c, const YAML::Node& n, const std::string&, const Place& at) {
                     c.bugsnag.timeout =
                         duration(n, "bugsnag.timeout", at, Seconds(1), Seconds(60));
                 }},
                {"secrets_file",
                 [](Config& c, const YAML::Node& n, const std::string&, const Place& at) {
                     c.secrets_file = scalar(n, "secrets_file", at);
                 }},
            };
    return k_keys;
}

// Matches a dotted path against a key pattern; returns the '*' segment (or "").
std::optional<std::string> match(std::string_view pattern, const std::vector<std::string>& path) {
    const auto parts = split(pattern, '.');
    if (parts.size() != path.size()) {
        return std::nullopt;
    }
    std::string wildcard;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (parts[i] == "*") {
            wildcard = path[i];
        } else if (parts[i] != path[i]) {
            return std::nullopt;
        }
    }
    return wildcard;
}

bool is_prefix_of_some_key(const std::vector<std::string>& path) {
    for (const auto& key : key_table()) {
        const auto parts = split(key.path, '.');
        if (parts.size() <= path.size()) {
            continue;
        }
        bool ok = true;
        for (std::size_t i = 0; i < path.size() && ok; ++i) {
            ok = parts[i] == "*" || parts[i] == path[i];
        }
        if (ok) {
            return true;
        }
    }
    return false;
}

void unknown_key(const std::vector<std::string>& path, const Place& at) {
    const std::string dotted = join(path, ".");
    std::vector<std::string> known;
    for (const auto& key : key_table()) {
        std::string k(key.path);
        if (path.size() >= 3 && path[0] == "smtp" && path[1] == "providers") {
            const auto pos = k.find('*');
            if (pos != std::string::npos) {
                k.replace(pos, 1, path[2]);
            }
        }
        known.push_back(std::move(k));
    }
    const auto suggestion = closest_match(dotted, known);
    config_error(at, fmt::format("unknown key '{}'", dotted),
                 suggestion ? fmt::format("did you mean '{}'?", *suggestion) : std::string{});
}

void walk(Config& c, const YAML::Node& node, std::vector<std::string>& path,
          const std::string& source) {
    for (auto it = node.begin(); it != node.end(); ++it) {
        const Place at{source, it->first.Mark().line + 1};
        if (!it->first.IsScalar()) {
            config_error(at, "keys must be plain names");
        }
        path.push_back(it->first.Scalar());
        bool handled = false;
        for (const auto& key : key_table()) {
            if (auto wildcard = match(key.path, path)) {
                if (!wildcard->empty() &&
                    !std::regex_match(*wildcard, std::regex("[a-z0-9][a-z0-9_.-]*"))) {
                    config_error(at, fmt::format("provider name '{}' must be lowercase letters, "
                                                 "digits, '.', '_' or '-'",
                                                 *wildcard));
                }
                const int value_line = it->second.Mark().line;
                key.set(c, it->second, *wildcard,
                        value_line >= 0 ? Place{source, value_line + 1} : at);
                handled = true;
                break;
            }
        }
        if (!handled) {
            if (!is_prefix_of_some_key(path)) {
                unknown_key(path, at);
            }
            if (it->second.IsNull()) {
                // An empty section ("tracking:") is allowed and means "all defaults".
            } else if (!it->second.IsMap()) {
                config_error(at, fmt::format("'{}' is a section: expected a mapping of keys",
                                             join(path, ".")));
            } else {
                walk(c, it->second, path, source);
            }
        }
        path.pop_back();
    }
}

std::string read_file(const std::string& path, std::string_view what) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        const int err = errno;
        throw Error(ExitCode::config,
                    fmt::format("cannot read {} '{}': {}", what, path, std::strerror(err)));
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void load_secrets_file(Config& c) {
    check_private_file(c.secrets_file, "secrets");
    const std::string text = read_file(c.secrets_file, "secrets file");
    int line_no = 0;
    for (const auto& raw : split(text, '\n')) {
        ++line_no;
        const auto line = trim(raw);
        if (line.empty() || line.front() == '#') {
            continue;
        }
        const auto eq = line.find('=');
        const Place at{c.secrets_file, line_no};
        if (eq == std::string_view::npos) {
            config_error(at, "expected KEY=VALUE");
        }
        const auto key = trim(line.substr(0, eq));
        auto value = std::string(trim(line.substr(eq + 1)));
        if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
            value.back() == value.front()) {
            value = value.substr(1, value.size() - 2);
        }
        if (key == "ENCRYPTION_KEY") {
            c.secrets.encryption_key = value;
        } else if (key == "ENCRYPTION_SALT") {
            c.secrets.encryption_salt = value;
        } else if (key == "BUGSNAG_API_KEY") {
            c.secrets.bugsnag_api_key = value;
        } else if (key == "DATABASE_URL") {
            c.database.url = value;
        } else {
            config_error(at, fmt::format("unknown key '{}' (expected ENCRYPTION_KEY, "
                                         "ENCRYPTION_SALT, BUGSNAG_API_KEY or DATABASE_URL)",
                                         key));
        }
    }
}

void apply_environment(Config& c) {
    const auto env = [](const char* name, std::string& target) {
        if (const char* v = std::getenv(name); v != nullptr && *v != '\0') {
            target = v;
        }
    };
    env("DATABASE_URL", c.database.url);
    env("ENCRYPTION_KEY", c.secrets.encryption_key);
    env("ENCRYPTION_SALT", c.secrets.encryption_salt);
    env("BUGSNAG_API_KEY", c.secrets.bugsnag_api_key);
}

} // namespace

std::vector<std::string> known_keys() {
    std::vector<std::string> out;
    for (const auto& key : key_table()) {
        out.emplace_back(key.path);
    }
    return out;
}

bool conninfo_has_password(std::string_view conninfo) {
    if (conninfo.starts_with("postgres://") || conninfo.starts_with("postgresql://")) {
        const auto rest = conninfo.substr(conninfo.find("://") + 3);
        const auto at = rest.find('@');
        const auto slash = rest.find('/');
        if (at != std::string_view::npos && (slash == std::string_view::npos || at < slash) &&
            rest.substr(0, at).find(':') != std::string_view::npos) {
            return true;
        }
        return rest.find("password=") != std::string_view::npos;
    }
    static const std::regex k_password_kw(R"((^|\s)password\s*=)");
    return std::regex_search(std::string(conninfo), k_password_kw);
}

void check_private_file(const std::string& path, std::string_view what_it_holds) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        const int err = errno;
        throw Error(ExitCode::config, fmt::format("cannot read {} file '{}': {}", what_it_holds,
                                                  path, std::strerror(err)));
    }
    const bool root_owned = st.st_uid == 0;
    const mode_t forbidden = root_owned ? (S_IWGRP | S_IXGRP | S_IRWXO) : (S_IRWXG | S_IRWXO);
    if ((st.st_mode & forbidden) != 0) {
        throw Error(ExitCode::permission,
                    fmt::format("{} holds {} but group or others can access it (mode {:04o})", path,
                                what_it_holds, st.st_mode & 07777),
                    fmt::format("chmod 0600 {}{}", path,
                                root_owned ? " (or 0640 with the service's group)" : ""));
    }
}

namespace {

// The configuration decides what runs (content.command) and where passwords go (SMTP
// hosts): a file that group or others can write would let them decide.
void check_not_writable_by_others(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        return; // read_file says why it cannot be read
    }
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        throw Error(ExitCode::config,
                    fmt::format("{}: group or others can write it (mode {:04o}), and it can set "
                                "content.command and the SMTP hosts",
                                path, st.st_mode & 07777),
                    fmt::format("chmod go-w {}", path));
    }
}

} // namespace

Config parse(std::string_view yaml_text, const std::string& source) {
    Config c = defaults();
    c.source = source;
    YAML::Node root;
    try {
        root = YAML::Load(std::string(yaml_text));
    } catch (const YAML::Exception& e) {
        config_error(Place{source, e.mark.line + 1}, fmt::format("invalid YAML: {}", e.msg));
    }
    if (root.IsNull()) {
        return c;
    }
    if (!root.IsMap()) {
        config_error(Place{source, root.Mark().line + 1},
                     "expected a mapping of keys at the top level");
    }
    std::vector<std::string> path;
    walk(c, root, path, source);
    // A row must never look abandoned while its run still works on it: the leases are
    // renewed before each send and each generator run when they could end within it
    // (lib/process/company_batch.cpp), so a lease must outlast each of those steps.
    if (c.processing.lease <= c.longest_send()) {
        throw Error(ExitCode::config,
                    fmt::format("{}: processing.lease ({}) must be longer than a send can take: "
                                "2 x smtp.message_timeout ({}) = {} (a send whose reused "
                                "connection was closed tries again on a new one); a row still "
                                "being sent would be taken for abandoned",
                                source, format_duration(c.processing.lease),
                                format_duration(c.smtp.message_timeout),
                                format_duration(c.longest_send())));
    }
    if (c.content.generator == ContentGenerator::command &&
        c.processing.lease <= c.content.timeout) {
        throw Error(ExitCode::config,
                    fmt::format("{}: processing.lease ({}) must be longer than content.timeout "
                                "({}): the rows a batch holds would be taken for abandoned "
                                "while the content generator writes one",
                                source, format_duration(c.processing.lease),
                                format_duration(c.content.timeout)));
    }
    for (const auto& [name, p] : c.smtp.providers) {
        if (p.host.empty()) {
            throw Error(ExitCode::config,
                        fmt::format("{}: smtp.providers.{} has no host", source, name));
        }
    }
    if (c.content.generator == ContentGenerator::command && trim(c.content.command).empty()) {
        throw Error(
            ExitCode::config,
            fmt::format("{}: content.generator is command but content.command is empty", source),
            "set content.command to the program that writes the emails");
    }
    return c;
}

Config load(const LoadOptions& options) {
    std::string path = options.path;
    if (path.empty()) {
        if (const char* env = std::getenv("EMAILQUEUE_CONFIG"); env != nullptr && *env) {
            path = env;
        } else {
            struct stat st {};
            if (::stat(k_default_path, &st) == 0) {
                path = k_default_path;
            }
        }
    }
    Config c = defaults();
    if (!path.empty()) {
        check_not_writable_by_others(path);
        c = parse(read_file(path, "config file"), path);
        if (conninfo_has_password(c.database.url) ||
            conninfo_has_password(c.database.migrate_url)) {
            check_private_file(path, "a database password");
        }
    }
    if (!c.secrets_file.empty()) {
        // A relative secrets_file is read beside the config file that names it.
        if (c.secrets_file.front() != '/' && path.find('/') != std::string::npos) {
            c.secrets_file = path.substr(0, path.rfind('/') + 1) + c.secrets_file;
        }
        load_secrets_file(c);
    }
    apply_environment(c);
    return c;
}

} // namespace eq::config
