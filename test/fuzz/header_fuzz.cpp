// libFuzzer target: the header encoder (lib/message/header.hpp). Whatever the value, a
// header never holds CR or LF except as a fold (CRLF followed by a space), never NUL or
// another control character, never a non-ASCII octet, and no line over 998 octets.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "message/header.hpp"

namespace {

void check(const std::string& header) {
    std::size_t line = 0;
    for (std::size_t i = 0; i < header.size(); ++i) {
        const auto c = static_cast<unsigned char>(header[i]);
        if (c == '\r') {
            if (i + 2 >= header.size() || header[i + 1] != '\n' ||
                (header[i + 2] != ' ' && header[i + 2] != '\t')) {
                std::abort(); // a line break that is not a fold: injection
            }
            ++i;
            line = 0;
            continue;
        }
        if (c == '\n' || c >= 0x80 || (c < 0x20 && c != '\t') || c == 0x7f) {
            std::abort();
        }
        if (++line > 998) {
            std::abort();
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view value(reinterpret_cast<const char*>(data), size);
    check(eq::message::unstructured_header("Subject", value));
    check(eq::message::mailbox_header("To", value, "ann@lead.example"));
    const auto cleaned = eq::message::clean_header_value(value);
    if (cleaned.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
        std::abort();
    }
    const auto ids = eq::message::parse_message_ids(value);
    if (!ids.empty()) {
        check(eq::message::message_ids_header("References", ids));
    }
    return 0;
}
