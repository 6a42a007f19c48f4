#include "support/python_fernet.hpp"

#include <stdexcept>

#include "support/process.hpp"
#include "support/smtp_server.hpp"
#include "util/json.hpp"

namespace eq::test {

namespace {

// Reads one JSON object from stdin and prints the result; values never travel on the
// command line.
constexpr const char* k_script = R"(
import base64, json, sys
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
a = json.load(sys.stdin)
if a["op"] == "encrypt":
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32,
                     salt=a["salt"].encode("utf-8"), iterations=100000)
    key = base64.urlsafe_b64encode(kdf.derive(a["key"].encode("utf-8")))
    sys.stdout.write(Fernet(key).encrypt(a["text"].encode("utf-8")).decode("ascii"))
else:
    sys.stdout.write(Fernet(a["key"].encode("ascii")).decrypt(a["token"].encode("ascii")).decode("utf-8"))
)";

std::string run(const Json& input) {
    RunOptions options;
    options.stdin_text = input.dump();
    const auto r = run_process({k_system_python, "-c", k_script}, options);
    if (r.exit_code != 0) {
        throw std::runtime_error("python3 cryptography failed: " + r.err);
    }
    return r.out;
}

} // namespace

std::string python_fernet_token(const std::string& encryption_key,
                                const std::string& encryption_salt, const std::string& plaintext) {
    Json in = Json::object();
    in.set("op", "encrypt");
    in.set("key", encryption_key);
    in.set("salt", encryption_salt);
    in.set("text", plaintext);
    return run(in);
}

std::string python_fernet_decrypt(const std::string& fernet_key, const std::string& token) {
    Json in = Json::object();
    in.set("op", "decrypt");
    in.set("key", fernet_key);
    in.set("token", token);
    return run(in);
}

} // namespace eq::test
