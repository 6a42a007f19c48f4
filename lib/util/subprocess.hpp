#pragma once

// Runs a program to completion with a time limit: its input written, its output and
// error output read, all through pipes polled together so that none can fill up and
// stall the other; killed (with everything it started) when the time is up or its
// output grows past a bound. The one runner of child processes: the content generator
// (lib/content/generator.cpp) and the tests' run_process (test/support/process.cpp).
//
// The child gets: its standard streams and no other descriptor (not the database's
// connections, not another thread's SMTP socket, whatever the caller opened without
// close-on-exec); a process group of its own; default dispositions and an empty mask
// for the signals a caller commonly ignores or blocks (SIGPIPE, SIGINT, SIGTERM); and
// exactly the environment given. A program that exits without reading its input does
// not kill the caller with SIGPIPE.

#include <chrono>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "util/expected.hpp"

namespace eq::util {

struct SubprocessOptions {
    std::vector<std::string> argv; // argv[0] is the program's path (no PATH search)
    std::vector<std::string> env;  // the whole environment, "NAME=value" each
    std::string stdin_text;        // written to its input, which is then closed
    std::chrono::milliseconds timeout{std::chrono::seconds(60)};
    // Killed once its output passes this many octets (SubprocessEnd::too_much_output).
    std::size_t max_stdout = std::numeric_limits<std::size_t>::max();
    // Only the last this many octets of its error output are kept.
    std::size_t stderr_kept = std::numeric_limits<std::size_t>::max();
};

enum class SubprocessEnd {
    exited,          // exit_status holds its status
    signalled,       // signal holds the signal that ended it
    timed_out,       // killed at the time limit
    too_much_output, // killed when its output passed max_stdout
};

struct SubprocessResult {
    SubprocessEnd end = SubprocessEnd::exited;
    int exit_status = 0;
    int signal = 0;
    std::string out;
    std::string err; // the last stderr_kept octets
};

// Runs the program; an error only when it could not be started (no pipe, no such
// program, not executable: the message says which).
Expected<SubprocessResult> run_subprocess(const SubprocessOptions& options);

} // namespace eq::util
