#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "util/json.hpp"

namespace eq::db {
class Connection;
}

namespace eq::cli {

// Options every command takes (besides --help).
struct CommonOptions {
    std::string config_path;
    bool json = false;
};

// Sets up a command's CLI11 app: name, description, --version, --config, --json,
// and a footer pointing at the man page.
void init_app(CLI::App& app, std::string_view program, CommonOptions& options);

// Parses the command line. Returns an exit status when the run should end now (help or
// version printed), nothing to go on. A bad command line throws eq::Error(usage) with a
// "did you mean" hint for a misspelt subcommand or option.
std::optional<int> parse(CLI::App& app, int argc, char** argv);

// The one top-level catch: runs body, prints "<program>: error: <message>" (and
// "hint: ..." ) for any exception, and returns the exit status from the one table.
// Also initialises libcurl and ignores SIGPIPE, once per process.
int run(std::string_view program, int argc, char** argv,
        const std::function<int(int, char**)>& body);

// The configuration named by --config / $EMAILQUEUE_CONFIG / the default path.
config::Config load_config(const CommonOptions& options);

// A database connection for `program` using the config and libpq's environment.
db::Connection connect(const config::Config& config, std::string_view program);

bool stdout_is_terminal();
bool stderr_is_terminal();

// Writes one JSON document and a newline to stdout.
void print_json(const Json& value);

// Prints "<program>: warning: <message>" to stderr.
void warn(std::string_view program, std::string_view message);

} // namespace eq::cli
