#pragma once

#include <string>
#include <string_view>

#include "util/expected.hpp"

namespace eq {

// A UUID in canonical lowercase 8-4-4-4-12 form. Constructing one validates it, so a
// Uuid that exists is well-formed and safe to print or send as a query parameter.
class Uuid {
public:
    // The nil UUID, 00000000-0000-0000-0000-000000000000.
    Uuid() : m_text("00000000-0000-0000-0000-000000000000") {}

    // Accepts the canonical form in either case, optionally in braces, as PostgreSQL does.
    static Expected<Uuid> parse(std::string_view text);
    // parse() that throws eq::Error(ExitCode::usage) naming `what` ("company id", ...).
    static Uuid from_arg(std::string_view text, std::string_view what);
    // A random (version 4) UUID.
    static Uuid random();

    const std::string& str() const { return m_text; }
    bool operator==(const Uuid&) const = default;
    auto operator<=>(const Uuid&) const = default;

private:
    explicit Uuid(std::string text) : m_text(std::move(text)) {}
    std::string m_text;
};

} // namespace eq
