#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/json.hpp"

namespace eq::test {

// The JSON objects of a file written one per line by a test server (blank lines
// skipped); nothing when the file does not exist yet. Throws on a malformed line,
// naming `what` wrote it.
std::vector<Json> read_json_lines(const std::string& path, std::string_view what);

} // namespace eq::test
