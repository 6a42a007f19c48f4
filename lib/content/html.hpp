#pragma once

// HTML escaping and the text/plain alternative live in util/html.hpp, below every layer
// that needs them; content keeps the names it has always offered.
#include "util/html.hpp"

namespace eq::content {

using eq::html_escape;
using eq::html_to_text;

} // namespace eq::content
