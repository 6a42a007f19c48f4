#pragma once

namespace eq::enqueue {

// queue-enqueue's main, behind cli::run's top-level catch.
int main(int argc, char** argv);

} // namespace eq::enqueue
