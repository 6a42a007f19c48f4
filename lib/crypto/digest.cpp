#include "crypto/digest.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include "util/error.hpp"

namespace eq::crypto {

std::string sha256_hex(std::string_view data) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1) {
        throw Error(ExitCode::internal, "sha256 failed");
    }
    std::string out;
    out.reserve(len * 2);
    for (unsigned int i = 0; i < len; ++i) {
        out += fmt::format("{:02x}", md[i]);
    }
    return out;
}

} // namespace eq::crypto
