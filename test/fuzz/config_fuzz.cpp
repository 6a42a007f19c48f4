// libFuzzer target: the config loader (lib/config/config.hpp). Any text is a valid
// configuration or an eq::Error with exit status 78 and a "source:line: " message; no
// other exception escapes, nothing crashes.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "config/config.hpp"
#include "util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        (void)eq::config::parse(text, "fuzz.yaml");
    } catch (const eq::Error& e) {
        if (e.code() != eq::ExitCode::config) {
            std::abort();
        }
    }
    return 0;
}
