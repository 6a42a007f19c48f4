#pragma once

#include <string>
#include <string_view>

namespace eq {

// Appends the UTF-8 form of a Unicode code point (callers pass valid scalar values).
void append_utf8(std::string& out, unsigned code_point);

// True when text is well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF).
bool is_valid_utf8(std::string_view text);

// text with every ill-formed sequence replaced by U+FFFD, so a header that declares
// UTF-8 always carries UTF-8.
std::string repair_utf8(std::string_view text);

// True when every octet is below 0x80.
bool is_ascii(std::string_view text);

} // namespace eq
