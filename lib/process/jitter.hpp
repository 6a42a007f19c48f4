#pragma once

namespace eq::process {

// A uniform draw in [0, 1), per thread: the jitter of retry delays and pacing slots.
double jitter_draw();

} // namespace eq::process
