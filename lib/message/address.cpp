#include "message/address.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <vector>

#include "util/strings.hpp"

namespace eq::message {

namespace {

constexpr std::string_view k_forbidden = "<>(),;:\\\"[]";

std::optional<std::string> domain_problem(std::string_view domain) {
    const auto labels = split(domain, '.');
    if (labels.size() < 2) {
        return "the domain needs at least two labels (like example.com)";
    }
    for (const auto& label : labels) {
        if (label.empty() || label.size() > 63) {
            return "a domain label is empty or longer than 63 octets";
        }
        if (label.front() == '-' || label.back() == '-') {
            return "a domain label starts or ends with '-'";
        }
        for (const char c : label) {
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') {
                return "the domain may only hold letters, digits, '-' and '.'";
            }
        }
    }
    return std::nullopt;
}

} // namespace

std::optional<std::string> address_problem(std::string_view a) {
    if (a.size() < 3 || a.size() > 254) {
        return fmt::format("an address is 3 to 254 octets long, not {}", a.size());
    }
    for (const char ch : a) {
        const auto c = static_cast<unsigned char>(ch);
        if (c <= 0x20 || c == 0x7f) {
            return "it contains a space or a control character";
        }
        if (c >= 0x80) {
            return "it contains a non-ASCII character";
        }
        if (k_forbidden.find(ch) != std::string_view::npos) {
            return fmt::format("it contains '{}'", ch);
        }
    }
    if (std::count(a.begin(), a.end(), '@') != 1) {
        return "it must contain exactly one '@'";
    }
    const auto at = a.find('@');
    const auto local = a.substr(0, at);
    if (local.empty() || local.size() > 64) {
        return "the part before '@' must be 1 to 64 octets";
    }
    if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) {
        return "the part before '@' starts or ends with '.' or contains '..'";
    }
    return domain_problem(a.substr(at + 1));
}

std::string_view domain_of(std::string_view address) {
    const auto at = address.rfind('@');
    return at == std::string_view::npos ? std::string_view{} : address.substr(at + 1);
}

std::string_view local_part_of(std::string_view address) {
    return address.substr(0, address.rfind('@'));
}

std::string display_name_for(std::string_view account_email, std::string_view company_name) {
    auto local = local_part_of(account_email);
    local = local.substr(0, local.find('+'));
    std::vector<std::string> pieces;
    std::string piece;
    const auto flush = [&] {
        if (!piece.empty()) {
            piece[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(piece[0])));
            pieces.push_back(piece);
            piece.clear();
        }
    };
    for (const char c : local) {
        if (c == '.' || c == '_' || c == '-') {
            flush();
        } else {
            piece.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
        }
    }
    flush();
    const auto company = trim(company_name);
    if (pieces.size() <= 1 && !company.empty()) {
        return std::string(company);
    }
    return join(pieces, " ");
}

Expected<std::string> reply_to_address(std::string_view account_email, const Uuid& email_log_id) {
    const std::string reply = fmt::format("{}+{}@{}", local_part_of(account_email),
                                          email_log_id.str(), domain_of(account_email));
    if (const auto problem = address_problem(reply)) {
        return fail("no Reply-To address: " + *problem);
    }
    return reply;
}

} // namespace eq::message
