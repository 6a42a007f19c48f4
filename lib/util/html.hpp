#pragma once

#include <string>
#include <string_view>

#include "util/html_escape.hpp"

// HTML to plain text, for the text/plain alternative of every HTML message. Escaping and
// entity decoding are in util/html_escape.hpp.

namespace eq {

// The text/plain alternative of an HTML body: script, style, head and comments dropped;
// paragraphs, headings, list items, table rows and <br> become line breaks; links keep
// their target as "text (url)"; images become their alt text; entities are decoded
// (numeric ones to UTF-8); runs of white space collapse, except inside <pre>. Lines end
// with '\n'; the result ends with one '\n' unless it is empty.
std::string html_to_text(std::string_view html);

} // namespace eq
