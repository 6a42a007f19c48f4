#pragma once

#include <array>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "log/log.hpp"
#include "util/enum_text.hpp"
#include "util/time.hpp"

namespace eq::config {

enum class Security { tls, starttls, none };

constexpr EnumTexts<Security, 3> enum_texts(Security) {
    return {{{Security::tls, "tls"}, {Security::starttls, "starttls"}, {Security::none, "none"}}};
}

std::string_view to_string(Security s);

// Where a row's subject and body come from when the row carries no pre-generated ones:
// the campaign's template, or an external program (content/generator.hpp).
enum class ContentGenerator { campaign_template, command };

constexpr EnumTexts<ContentGenerator, 2> enum_texts(ContentGenerator) {
    return {{{ContentGenerator::campaign_template, "template"},
             {ContentGenerator::command, "command"}}};
}

std::string_view to_string(ContentGenerator g);

// How the database server behind database.url hands out its sessions: one per
// connection (PostgreSQL itself, or a pooler in session mode), or one per transaction
// (PgBouncer, RDS Proxy or Supabase's pooler in transaction mode), in which nothing may
// outlive a transaction (db/connection.hpp).
enum class PoolMode { session, transaction };

constexpr EnumTexts<PoolMode, 2> enum_texts(PoolMode) {
    return {{{PoolMode::session, "session"}, {PoolMode::transaction, "transaction"}}};
}

std::string_view to_string(PoolMode m);

// The placeholders an unsubscribe.url template may hold, each replaced by a UUID.
inline constexpr std::array<std::string_view, 4> k_unsubscribe_placeholders{
    "{lead_id}", "{company_id}", "{campaign_id}", "{email_log_id}"};

// An SMTP provider: where a company with this account_type sends from.
struct Provider {
    std::string host;
    int port = 465;
    Security security = Security::tls;
    bool verify_peer = true; // certificate and host name checks
    std::string ca_file;     // empty: the system's trust store
};

// Secrets never leave this struct except into the call that needs them: no log line,
// error message or JSON output ever includes them.
struct Secrets {
    std::string encryption_key;  // ENCRYPTION_KEY: password of the Fernet key derivation
    std::string encryption_salt; // ENCRYPTION_SALT
    std::string bugsnag_api_key; // BUGSNAG_API_KEY
};

struct Config {
    // Where this configuration came from: a file path, or empty for built-in defaults.
    std::string source;

    struct Database {
        // libpq connection string or URI. Empty: libpq's environment (PGHOST, ...).
        std::string url;
        PoolMode pool_mode = PoolMode::session;
        // What `queue-admin db migrate` connects to when set: the direct (session) port,
        // for a url that goes through a transaction-mode pooler. May hold a password.
        std::string migrate_url;
    } database;

    struct Smtp {
        // Keyed by companies.account_type (lowercase). Built in: gmail, outlook, yahoo.
        std::map<std::string, Provider, std::less<>> providers;
        // TCP connect, greeting and TLS handshake of a new connection.
        Seconds connect_timeout{30};
        // Each SMTP reply (libcurl counts whole seconds). Also bounds how long closing a
        // broken connection may wait for the reply to QUIT.
        Seconds reply_timeout{30};
        // One whole message, a new connection included.
        Seconds message_timeout{120};
    } smtp;

    struct Content {
        ContentGenerator generator = ContentGenerator::campaign_template;
        // For generator: command. Run by /bin/sh -c; see content/generator.hpp.
        std::string command;
        Seconds timeout{60};
    } content;

    struct Unsubscribe {
        // An https URL template with k_unsubscribe_placeholders. Empty: no
        // List-Unsubscribe header.
        std::string url;
    } unsubscribe;

    struct Tracking {
        // Base of the tracking pixel URL, without a trailing slash. Empty: no pixel.
        std::string base_url;
    } tracking;

    struct Throttle {
        // The limits of a company with no email_throttle_settings row. (The web
        // application's settings page shows 300 and 300 for such a company.)
        int default_per_hour = 50;
        int default_per_day = 500;
    } throttle;

    struct Processing {
        int batch_cap = 10;     // most rows one company sends per invocation
        int concurrency = 64;   // companies sent to in parallel
        int db_connections = 8; // database connections the workers share
        // A claimed row not finished within the lease (the run crashed or hung) is
        // recovered by the next run. Longer than any one send can take (longest_send());
        // renewed while the row waits its turn and right before its send.
        std::chrono::seconds lease{std::chrono::minutes(10)};
        // Pacing (a company with a minimum gap between sends): one invocation plans and
        // sends a company's emails spread over at most this long, then leaves the rest
        // to the next. A little under the cron period.
        std::chrono::seconds run_length{std::chrono::minutes(4)};
        // Resend a row whose SMTP outcome is unknown instead of holding it for an
        // operator: may deliver it twice. Off by default.
        bool resend_unknown = false;
        // A row whose send has held its company this many times in a row no longer holds
        // it: it is failed (a permanent refusal) or retried behind the others.
        int max_row_holds = 3;
        // Hand a lead to the web application's call_queue after its first email, for a
        // campaign of type email_and_call with trigger_call_on 'after_email_sent'.
        bool call_handoff = true;
        std::chrono::seconds max_retry_delay{std::chrono::hours(6)};
        // An account-level failure holds the company for hold_delay, doubled for each
        // hold in a row, up to max_hold_delay.
        std::chrono::seconds hold_delay{std::chrono::minutes(5)};
        std::chrono::seconds max_hold_delay{std::chrono::hours(6)};
    } processing;

    struct Log {
        // The command line's --log-level and --log-format override these.
        log::Level level = log::Level::warn;
        log::Format format = log::Format::text;
    } log;

    struct Bugsnag {
        // The notify API. Reports are sent only when BUGSNAG_API_KEY is set.
        std::string endpoint = "https://notify.bugsnag.com";
        std::string release_stage = "production";
        // All reports of one invocation together; a slow endpoint never delays a batch
        // for longer.
        std::chrono::milliseconds timeout{std::chrono::seconds(3)};
    } bugsnag;

    // A KEY=VALUE file with ENCRYPTION_KEY, ENCRYPTION_SALT, BUGSNAG_API_KEY.
    std::string secrets_file;
    Secrets secrets;

    const Provider* provider(std::string_view account_type) const;
    // The longest one send can take: two attempts (a reused connection the server had
    // closed is replaced and the message sent again), each bounded by
    // smtp.message_timeout. processing.lease must be longer.
    Seconds longest_send() const { return 2 * smtp.message_timeout; }
};

// Where to look for the file; empty fields fall back to the environment and defaults.
struct LoadOptions {
    std::string path; // --config; empty: $EMAILQUEUE_CONFIG, then k_default_path if present
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

// Every key a file may hold, dotted, '*' standing for a provider name
// ("smtp.providers.*.host"), in the key table's order.
std::vector<std::string> known_keys();

// Refuses (eq::Error, ExitCode::permission) a file that holds secrets when group or
// others may access it. Like libpq's rule for key files: mode 0600 or stricter, or
// 0640 when the file belongs to root (root:service-group deployments).
void check_private_file(const std::string& path, std::string_view what_it_holds);

// True when a libpq connection string or URI carries a password.
bool conninfo_has_password(std::string_view conninfo);

} // namespace eq::config
