#pragma once

namespace eq::enqueue {

// queue-enqueue's main, behind cli::run's top-level catch: parses the command line,
// runs one of enqueue_run(), enqueue_campaign() or enqueue_due(), and prints the
// summary (see queue-enqueue(1)).
int main(int argc, char** argv);

} // namespace eq::enqueue
