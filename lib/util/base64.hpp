#pragma once

#include <string>
#include <string_view>

#include "util/expected.hpp"

namespace eq {

// RFC 4648 base64. The standard alphabet (+/) serves MIME; the URL-safe one (-_) serves
// Fernet keys and tokens. Encoding always pads with '='.
enum class Base64Alphabet { standard, url_safe };

std::string base64_encode(std::string_view bytes,
                          Base64Alphabet alphabet = Base64Alphabet::standard);

// Strict decoding: only the alphabet's 64 characters and trailing '=' padding (which may
// be left out); whitespace, characters of the other alphabet, padding in the middle and
// non-zero leftover bits are refused. The failure message never quotes the input, which
// may be a secret.
Expected<std::string> base64_decode(std::string_view text,
                                    Base64Alphabet alphabet = Base64Alphabet::standard);

} // namespace eq
