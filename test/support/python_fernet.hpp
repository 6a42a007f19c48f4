#pragma once

#include <string>

namespace eq::test {

// Fernet tokens made by the reference implementation: /usr/bin/python3 with Debian's
// python3-cryptography, deriving the key exactly as the web application does
// (PBKDF2HMAC SHA-256, 32 bytes, the salt's UTF-8 bytes, 100,000 iterations, then
// url-safe base64).
std::string python_fernet_token(const std::string& encryption_key,
                                const std::string& encryption_salt, const std::string& plaintext);

// The plaintext of a token, decrypted by the reference implementation with a Fernet key
// in its text form; throws when Python refuses the token.
std::string python_fernet_decrypt(const std::string& fernet_key, const std::string& token);

} // namespace eq::test
