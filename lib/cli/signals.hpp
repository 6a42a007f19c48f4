#pragma once

namespace eq::cli {

// Graceful stop for long-running commands: after install_stop_handlers(), SIGINT and
// SIGTERM set a flag instead of killing the process; the command checks
// stop_requested() between units of work, finishes the one in flight, tidies up, and
// exits with exit_status_for_stop() (130 for SIGINT, 143 for SIGTERM).
void install_stop_handlers();

// The signal that asked us to stop, or 0.
int stop_requested();

int exit_status_for_stop();

} // namespace eq::cli
