#include <catch2/catch.hpp>

#include <array>

#include "crypto/fernet.hpp"
#include "support/python_fernet.hpp"

using namespace eq;
using crypto::FernetKey;

namespace {

// The specification's vectors (github.com/fernet/spec, generate.json, verify.json and
// invalid.json): one secret, IV 00..0f, time 1985-10-26T01:20:00-07:00.
constexpr const char* k_spec_secret = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=";
constexpr const char* k_spec_token =
    "gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU"
    "4IwqDA==";

FernetKey spec_key() {
    return *FernetKey::from_base64(k_spec_secret);
}

std::string error_of(const std::string& token) {
    const auto r = crypto::fernet_decrypt(spec_key(), token);
    return r ? "decrypted: " + *r : r.error();
}

} // namespace

TEST_CASE("Fernet generates the specification's token", "[fernet]") {
    std::array<unsigned char, 16> iv{};
    for (unsigned i = 0; i < iv.size(); ++i) {
        iv[i] = static_cast<unsigned char>(i);
    }
    // 1985-10-26T01:20:00-07:00
    CHECK(crypto::fernet_encrypt(spec_key(), "hello", iv, 499162800) == k_spec_token);
}

TEST_CASE("Fernet verifies the specification's token", "[fernet]") {
    const auto plain = crypto::fernet_decrypt(spec_key(), k_spec_token);
    REQUIRE(plain.ok());
    CHECK(*plain == "hello");
    CHECK(spec_key().to_base64() == k_spec_secret);
}

TEST_CASE("Fernet refuses the specification's invalid tokens, naming what is wrong", "[fernet]") {
    CHECK(
        error_of("gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAl1-szkFVzXTuGb4hR8AKtwcaX1"
                 "YdykQUFBQUFBQUFBQQ==") ==
        "credentials unreadable: the token's signature does not match (a different "
        "ENCRYPTION_KEY or ENCRYPTION_SALT, or a damaged token)");
    CHECK(error_of("gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPA==") ==
          "credentials unreadable: the token is too short to be a Fernet token");
    CHECK(error_of("gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPOm73QeoCk9uGib28Xe5vz6o"
                   "xq5nmxbx_v7mrfyudzUm") ==
          "credentials unreadable: the token's ciphertext is not a whole number of AES blocks");
    CHECK(error_of("gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0ODz4LEpdELGQAad7aNEHbf-JkLPIpuiYRLQ3RtXatOYRE"
                   "u2FWke6CnJNYIbkuKNqOhw==") ==
          "credentials unreadable: the token's padding is wrong after decryption");
    CHECK(error_of("gAAAAAAdwJ6xBQECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAkLhFLHpGtDBRLRTZeUfWgH"
                   "Sv49TF2AUEZ1TIvcZjK1zQ==") ==
          "credentials unreadable: the token's padding is wrong after decryption");
    CHECK(
        error_of("%%%%%%%%%%%j-ztUarjDIfllJBmLiBMjfcmZesHVIhcAAAAAHcCesAABAgMEBQYHCAkKCwwNDg8t") ==
        "credentials unreadable: the token is not URL-safe base64");
}

TEST_CASE("Fernet ignores timestamps: no TTL applies to stored passwords", "[fernet]") {
    // The spec's "far-future TS" and "expired TTL" tokens fail only under a TTL check;
    // the application decrypts without one, and so do we (their plaintext is empty, as
    // Python's Fernet(key).decrypt(token) also says).
    CHECK(
        error_of("gAAAAAAdwStRAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAnja1xKYyhd-Y6mSkTOyTGJmw2X"
                 "c2a6kBd-iX9b_qXQcw==") == "decrypted: ");
    CHECK(
        error_of("gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAl1-szkFVzXTuGb4hR8AKtwcaX1"
                 "YdykRtfsH-p1YsUD2Q==") == "decrypted: ");
}

TEST_CASE("Fernet refuses a wrong version byte, an empty token and a wrong key", "[fernet]") {
    CHECK(error_of("") == "credentials unreadable: the stored password is empty");
    // The spec token with its version byte changed from 0x80 to 0x81 ("gA" -> "gQ").
    std::string wrong_version = k_spec_token;
    wrong_version[1] = 'Q';
    CHECK(error_of(wrong_version) ==
          "credentials unreadable: the token does not start with Fernet's version byte 0x80");
    const auto other = *FernetKey::derive("another key", "another salt");
    const auto r = crypto::fernet_decrypt(other, k_spec_token);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().find("signature does not match") != std::string::npos);
    // A flipped bit anywhere is caught by the HMAC before decryption.
    std::string flipped = k_spec_token;
    flipped[40] = flipped[40] == 'A' ? 'B' : 'A';
    CHECK(error_of(flipped).find("signature does not match") != std::string::npos);
}

TEST_CASE("Fernet failures never print the token or the plaintext", "[fernet]") {
    const std::string token = crypto::fernet_encrypt(spec_key(), "hunter2-secret");
    for (std::size_t cut : {std::size_t{10}, std::size_t{60}, token.size() - 4}) {
        const std::string broken = token.substr(0, cut);
        const auto r = crypto::fernet_decrypt(spec_key(), broken);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().find(broken) == std::string::npos);
        CHECK(r.error().find("hunter2") == std::string::npos);
        CHECK(r.error().starts_with("credentials unreadable: "));
    }
}

TEST_CASE("Fernet key derivation needs both settings", "[fernet]") {
    CHECK(FernetKey::derive("", "salt").error().find("ENCRYPTION_KEY is not set") == 0);
    CHECK(FernetKey::derive("key", "").error().find("ENCRYPTION_SALT is not set") == 0);
    CHECK_FALSE(FernetKey::from_base64("c2hvcnQ=").ok());
}

TEST_CASE("tokens made by Python's cryptography decrypt with the derived key", "[fernet][python]") {
    const std::string key = "the application's ENCRYPTION_KEY";
    const std::string salt = "its ENCRYPTION_SALT";
    const auto derived = FernetKey::derive(key, salt);
    REQUIRE(derived.ok());
    for (const std::string& password :
         std::vector<std::string>{"hunter2", "p\xc3\xa4ss w\xc3\xb6rd \xe2\x82\xac",
                                  std::string(100, 'x'), "16 bytes long!!!"}) {
        const auto token = test::python_fernet_token(key, salt, password);
        const auto plain = crypto::fernet_decrypt(*derived, token);
        REQUIRE(plain.ok());
        CHECK(*plain == password);
    }
    // A token made under another salt is refused.
    const auto foreign = test::python_fernet_token(key, "a different salt", "hunter2");
    CHECK_FALSE(crypto::fernet_decrypt(*derived, foreign).ok());
}

TEST_CASE("Python's cryptography decrypts our tokens", "[fernet][python]") {
    const auto key = *FernetKey::derive("k", "s");
    const auto token = crypto::fernet_encrypt(key, "from emailqueue");
    CHECK(test::python_fernet_decrypt(key.to_base64(), token) == "from emailqueue");
}
