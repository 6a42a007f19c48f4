// libFuzzer target: the JSON parser (lib/util/json.hpp), which reads a content
// generator's reply. Whatever the input, parsing returns a value or a failure; input that
// parses is well-formed UTF-8; every key of a parsed object is found again by find() (the
// index of larger objects included); a value dumps to JSON that parses again, and from
// there the text is stable (the first dump may still normalise: -0e3 is the double -0,
// dumped "-0", read back as the integer 0).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "util/json.hpp"
#include "util/utf8.hpp"

namespace {

void check_lookup(const eq::Json& v) {
    if (v.is_array()) {
        for (const auto& e : v.as_array()) {
            check_lookup(e);
        }
    } else if (v.is_object()) {
        for (const auto& [key, member] : v.as_object()) {
            if (v.find(key) != &member) {
                std::abort();
            }
            check_lookup(member);
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto parsed = eq::Json::parse(text);
    if (!parsed) {
        return 0;
    }
    if (!eq::is_valid_utf8(text)) {
        std::abort();
    }
    check_lookup(*parsed);
    const auto dumped = parsed->dump();
    const auto again = eq::Json::parse(dumped);
    if (!again) {
        std::abort();
    }
    const auto stable = again->dump();
    const auto third = eq::Json::parse(stable);
    if (!third || third->dump() != stable) {
        std::abort();
    }
    return 0;
}
