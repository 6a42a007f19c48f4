#pragma once

#include <chrono>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "util/expected.hpp"
#include "util/json.hpp"
#include "util/uuid.hpp"

namespace eq::bugsnag {

// One error worth an operator's attention. Events with the same error class and company
// are grouped together in Bugsnag (groupingHash), whatever their messages say.
struct Event {
    std::string error_class; // "database", "data", "internal", ...: the kind of failure
    std::string message;     // the operator message: never a secret, never an email body
    std::optional<Uuid> company;
    bool unhandled = false; // true for the error that ended the program
};

struct Settings {
    std::string api_key;       // empty: reporting is off
    std::string endpoint;      // the notify API, e.g. https://notify.bugsnag.com
    std::string release_stage; // "production", "staging", ...
    std::string app_version;   // emailqueue's version
    std::string program;       // queue-process, ...
    std::string hostname;
    // Bounds the time all reports of one invocation may take together, connection
    // included: a slow or unreachable endpoint never holds a batch up for longer.
    std::chrono::milliseconds timeout{3000};
};

// The kind of failure an exception stands for, for grouping: the exit code's name
// ("data", "temporary", ...), prefixed "database." for database errors; "internal" for
// anything that is not an eq::Error.
std::string error_class(const std::exception& e);

// The longest message sent; the rest is cut (messages can quote a server's reply).
inline constexpr std::size_t k_max_message = 500;

// The notify API's JSON body (payload version 5). The API key travels only in the
// Bugsnag-Api-Key header, and messages are redacted of every secret registered with
// log::add_secret, so the body holds no secret.
Json payload(const Settings& settings, const std::vector<Event>& events);

// Sends events in one request and keeps a budget: after `timeout` in all, later calls
// return at once with a failure. Never throws; a failure is a message for a warning.
class Notifier {
public:
    explicit Notifier(Settings settings);

    bool enabled() const { return !m_settings.api_key.empty(); }
    Expected<bool> notify(const std::vector<Event>& events);

private:
    Settings m_settings;
    std::chrono::milliseconds m_spent{0};
};

} // namespace eq::bugsnag
