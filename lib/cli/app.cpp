#include "cli/app.hpp"

#include <curl/curl.h>
#include <fmt/format.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <vector>

#include "db/connection.hpp"
#include "log/log.hpp"
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
    app.add_option("--log-level", options.log_level,
                   "Log error, warn (default: a successful run is silent), info or debug")
        ->type_name("LEVEL")
        ->check(CLI::IsMember({"error", "warn", "info", "debug"}));
    app.add_option("--log-format", options.log_format,
                   "Log lines as text (default), json (one object per line) or syslog")
        ->type_name("FORMAT")
        ->check(CLI::IsMember({"text", "json", "syslog"}));
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

std::optional<bugsnag::Notifier>& notifier() {
    static std::optional<bugsnag::Notifier> n;
    return n;
}

// The error that ends the program: logged (and on stderr even when logging to syslog, so
// cron mails it), and reported to Bugsnag when it is a failure of the system.
void fatal(const std::exception& e, const std::string& message, const std::string& hint) {
    std::fflush(stdout);
    log::error(message, {}, hint);
    const auto& settings = log::settings();
    if (settings.format == log::Format::syslog) {
        const auto text = log::redact_secrets(
            log::format_text(settings.program, log::Level::error, message, hint));
        std::fwrite(text.data(), 1, text.size(), stderr);
    }
    const auto* err = dynamic_cast<const Error*>(&e);
    if (err == nullptr || reportable(err->code())) {
        report({bugsnag::Event{
            .error_class = bugsnag::error_class(e), .message = message, .unhandled = true}});
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

namespace {

void protect_memory() {
    // Decrypted SMTP passwords and the encryption key live in this process's memory: no
    // core file, and no other process of the same user may read /proc/PID/mem or
    // /proc/PID/environ (the kernel needs CAP_SYS_PTRACE for that on a non-dumpable
    // process)...
    ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    const rlimit no_core{0, 0};
    ::setrlimit(RLIMIT_CORE, &no_core);
    // ...and whatever this process runs (the content generator) never has a capability
    // that reads them anyway, even when running as root: CAP_SYS_PTRACE, and
    // CAP_SYS_ADMIN and CAP_PERFMON, which recent kernels accept for /proc/PID/environ
    // too. Without CAP_SETPCAP (not root) this fails, and then the programs it runs have
    // no such capability to lose.
    for (const int capability : {CAP_SYS_PTRACE, CAP_SYS_ADMIN, CAP_PERFMON}) {
        ::prctl(PR_CAPBSET_DROP, capability, 0, 0, 0);
    }
}

} // namespace

int run(std::string_view program, int argc, char** argv,
        const std::function<int(int, char**)>& body) {
    protect_memory();
    std::signal(SIGPIPE, SIG_IGN);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        std::fprintf(stderr, "%.*s: error: cannot initialise libcurl\n",
                     static_cast<int>(program.size()), program.data());
        return to_int(ExitCode::internal);
    }
    log::configure(log::Settings{.program = std::string(program)});
    int status = 0;
    try {
        status = body(argc, argv);
    } catch (const Error& e) {
        fatal(e, e.what(), e.hint());
        status = to_int(e.code());
    } catch (const std::exception& e) {
        fatal(e, fmt::format("internal error: {}", e.what()), {});
        status = to_int(ExitCode::internal);
    }
    notifier().reset();
    curl_global_cleanup();
    return status;
}

config::Config load_config(const CommonOptions& options) {
    auto config = config::load(config::LoadOptions{options.config_path});
    log::Settings settings = log::settings();
    settings.level =
        options.log_level.empty() ? config.log.level : log::parse_level(options.log_level).value();
    settings.format = options.log_format.empty() ? config.log.format
                                                 : log::parse_format(options.log_format).value();
    log::configure(settings);
    for (const auto* secret : {&config.secrets.encryption_key, &config.secrets.encryption_salt,
                               &config.secrets.bugsnag_api_key}) {
        log::add_secret(*secret);
    }
    // The database password, from the URL (DATABASE_URL or database.url) or PGPASSWORD,
    // in every form it is written in.
    for (auto& password : db::conninfo_passwords(config.database.url)) {
        log::add_secret(std::move(password));
    }
    if (const char* password = std::getenv("PGPASSWORD"); password != nullptr) {
        log::add_secret(password);
    }
    if (!config.secrets.bugsnag_api_key.empty() && !notifier()) {
        notifier().emplace(bugsnag::Settings{
            .api_key = config.secrets.bugsnag_api_key,
            .endpoint = config.bugsnag.endpoint,
            .release_stage = config.bugsnag.release_stage,
            .app_version = k_version,
            .program = settings.program,
            .hostname = host_name(),
            .timeout = config.bugsnag.timeout,
        });
    }
    return config;
}

bool reportable(ExitCode code) {
    switch (code) {
    case ExitCode::ok:
    case ExitCode::partial:
    case ExitCode::usage:
    case ExitCode::not_found:
    case ExitCode::conflict:
    case ExitCode::config:
    case ExitCode::interrupted:
    case ExitCode::terminated:
        return false;
    default:
        return true;
    }
}

void report(const std::vector<bugsnag::Event>& events) {
    auto& n = notifier();
    if (!n || events.empty()) {
        return;
    }
    const auto sent = n->notify(events);
    if (!sent) {
        log::warn(fmt::format("cannot report {} error{} to Bugsnag: {}", events.size(),
                              events.size() == 1 ? "" : "s", sent.error()));
    }
}

std::string host_name() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0) {
        return "localhost";
    }
    return buf;
}

db::Connection connect(const config::Config& config, std::string_view program) {
    return db::Connection::open(config.database.url, program, config.database.pool_mode);
}

bool stdout_is_terminal() {
    return ::isatty(STDOUT_FILENO) == 1;
}
bool stderr_is_terminal() {
    return ::isatty(STDERR_FILENO) == 1;
}

void print_json(const Json& value) {
    const std::string out = value.dump() + "\n";
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
}

void warn(std::string_view, std::string_view message) {
    log::warn(message);
}

} // namespace eq::cli
