#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace eq::config {

enum class Security { tls, starttls, none };

std::string_view to_string(Security s);

// An SMTP provider: where a company with this account_type sends from.
struct Provider {
    std::string host;
    int port = 465;
    Security security = Security::tls;
    bool verify_peer = true;  // certificate and host name checks
    std::string ca_file;      // empty: the system's trust store
};

// Secrets never leave this struct except into the call that needs them: no log line,
// error message or JSON output ever includes them.
struct Secrets {
    std::string encryption_key;   // ENCRYPTION_KEY: password of the Fernet key derivation
    std::string encryption_salt;  // ENCRYPTION_SALT
    std::string bugsnag_api_key;  // BUGSNAG_API_KEY
};

struct Config {
    // Where this configuration came from: a file path, or empty for built-in defaults.
    std::string source;

    struct Database {
        // libpq connection string or URI. Empty: libpq's environment (PGHOST, ...).
        std::string url;
    } database;

    struct Smtp {
        // Keyed by companies.account_type (lowercase). Built in: gmail, outlook, yahoo.
        std::map<std::string, Provider, std::less<>> providers;
    } smtp;

    struct Tracking {
        // Base of the tracking pixel URL, without a trailing slash. Empty: no pixel.
        std::string base_url;
    } tracking;

    struct Processing {
        int batch_cap = 10;  // most rows one company sends per invocation
    } processing;

    // A KEY=VALUE file with ENCRYPTION_KEY, ENCRYPTION_SALT, BUGSNAG_API_KEY.
    std::string secrets_file;
    Secrets secrets;

    const Provider* provider(std::string_view account_type) const;
};

// Where to look for the file; empty fields fall back to the environment and defaults.
struct LoadOptions {
    std::string path;  // --config; empty: $EMAILQUEUE_CONFIG, then k_default_path if present
};

inline constexpr const char* k_default_path = "/etc/emailqueue/emailqueue.yaml";

// Finds, reads and validates the configuration, then applies the environment
// (DATABASE_URL, ENCRYPTION_KEY, ENCRYPTION_SALT, BUGSNAG_API_KEY override the files).
// Throws eq::Error: config (78) with "file:line: message", permission (77) for a file
// holding secrets that group or others can read.
Config load(const LoadOptions& options);

// Parses YAML text; `source` names it in messages. Applies no environment and checks
// no permissions: load() does that.
Config parse(std::string_view yaml_text, const std::string& source);

// The defaults alone (built-in providers, default limits).
Config defaults();

// Refuses (eq::Error, ExitCode::permission) a file that holds secrets when group or
// others may access it. Like libpq's rule for key files: mode 0600 or stricter, or
// 0640 when the file belongs to root (root:service-group deployments).
void check_private_file(const std::string& path, std::string_view what_it_holds);

// True when a libpq connection string or URI carries a password.
bool conninfo_has_password(std::string_view conninfo);

} // namespace eq::config
