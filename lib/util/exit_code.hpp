#pragma once

#include <span>
#include <string_view>

namespace eq {

// The one table of exit statuses shared by all three commands (sysexits-style).
// These numbers are a public interface: scripts test them, man pages list them.
// Never renumber; only append.
enum class ExitCode : int {
    ok = 0,
    partial = 1,       // the command ran, but some of its work failed (see its output)
    usage = 64,        // bad command line: unknown option, malformed UUID, time or number
    data = 65,         // data in the database is unusable: invalid campaign, template, account
    not_found = 66,    // no such company, campaign, run or row
    conflict = 67,     // the object's state forbids the operation (run completed, cancelled, ...)
    unavailable = 69,  // the database cannot be reached
    internal = 70,     // a bug: an unexpected error inside emailqueue
    cant_create = 73,  // an output file cannot be written
    io = 74,           // an input file cannot be read
    temporary = 75,    // try again later: a lock is held, a server answered "busy"
    schema = 76,       // the database schema is missing or a migration failed
    permission = 77,   // permission denied: a secrets file readable by others, a database grant
    config = 78,       // the configuration is invalid
    interrupted = 130, // stopped by SIGINT
    terminated = 143,  // stopped by SIGTERM
};

struct ExitCodeInfo {
    ExitCode code;
    std::string_view name;
    std::string_view meaning;
};

// Every exit code with its name and meaning, in numeric order.
std::span<const ExitCodeInfo> exit_code_table();

inline int to_int(ExitCode code) {
    return static_cast<int>(code);
}

} // namespace eq
