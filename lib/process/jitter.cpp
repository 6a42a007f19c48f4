#include "process/jitter.hpp"

#include <random>

namespace eq::process {

double jitter_draw() {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

} // namespace eq::process
