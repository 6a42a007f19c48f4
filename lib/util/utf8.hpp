#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace eq {

// Appends the UTF-8 form of a Unicode code point (callers pass valid scalar values).
void append_utf8(std::string& out, unsigned code_point);

// The length of the well-formed UTF-8 sequence starting at text[pos] (1 for ASCII), or 0
// when it is ill-formed there: an overlong, a surrogate, a value past U+10FFFF, an octet
// that never starts one, or a sequence cut short.
std::size_t utf8_sequence_length(std::string_view text, std::size_t pos);

// True when text is well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF).
bool is_valid_utf8(std::string_view text);

// text with every ill-formed sequence replaced by U+FFFD, so a header that declares
// UTF-8 always carries UTF-8.
std::string repair_utf8(std::string_view text);

// True when every octet is below 0x80.
bool is_ascii(std::string_view text);

} // namespace eq
