#pragma once

namespace eq::process {

// queue-process's main, behind cli::run's top-level catch.
int main(int argc, char** argv);

} // namespace eq::process
