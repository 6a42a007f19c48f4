#include "config/config.hpp"

#include <fmt/format.h>
#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>
#include <vector>

#include "config/key_table.hpp"
#include "util/enum_text.hpp"
#include "util/error.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

namespace eq::config {

std::string_view to_string(PoolMode m) {
    return to_text(m);
}

std::string_view to_string(Security s) {
    return to_text(s);
}

std::string_view to_string(ContentGenerator g) {
    return to_text(g);
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

bool valid_provider_name(std::string_view name) {
    const auto ok = [](char ch, bool first) {
        return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
               (!first && (ch == '_' || ch == '.' || ch == '-'));
    };
    if (name.empty() || !ok(name.front(), true)) {
        return false;
    }
    return std::all_of(name.begin() + 1, name.end(), [&](char ch) { return ok(ch, false); });
}

bool is_prefix_of_some_key(const std::vector<std::string>& path) {
    for (const auto& key : key_table()) {
        const auto parts = split(key.name, '.');
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
        std::string k(key.name);
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
        std::string provider;
        if (const Key* key = find_key(path, provider)) {
            if (!provider.empty() && !valid_provider_name(provider)) {
                config_error(at, fmt::format("provider name '{}' must be lowercase letters, "
                                             "digits, '.', '_' or '-'",
                                             provider));
            }
            const int value_line = it->second.Mark().line;
            set_key(c, *key, it->second, join(path, "."), provider,
                    value_line >= 0 ? Place{source, value_line + 1} : at);
        } else {
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
        out.emplace_back(key.name);
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
    // (lib/process/leases.hpp), so a lease must outlast each of those steps.
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
        for (const auto& key : key_table()) {
            const auto* text = std::get_if<Field<std::string>>(&key.target);
            if (key.secret && text != nullptr && conninfo_has_password((*text)(c, {}))) {
                check_private_file(path, "a database password");
                break;
            }
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
