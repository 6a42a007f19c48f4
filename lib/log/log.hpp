#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/enum_text.hpp"
#include "util/time.hpp"
#include "util/uuid.hpp"

namespace eq::log {

// Severity, most severe first. A line is written when its level is at or above the
// configured one; the default, warn, keeps a successful run silent.
enum class Level { error = 0, warn = 1, info = 2, debug = 3 };

// text: "program: level: message" lines on stderr (what cron mails);
// json: one object per line on stderr, for log shippers;
// syslog: syslog(3) with facility mail. Errors that end the program are also written to
// stderr as text, so cron still mails them.
enum class Format { text, json, syslog };

constexpr EnumTexts<Level, 4> enum_texts(Level) {
    return {{{Level::error, "error"},
             {Level::warn, "warn"},
             {Level::info, "info"},
             {Level::debug, "debug"}}};
}
constexpr EnumTexts<Format, 3> enum_texts(Format) {
    return {{{Format::text, "text"}, {Format::json, "json"}, {Format::syslog, "syslog"}}};
}

std::string_view to_string(Level level);
std::string_view to_string(Format format);
// A level's name, or "warning" for warn.
std::optional<Level> parse_level(std::string_view text);
std::optional<Format> parse_format(std::string_view text);

// What a line is about. Human lines carry the same facts in their message; JSON lines
// also give them as fields, so a shipper can filter by company.
struct Context {
    std::optional<Uuid> company;
    std::optional<Uuid> run;
    std::optional<Uuid> row;
};

struct Settings {
    std::string program = "emailqueue";
    Level level = Level::warn;
    Format format = Format::text;
};

// Sets the process-wide settings; the three programs call it once at start (cli::run)
// and again once the command line and configuration are read (cli::load_config).
void configure(const Settings& settings);
const Settings& settings();

// Registers a secret (encryption key, API key, a password): it is replaced by "[redacted]"
// in every line written afterwards. Strings shorter than 8 characters are ignored: they
// would mangle ordinary words. A second line of defence:
// messages are written never to hold secrets in the first place.
void add_secret(std::string secret);

bool enabled(Level level);

// Writes one line when `level` is enabled. Thread-safe: workers log concurrently.
// `hint` is a second line ("hint: ...") in text, a field in JSON.
void write(Level level, std::string_view message, const Context& context = {},
           std::string_view hint = {});

inline void error(std::string_view message, const Context& context = {},
                  std::string_view hint = {}) {
    write(Level::error, message, context, hint);
}
inline void warn(std::string_view message, const Context& context = {}) {
    write(Level::warn, message, context);
}
inline void info(std::string_view message, const Context& context = {}) {
    write(Level::info, message, context);
}
inline void debug(std::string_view message, const Context& context = {}) {
    write(Level::debug, message, context);
}

// A one-line status ("12/40 companies, 87 sent") redrawn in place on a terminal when the
// format is text; nothing otherwise. Log lines written meanwhile clear it first.
void progress(std::string_view line);
// Clears the status line, if one is drawn.
void end_progress();

// The lines as written, without redaction (pure, for tests).
std::string format_text(std::string_view program, Level level, std::string_view message,
                        std::string_view hint);
std::string format_json(Timestamp time, std::string_view program, Level level,
                        std::string_view message, const Context& context, std::string_view hint);

// `text` with every occurrence of each secret replaced by "[redacted]".
std::string redact(std::string text, const std::vector<std::string>& secrets);
// `text` with the secrets registered by add_secret() redacted: for output that does not
// go through write() (Bugsnag reports, the final error on stderr in syslog mode).
// Redact before encoding (JSON escapes a secret's quotes and backslashes, and the
// escaped form no longer matches).
std::string redact_secrets(std::string text);

} // namespace eq::log
