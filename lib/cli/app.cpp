#include "cli/app.hpp"

#include <curl/curl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <vector>

#include "db/connection.hpp"
#include "util/error.hpp"
#include "util/strings.hpp"
#include "util/version.hpp"

namespace eq::cli {

void init_app(CLI::App& app, std::string_view program, CommonOptions& options) {
    app.name(std::string(program));
    // Common options are accepted after a subcommand too: "queue-admin db status --json".
    app.fallthrough(true);
    app.set_version_flag("--version", fmt::format("{} (emailqueue) {}", program, k_version),
                         "Print the version and exit");
    app.add_option("--config", options.config_path,
                   "Configuration file (default: $EMAILQUEUE_CONFIG, then "
                   "/etc/emailqueue/emailqueue.yaml when present)")
        ->type_name("FILE");
    app.add_flag("--json", options.json, "Write the result as one JSON document to stdout");
    app.footer(fmt::format("Exit statuses are listed in {}(1).", program));
    app.get_formatter()->column_width(32);
}

namespace {

std::vector<std::string> subcommand_names(const CLI::App& app) {
    std::vector<std::string> names;
    for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
        names.push_back(sub->get_name());
    }
    return names;
}

// Long options of app and of its parents (whose options fall through).
std::vector<std::string> option_names(const CLI::App& app) {
    std::vector<std::string> names;
    for (const CLI::App* cur = &app; cur != nullptr; cur = cur->get_parent()) {
        for (const auto* opt : cur->get_options()) {
            for (const auto& l : opt->get_lnames()) {
                names.push_back("--" + l);
            }
        }
    }
    return names;
}

// The deepest subcommand the user selected, for suggestions in the right place.
const CLI::App* selected(const CLI::App& app) {
    const CLI::App* cur = &app;
    while (true) {
        const auto subs = cur->get_subcommands();
        if (subs.empty()) {
            return cur;
        }
        cur = subs.front();
    }
}

std::string suggestion_for(const CLI::App& app, const std::vector<std::string>& extras) {
    if (extras.empty()) {
        return {};
    }
    const auto& word = extras.front();
    const CLI::App* where = selected(app);
    const auto candidates = word.starts_with("-") ? option_names(*where) : subcommand_names(*where);
    if (const auto match = closest_match(word, candidates)) {
        return fmt::format("did you mean '{}'?", *match);
    }
    return {};
}

std::string command_path(const CLI::App& app) {
    std::string path;
    for (const CLI::App* cur = selected(app); cur != nullptr; cur = cur->get_parent()) {
        path = path.empty() ? cur->get_name() : cur->get_name() + " " + path;
    }
    return path;
}

// An option given an empty value ("--company ''", typically an unset shell variable) is
// refused rather than read as "not given": `retry --run "$RUN"` must never widen to
// every run because $RUN was empty.
void refuse_empty_values(const CLI::App& app) {
    for (const CLI::Option* option : app.get_options()) {
        if (option->count() == 0 || option->get_expected_min() == 0) {
            continue; // not given, or a flag
        }
        for (const auto& value : option->results()) {
            if (value.empty()) {
                const auto name = option->get_lnames().empty()
                                      ? option->get_name(true)
                                      : "--" + option->get_lnames().front();
                throw Error(ExitCode::usage, fmt::format("{}: an empty value", name),
                            fmt::format("run '{} --help' for usage", command_path(app)));
            }
        }
    }
    for (const CLI::App* sub : app.get_subcommands()) {
        refuse_empty_values(*sub);
    }
}

} // namespace

std::optional<int> parse(CLI::App& app, int argc, char** argv) {
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        // Words CLI11 could not place (a misspelt subcommand or option) explain the
        // failure better than its own message ("a subcommand is required").
        const std::vector<std::string> extras = app.remaining(true);
        if (!extras.empty()) {
            std::string hint = suggestion_for(app, extras);
            if (hint.empty()) {
                hint = fmt::format("run '{} --help' for usage", command_path(app));
            }
            throw Error(ExitCode::usage, fmt::format("unexpected argument '{}'", extras.front()),
                        hint);
        }
        std::string message = e.what();
        if (!message.empty()) {
            message[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(message[0])));
        }
        while (!message.empty() && (message.back() == '.' || message.back() == '\n')) {
            message.pop_back();
        }
        throw Error(ExitCode::usage, message,
                    fmt::format("run '{} --help' for usage", command_path(app)));
    }
    refuse_empty_values(app);
    return std::nullopt;
}

int run(std::string_view program, int argc, char** argv,
        const std::function<int(int, char**)>& body) {
    std::signal(SIGPIPE, SIG_IGN);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        std::fprintf(stderr, "%.*s: error: cannot initialise libcurl\n",
                     static_cast<int>(program.size()), program.data());
        return to_int(ExitCode::internal);
    }
    int status = 0;
    try {
        status = body(argc, argv);
    } catch (const Error& e) {
        std::fflush(stdout);
        std::cerr << program << ": error: " << e.what() << '\n';
        if (!e.hint().empty()) {
            std::cerr << "hint: " << e.hint() << '\n';
        }
        status = to_int(e.code());
    } catch (const std::exception& e) {
        std::fflush(stdout);
        std::cerr << program << ": error: internal error: " << e.what() << '\n';
        status = to_int(ExitCode::internal);
    }
    curl_global_cleanup();
    return status;
}

config::Config load_config(const CommonOptions& options) {
    return config::load(config::LoadOptions{options.config_path});
}

db::Connection connect(const config::Config& config, std::string_view program) {
    return db::Connection::open(config.database.url, program);
}

bool stdout_is_terminal() { return ::isatty(STDOUT_FILENO) == 1; }
bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

void print_json(const Json& value) {
    const std::string out = value.dump() + "\n";
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
}

void warn(std::string_view program, std::string_view message) {
    std::cerr << program << ": warning: " << message << '\n';
}

} // namespace eq::cli
