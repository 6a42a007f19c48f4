#include "suppression/email_address.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace eq::suppression {

namespace {

bool is_forbidden_octet(unsigned char c) {
    constexpr std::string_view k_specials = "<>(),;:\\\"[]";
    return c <= 0x20 || c >= 0x7f ||
           k_specials.find(static_cast<char>(c)) != std::string_view::npos;
}

bool is_label_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

} // namespace

std::optional<Failure> check_email_address(std::string_view address) {
    if (address.size() < 3 || address.size() > 254) {
        return fail(fmt::format("{} octets; an address has 3 to 254", address.size()));
    }
    for (const char ch : address) {
        const auto c = static_cast<unsigned char>(ch);
        if (is_forbidden_octet(c)) {
            if (c >= 0x80) {
                return fail("non-ASCII characters are not allowed");
            }
            if (c <= 0x20 || c == 0x7f) {
                return fail("spaces and control characters are not allowed");
            }
            return fail(fmt::format("the character '{}' is not allowed", ch));
        }
    }
    const auto at = address.find('@');
    if (at == std::string_view::npos) {
        return fail("no '@'");
    }
    if (address.find('@', at + 1) != std::string_view::npos) {
        return fail("more than one '@'");
    }
    const auto local = address.substr(0, at);
    const auto domain = address.substr(at + 1);
    if (local.empty() || local.size() > 64) {
        return fail(
            fmt::format("the local part has {} octets; it must have 1 to 64", local.size()));
    }
    if (local.front() == '.' || local.back() == '.') {
        return fail("the local part starts or ends with '.'");
    }
    if (local.find("..") != std::string_view::npos) {
        return fail("the local part contains '..'");
    }
    if (std::count(domain.begin(), domain.end(), '.') == 0) {
        return fail("the domain needs at least two labels (like example.com)");
    }
    std::size_t start = 0;
    while (start <= domain.size()) {
        const auto dot = std::min(domain.find('.', start), domain.size());
        const auto label = domain.substr(start, dot - start);
        if (label.empty() || label.size() > 63) {
            return fail(
                fmt::format("a domain label has {} octets; each has 1 to 63", label.size()));
        }
        if (!std::all_of(label.begin(), label.end(), is_label_char)) {
            return fail(fmt::format("the domain label '{}' has a character other than "
                                    "letters, digits and '-'",
                                    label));
        }
        if (label.front() == '-' || label.back() == '-') {
            return fail(fmt::format("the domain label '{}' starts or ends with '-'", label));
        }
        start = dot + 1;
    }
    return std::nullopt;
}

} // namespace eq::suppression
