#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "util/expected.hpp"

namespace eq::crypto {

// The web application stores companies.account_password as a Fernet token
// (https://github.com/fernet/spec): version byte 0x80, 8-byte big-endian timestamp,
// 16-byte IV, AES-128-CBC ciphertext with PKCS7 padding, HMAC-SHA256 over all of that;
// the whole URL-safe base64. Its key is derived from two settings, never stored.

inline constexpr int k_fernet_kdf_iterations = 100'000;

// A Fernet key: the first 16 bytes sign, the last 16 encrypt. Wiped when destroyed.
// Copyable so that one derived key can serve several threads.
class FernetKey {
public:
    // The application's derivation: PBKDF2-HMAC-SHA256 over the UTF-8 bytes of
    // ENCRYPTION_KEY with the UTF-8 bytes of ENCRYPTION_SALT as salt, 100,000
    // iterations, 32 bytes (about 50 ms: derive once per run, not per row).
    // Fails when either setting is empty; the message names the setting, never a value.
    static Expected<FernetKey> derive(std::string_view encryption_key,
                                      std::string_view encryption_salt);
    // A key in Fernet's own text form: 32 bytes in URL-safe base64 (44 characters).
    static Expected<FernetKey> from_base64(std::string_view key);

    FernetKey(const FernetKey&) = default;
    FernetKey& operator=(const FernetKey&) = default;
    ~FernetKey();

    // Fernet's text form of this key (a secret: for tests and key tooling only).
    std::string to_base64() const;

    std::span<const unsigned char, 16> signing_key() const { return m_signing; }
    std::span<const unsigned char, 16> encryption_key() const { return m_encryption; }

private:
    FernetKey() = default;
    std::array<unsigned char, 16> m_signing{};
    std::array<unsigned char, 16> m_encryption{};
};

// Decrypts a token. The timestamp is not checked (the application sets no TTL on stored
// passwords). The HMAC is verified in constant time before anything is decrypted.
// Every malformed token (empty, bad base64, too short, wrong version byte, ciphertext
// not a whole number of blocks, bad HMAC, bad padding) fails with
// "credentials unreadable: <what is wrong>"; no message ever includes the token, the key
// or the plaintext.
Expected<std::string> fernet_decrypt(const FernetKey& key, std::string_view token);

// Encrypts like the application does (random IV, current time), so tools and tests can
// store passwords it reads back.
std::string fernet_encrypt(const FernetKey& key, std::string_view plaintext);
// The deterministic form, for the specification's test vectors.
std::string fernet_encrypt(const FernetKey& key, std::string_view plaintext,
                           std::span<const unsigned char, 16> iv, std::uint64_t unix_seconds);

} // namespace eq::crypto
