#include "util/base64.hpp"

#include <array>
#include <cstdint>

namespace eq {

namespace {

constexpr std::string_view k_standard =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view k_url_safe =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string_view chars_of(Base64Alphabet a) {
    return a == Base64Alphabet::standard ? k_standard : k_url_safe;
}

} // namespace

std::string base64_encode(std::string_view bytes, Base64Alphabet alphabet) {
    const auto chars = chars_of(alphabet);
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    const auto byte = [&](std::size_t k) {
        return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[k]));
    };
    for (; i + 3 <= bytes.size(); i += 3) {
        const std::uint32_t v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
        out.push_back(chars[(v >> 18) & 63]);
        out.push_back(chars[(v >> 12) & 63]);
        out.push_back(chars[(v >> 6) & 63]);
        out.push_back(chars[v & 63]);
    }
    if (const std::size_t rest = bytes.size() - i; rest > 0) {
        const std::uint32_t v = (byte(i) << 16) | (rest == 2 ? byte(i + 1) << 8 : 0);
        out.push_back(chars[(v >> 18) & 63]);
        out.push_back(chars[(v >> 12) & 63]);
        out.push_back(rest == 2 ? chars[(v >> 6) & 63] : '=');
        out.push_back('=');
    }
    return out;
}

Expected<std::string> base64_decode(std::string_view text, Base64Alphabet alphabet) {
    std::array<int, 256> value{};
    value.fill(-1);
    const auto chars = chars_of(alphabet);
    for (std::size_t i = 0; i < chars.size(); ++i) {
        value[static_cast<unsigned char>(chars[i])] = static_cast<int>(i);
    }
    std::size_t end = text.size();
    std::size_t padding = 0;
    while (end > 0 && text[end - 1] == '=' && padding < 2) {
        --end;
        ++padding;
    }
    if (padding > 0 && text.size() % 4 != 0) {
        return fail("bad base64: wrong padding");
    }
    if (end % 4 == 1) {
        return fail("bad base64: truncated");
    }
    std::string out;
    out.reserve(end / 4 * 3 + 2);
    std::uint32_t acc = 0;
    int bits = 0;
    for (std::size_t i = 0; i < end; ++i) {
        const int v = value[static_cast<unsigned char>(text[i])];
        if (v < 0) {
            return fail("bad base64: a character outside the alphabet");
        }
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((acc >> bits) & 0xff));
        }
    }
    if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) {
        return fail("bad base64: non-zero trailing bits");
    }
    return out;
}

} // namespace eq
