#include "util/uuid.hpp"

#include <fmt/format.h>
#include <openssl/rand.h>

#include <array>
#include <cctype>

#include "util/error.hpp"

namespace eq {

Expected<Uuid> Uuid::parse(std::string_view text) {
    std::string_view s = text;
    if (s.size() == 38 && s.front() == '{' && s.back() == '}') {
        s = s.substr(1, 36);
    }
    if (s.size() != 36) {
        return fail(fmt::format("malformed UUID '{}': expected 36 characters like "
                                "123e4567-e89b-12d3-a456-426614174000",
                                text.substr(0, 64)));
    }
    std::string out;
    out.reserve(36);
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        const bool dash_pos = (i == 8 || i == 13 || i == 18 || i == 23);
        if (dash_pos ? c != '-' : !std::isxdigit(c)) {
            return fail(fmt::format("malformed UUID '{}': unexpected character at position {}",
                                    text.substr(0, 64), i + 1));
        }
        out.push_back(static_cast<char>(std::tolower(c)));
    }
    return Uuid(std::move(out));
}

Uuid Uuid::from_arg(std::string_view text, std::string_view what) {
    auto parsed = parse(text);
    if (!parsed) {
        throw Error(ExitCode::usage, fmt::format("{}: {}", what, parsed.error()));
    }
    return std::move(parsed).value();
}

Uuid Uuid::random() {
    std::array<unsigned char, 16> b{};
    if (RAND_bytes(b.data(), static_cast<int>(b.size())) != 1) {
        throw Error(ExitCode::internal, "cannot read random bytes for a UUID");
    }
    b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
    b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
    std::string s = fmt::format("{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-"
                                "{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
                                b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10],
                                b[11], b[12], b[13], b[14], b[15]);
    return Uuid(std::move(s));
}

} // namespace eq
