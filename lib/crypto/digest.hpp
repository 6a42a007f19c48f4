#pragma once

#include <string>
#include <string_view>

namespace eq::crypto {

// Lowercase hex SHA-256 of data (migration checksums, stable identifiers).
std::string sha256_hex(std::string_view data);

} // namespace eq::crypto
