// libFuzzer target: the address validator (lib/message/address.hpp). An address it
// accepts keeps every promise of the rule: 3..254 octets, one '@', no space, control,
// non-ASCII or special octet, a local part of 1..64 octets, a domain of two or more
// labels; and it can be written into a header.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "message/address.hpp"
#include "message/header.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view address(reinterpret_cast<const char*>(data), size);
    const auto problem = eq::message::address_problem(address);
    if (problem) {
        return 0;
    }
    if (address.size() < 3 || address.size() > 254 || address.find('@') != address.rfind('@')) {
        std::abort();
    }
    for (const char ch : address) {
        const auto c = static_cast<unsigned char>(ch);
        if (c <= 0x20 || c >= 0x7f ||
            std::string_view("<>(),;:\\\"[]").find(ch) != std::string_view::npos) {
            std::abort();
        }
    }
    const auto local = eq::message::local_part_of(address);
    const auto domain = eq::message::domain_of(address);
    if (local.empty() || local.size() > 64 || domain.find('.') == std::string_view::npos) {
        std::abort();
    }
    (void)eq::message::mailbox_header("To", "Ann", address);
    (void)eq::message::display_name_for(address, "Acme");
    return 0;
}
