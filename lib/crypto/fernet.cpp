#include "crypto/fernet.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <chrono>
#include <memory>

#include "util/base64.hpp"
#include "util/error.hpp"

namespace eq::crypto {

namespace {

constexpr unsigned char k_version = 0x80;
constexpr std::size_t k_header = 1 + 8 + 16; // version, timestamp, IV
constexpr std::size_t k_mac = 32;
constexpr std::size_t k_block = 16;

Failure unreadable(std::string_view why) {
    return fail("credentials unreadable: " + std::string(why));
}

struct CipherCtxFree {
    void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

std::array<unsigned char, k_mac> hmac_sha256(std::span<const unsigned char, 16> key,
                                             const unsigned char* data, std::size_t size) {
    std::array<unsigned char, k_mac> md{};
    unsigned int len = 0;
    if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data, size, md.data(), &len) ==
            nullptr ||
        len != md.size()) {
        throw Error(ExitCode::internal, "HMAC-SHA256 failed");
    }
    return md;
}

const unsigned char* bytes(std::string_view s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}

} // namespace

FernetKey::~FernetKey() {
    OPENSSL_cleanse(m_signing.data(), m_signing.size());
    OPENSSL_cleanse(m_encryption.data(), m_encryption.size());
}

Expected<FernetKey> FernetKey::derive(std::string_view encryption_key,
                                      std::string_view encryption_salt) {
    if (encryption_key.empty()) {
        return fail("ENCRYPTION_KEY is not set: the account passwords cannot be decrypted");
    }
    if (encryption_salt.empty()) {
        return fail("ENCRYPTION_SALT is not set: the account passwords cannot be decrypted");
    }
    std::array<unsigned char, 32> raw{};
    if (PKCS5_PBKDF2_HMAC(encryption_key.data(), static_cast<int>(encryption_key.size()),
                          bytes(encryption_salt), static_cast<int>(encryption_salt.size()),
                          k_fernet_kdf_iterations, EVP_sha256(), static_cast<int>(raw.size()),
                          raw.data()) != 1) {
        throw Error(ExitCode::internal, "PBKDF2-HMAC-SHA256 failed");
    }
    FernetKey key;
    std::copy(raw.begin(), raw.begin() + 16, key.m_signing.begin());
    std::copy(raw.begin() + 16, raw.end(), key.m_encryption.begin());
    OPENSSL_cleanse(raw.data(), raw.size());
    return key;
}

Expected<FernetKey> FernetKey::from_base64(std::string_view text) {
    auto raw = base64_decode(text, Base64Alphabet::url_safe);
    if (!raw || raw->size() != 32) {
        return fail("a Fernet key is 32 bytes in URL-safe base64");
    }
    FernetKey key;
    std::copy(raw->begin(), raw->begin() + 16, key.m_signing.begin());
    std::copy(raw->begin() + 16, raw->end(), key.m_encryption.begin());
    OPENSSL_cleanse(raw->data(), raw->size());
    return key;
}

std::string FernetKey::to_base64() const {
    std::string raw(m_signing.begin(), m_signing.end());
    raw.append(m_encryption.begin(), m_encryption.end());
    auto out = base64_encode(raw, Base64Alphabet::url_safe);
    OPENSSL_cleanse(raw.data(), raw.size());
    return out;
}

Expected<std::string> fernet_decrypt(const FernetKey& key, std::string_view token) {
    if (token.empty()) {
        return unreadable("the stored password is empty");
    }
    const auto data = base64_decode(token, Base64Alphabet::url_safe);
    if (!data) {
        return unreadable("the token is not URL-safe base64");
    }
    const std::string_view d = *data;
    if (d.size() < k_header + k_mac) {
        return unreadable("the token is too short to be a Fernet token");
    }
    if (static_cast<unsigned char>(d[0]) != k_version) {
        return unreadable("the token does not start with Fernet's version byte 0x80");
    }
    const std::size_t signed_size = d.size() - k_mac;
    if (signed_size == k_header || (signed_size - k_header) % k_block != 0) {
        return unreadable("the token's ciphertext is not a whole number of AES blocks");
    }
    const auto expected = hmac_sha256(key.signing_key(), bytes(d), signed_size);
    if (CRYPTO_memcmp(expected.data(), bytes(d) + signed_size, k_mac) != 0) {
        return unreadable("the token's signature does not match (a different ENCRYPTION_KEY "
                          "or ENCRYPTION_SALT, or a damaged token)");
    }

    CipherCtx ctx(EVP_CIPHER_CTX_new());
    const unsigned char* iv = bytes(d) + 9;
    const unsigned char* ciphertext = bytes(d) + k_header;
    const auto ciphertext_size = static_cast<int>(signed_size - k_header);
    std::string plain(signed_size - k_header, '\0');
    int out1 = 0, out2 = 0;
    if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_128_cbc(), nullptr,
                                   key.encryption_key().data(), iv) != 1) {
        throw Error(ExitCode::internal, "AES-128-CBC initialisation failed");
    }
    auto* out = reinterpret_cast<unsigned char*>(plain.data());
    if (EVP_DecryptUpdate(ctx.get(), out, &out1, ciphertext, ciphertext_size) != 1 ||
        EVP_DecryptFinal_ex(ctx.get(), out + out1, &out2) != 1) {
        OPENSSL_cleanse(plain.data(), plain.size());
        return unreadable("the token's padding is wrong after decryption");
    }
    plain.resize(static_cast<std::size_t>(out1 + out2));
    return plain;
}

std::string fernet_encrypt(const FernetKey& key, std::string_view plaintext,
                           std::span<const unsigned char, 16> iv, std::uint64_t unix_seconds) {
    std::string data;
    data.push_back(static_cast<char>(k_version));
    for (int shift = 56; shift >= 0; shift -= 8) {
        data.push_back(static_cast<char>((unix_seconds >> shift) & 0xff));
    }
    data.append(reinterpret_cast<const char*>(iv.data()), iv.size());

    CipherCtx ctx(EVP_CIPHER_CTX_new());
    std::string cipher(plaintext.size() + k_block, '\0');
    int out1 = 0, out2 = 0;
    auto* out = reinterpret_cast<unsigned char*>(cipher.data());
    if (!ctx ||
        EVP_EncryptInit_ex(ctx.get(), EVP_aes_128_cbc(), nullptr, key.encryption_key().data(),
                           iv.data()) != 1 ||
        EVP_EncryptUpdate(ctx.get(), out, &out1, bytes(plaintext),
                          static_cast<int>(plaintext.size())) != 1 ||
        EVP_EncryptFinal_ex(ctx.get(), out + out1, &out2) != 1) {
        throw Error(ExitCode::internal, "AES-128-CBC encryption failed");
    }
    cipher.resize(static_cast<std::size_t>(out1 + out2));
    data += cipher;
    const auto mac = hmac_sha256(key.signing_key(), bytes(data), data.size());
    data.append(reinterpret_cast<const char*>(mac.data()), mac.size());
    return base64_encode(data, Base64Alphabet::url_safe);
}

std::string fernet_encrypt(const FernetKey& key, std::string_view plaintext) {
    std::array<unsigned char, 16> iv{};
    if (RAND_bytes(iv.data(), static_cast<int>(iv.size())) != 1) {
        throw Error(ExitCode::internal, "cannot read random bytes for a Fernet IV");
    }
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    return fernet_encrypt(key, plaintext, iv, static_cast<std::uint64_t>(now));
}

} // namespace eq::crypto
