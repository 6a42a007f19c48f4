// libFuzzer target: the Fernet token parser (lib/crypto/fernet.hpp). Any text as a token
// fails cleanly or decrypts, and any text encrypted comes back unchanged.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "crypto/fernet.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const auto key =
        *eq::crypto::FernetKey::from_base64("cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=");
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)eq::crypto::fernet_decrypt(key, text);
    const auto token = eq::crypto::fernet_encrypt(key, text);
    const auto back = eq::crypto::fernet_decrypt(key, token);
    if (!back || *back != text) {
        std::abort();
    }
    return 0;
}
