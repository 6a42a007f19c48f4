#pragma once

#include <cstddef>
#include <string>
#include <string_view>

// HTML character references both ways: escaping text for HTML, and decoding the
// entities of HTML text (html_to_text in util/html.hpp reads bodies with these).

namespace eq {

// Escapes & < > " ' so a value can go anywhere in HTML text or a quoted attribute.
std::string html_escape(std::string_view text);

// Decodes the character reference at html[pos] ('&'): a named entity of the common set
// (amp, lt, gt, quot, apos, nbsp, copy, reg, trade, dashes, quotes, hellip, euro, bull,
// middot) or a numeric one (&#233; &#xE9;) of a Unicode scalar value other than zero, to
// UTF-8. Returns its text and moves pos past it; returns "&" and moves pos by one when no
// such reference starts there (so the rest reads as text).
std::string decode_entity(std::string_view html, std::size_t& pos);

// text with every character reference decoded (decode_entity).
std::string decode_entities(std::string_view text);

} // namespace eq
