#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bugsnag/notifier.hpp"
#include "config/config.hpp"
#include "util/exit_code.hpp"
#include "util/json.hpp"

namespace eq::db {
class Connection;
}

namespace eq::cli {

// Options every command takes (besides --help).
struct CommonOptions {
    std::string config_path;
    bool json = false;
    std::string log_level;  // empty: log.level from the configuration
    std::string log_format; // empty: log.format from the configuration
};

// Sets up a command's CLI11 app: name, description, --version, --config, --json,
// --log-level, --log-format, and a footer pointing at the man page.
void init_app(CLI::App& app, std::string_view program, CommonOptions& options);

// Parses the command line. Returns an exit status when the run should end now (help or
// version printed), nothing to go on. A bad command line throws eq::Error(usage) with a
// "did you mean" hint for a misspelt subcommand or option.
std::optional<int> parse(CLI::App& app, int argc, char** argv);

// The one top-level catch: runs body, logs "<program>: error: <message>" (and
// "hint: ..." ) for any exception, reports it to Bugsnag when it is unexpected (see
// reportable()), and returns the exit status from the one table.
// Also initialises libcurl and ignores SIGPIPE, once per process.
int run(std::string_view program, int argc, char** argv,
        const std::function<int(int, char**)>& body);

// The configuration named by --config / $EMAILQUEUE_CONFIG / the default path. Also
// applies its logging settings (the command line's --log-level and --log-format win),
// registers its secrets for redaction, and sets up Bugsnag reports.
config::Config load_config(const CommonOptions& options);

// Whether an error ending a program with this status is reported to Bugsnag: failures
// of the system (database, schema, files, permissions, bugs), not mistakes of the
// caller (usage, unknown ids, refused state changes, configuration) or stops.
bool reportable(ExitCode code);

// Sends events to Bugsnag when BUGSNAG_API_KEY is set, within bugsnag.timeout for the
// whole process; a failure to send is logged as a warning, never thrown.
void report(const std::vector<bugsnag::Event>& events);

// A database connection for `program` using the config and libpq's environment.
db::Connection connect(const config::Config& config, std::string_view program);

// This machine's name, for invocation records and error reports.
std::string host_name();

bool stdout_is_terminal();
bool stderr_is_terminal();

// Writes one JSON document and a newline to stdout.
void print_json(const Json& value);

// Logs "<program>: warning: <message>" (log::warn).
void warn(std::string_view program, std::string_view message);

} // namespace eq::cli
