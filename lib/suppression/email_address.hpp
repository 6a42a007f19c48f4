#pragma once

#include <optional>
#include <string_view>

#include "util/expected.hpp"

namespace eq::suppression {

// The one rule for a usable email address (the same rule the message builder and the
// SQL check apply):
//   - 3..254 octets in all, exactly one '@';
//   - local part 1..64 octets, no leading or trailing '.', no "..";
//   - no octet <= 0x20, no 0x7f, nothing outside ASCII, none of < > ( ) , ; : \ " [ ];
//   - a domain of at least two labels separated by '.', each 1..63 of [A-Za-z0-9-],
//     not starting or ending with '-'.
// Returns what is wrong, for a message naming the address, or nothing when it is valid.
std::optional<Failure> check_email_address(std::string_view address);

inline bool is_valid_email_address(std::string_view address) {
    return !check_email_address(address).has_value();
}

} // namespace eq::suppression
