#include "support/json_lines.hpp"

#include <stdexcept>

#include "support/temp_dir.hpp"
#include "util/strings.hpp"

namespace eq::test {

std::vector<Json> read_json_lines(const std::string& path, std::string_view what) {
    std::vector<Json> out;
    std::string text;
    try {
        text = read_file(path);
    } catch (const std::exception&) {
        return out;
    }
    for (const auto& line : split(text, '\n')) {
        if (trim(line).empty()) {
            continue;
        }
        auto parsed = Json::parse(line);
        if (!parsed) {
            throw std::runtime_error("bad line from " + std::string(what) + ": " + line);
        }
        out.push_back(std::move(parsed).value());
    }
    return out;
}

} // namespace eq::test
