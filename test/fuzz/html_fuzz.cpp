// libFuzzer target: html_to_text (lib/util/html.hpp), the text part of every message.
// Whatever the HTML, the conversion ends in time (libFuzzer's -timeout catches a
// quadratic path), its text is no larger than a small multiple of the input (each link
// target and alt text is written once) and ends with exactly one line break unless
// empty.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "util/html.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view html(reinterpret_cast<const char*>(data), size);
    const auto text = eq::html_to_text(html);
    if (text.size() > 4 * size + 16) {
        std::abort();
    }
    if (!text.empty() && (text.back() != '\n' || text.ends_with("\n\n"))) {
        std::abort();
    }
    return 0;
}
