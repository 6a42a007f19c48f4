#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "util/expected.hpp"
#include "util/uuid.hpp"

namespace eq::message {

// The one address rule of emailqueue. queue-enqueue applies the same rule in SQL, so a
// row it queues never fails here; change both together.
//   - the whole address is 3..254 octets, with exactly one '@';
//   - no octet <= 0x20 (space, CR, LF, NUL, other controls), no 0x7f, no octet >= 0x80,
//     and none of < > ( ) , ; : \ " [ ] anywhere;
//   - the local part is 1..64 octets, neither starts nor ends with '.', has no "..";
//   - the domain is at least two labels separated by '.', each 1..63 of [A-Za-z0-9-],
//     neither starting nor ending with '-'.
// The address is not trimmed or lowercased first: " a@b.example" is invalid.
// Returns why the address is invalid (a reason that never quotes it), or nothing.
std::optional<std::string> address_problem(std::string_view address);
inline bool is_valid_address(std::string_view address) {
    return !address_problem(address);
}

// The part after the '@' of a valid address.
std::string_view domain_of(std::string_view address);
std::string_view local_part_of(std::string_view address);

// The From display name, as the web application derives it: the account's local part
// without a "+tag", split on '.', '_' and '-', each piece capitalised ("jack.doe" ->
// "Jack Doe"). When that gives a single piece (nothing better than the capitalised local
// part: "info" -> "Info"), the company's name is used instead, if it has one.
std::string display_name_for(std::string_view account_email, std::string_view company_name);

// Reply-To for one email: "local+<email_log_id>@domain" of the account address, so a
// reply can be matched to its email log. Fails when the result is not a valid address
// (a local part too long for the 37 more octets).
Expected<std::string> reply_to_address(std::string_view account_email, const Uuid& email_log_id);

} // namespace eq::message
