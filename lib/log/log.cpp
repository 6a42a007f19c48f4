#include "log/log.hpp"

#include <syslog.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <mutex>

#include "util/json.hpp"

namespace eq::log {

namespace {

struct State {
    std::mutex mutex;
    Settings settings;
    std::vector<std::string> secrets;
    bool syslog_open = false;
    bool progress_drawn = false;
};

State& state() {
    static State s;
    return s;
}

// The word a text line shows: "warning" reads better than "warn" in cron mail.
std::string_view text_word(Level level) {
    return level == Level::warn ? std::string_view("warning") : to_string(level);
}

int syslog_priority(Level level) {
    switch (level) {
    case Level::error:
        return LOG_ERR;
    case Level::warn:
        return LOG_WARNING;
    case Level::info:
        return LOG_INFO;
    case Level::debug:
        return LOG_DEBUG;
    }
    return LOG_ERR;
}

void put(std::string_view text) {
    std::fwrite(text.data(), 1, text.size(), stderr);
    std::fflush(stderr);
}

void clear_progress_locked(State& s) {
    if (s.progress_drawn) {
        put("\r\033[K");
        s.progress_drawn = false;
    }
}

Json optional_uuid(const std::optional<Uuid>& id) {
    return id ? Json(id->str()) : Json();
}

} // namespace

std::string_view to_string(Level level) {
    return to_text(level);
}

std::string_view to_string(Format format) {
    return to_text(format);
}

std::optional<Level> parse_level(std::string_view text) {
    return text == "warning" ? Level::warn : from_text<Level>(text);
}

std::optional<Format> parse_format(std::string_view text) {
    return from_text<Format>(text);
}

void configure(const Settings& settings) {
    auto& s = state();
    std::lock_guard lock(s.mutex);
    s.settings = settings;
    if (settings.format == Format::syslog) {
        if (s.syslog_open) {
            ::closelog();
        }
        // openlog keeps the pointer: the string lives in the settings until the next call.
        ::openlog(s.settings.program.c_str(), LOG_PID, LOG_MAIL);
        s.syslog_open = true;
    }
}

const Settings& settings() {
    return state().settings;
}

void add_secret(std::string secret) {
    if (secret.size() < 8) {
        return;
    }
    auto& s = state();
    std::lock_guard lock(s.mutex);
    s.secrets.push_back(std::move(secret));
}

bool enabled(Level level) {
    return static_cast<int>(level) <= static_cast<int>(settings().level);
}

std::string format_text(std::string_view program, Level level, std::string_view message,
                        std::string_view hint) {
    std::string line;
    line.append(program).append(": ").append(text_word(level)).append(": ").append(message);
    line.push_back('\n');
    if (!hint.empty()) {
        line.append("hint: ").append(hint).push_back('\n');
    }
    return line;
}

std::string format_json(Timestamp time, std::string_view program, Level level,
                        std::string_view message, const Context& context, std::string_view hint) {
    Json line(Json::Object{
        {"time",
         format_timestamp(std::chrono::time_point_cast<std::chrono::microseconds>(time), true)},
        {"level", to_string(level)},
        {"program", program},
        {"company", optional_uuid(context.company)},
        {"run", optional_uuid(context.run)},
        {"row", optional_uuid(context.row)},
        {"message", message},
    });
    if (!hint.empty()) {
        line.set("hint", hint);
    }
    return line.dump() + "\n";
}

std::string redact(std::string text, const std::vector<std::string>& secrets) {
    for (const auto& secret : secrets) {
        if (secret.empty()) {
            continue;
        }
        for (auto pos = text.find(secret); pos != std::string::npos;
             pos = text.find(secret, pos + 10)) {
            text.replace(pos, secret.size(), "[redacted]");
        }
    }
    return text;
}

std::string redact_secrets(std::string text) {
    auto& s = state();
    std::lock_guard lock(s.mutex);
    return redact(std::move(text), s.secrets);
}

void write(Level level, std::string_view message, const Context& context, std::string_view hint) {
    auto& s = state();
    std::lock_guard lock(s.mutex);
    if (static_cast<int>(level) > static_cast<int>(s.settings.level)) {
        return;
    }
    clear_progress_locked(s);
    switch (s.settings.format) {
    case Format::text:
        put(redact(format_text(s.settings.program, level, message, hint), s.secrets));
        break;
    case Format::json: {
        const auto now = std::chrono::time_point_cast<std::chrono::microseconds>(
            std::chrono::system_clock::now());
        // The message and hint are redacted before JSON escapes them, the line after.
        put(redact(format_json(now, s.settings.program, level,
                               redact(std::string(message), s.secrets), context,
                               redact(std::string(hint), s.secrets)),
                   s.secrets));
        break;
    }
    case Format::syslog: {
        std::string text(message);
        if (!hint.empty()) {
            text.append(" (hint: ").append(hint).append(")");
        }
        text = redact(std::move(text), s.secrets);
        ::syslog(syslog_priority(level), "%s: %s", text_word(level).data(), text.c_str());
        break;
    }
    }
}

void progress(std::string_view line) {
    auto& s = state();
    std::lock_guard lock(s.mutex);
    if (s.settings.format != Format::text || ::isatty(STDERR_FILENO) != 1) {
        return;
    }
    std::string out = "\r\033[K";
    out.append(s.settings.program).append(": ").append(line);
    put(out);
    s.progress_drawn = true;
}

void end_progress() {
    auto& s = state();
    std::lock_guard lock(s.mutex);
    clear_progress_locked(s);
}

} // namespace eq::log
