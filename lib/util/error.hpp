#pragma once

#include <stdexcept>
#include <string>

#include "util/exit_code.hpp"

namespace eq {

// What commands throw. main() catches it once, prints "<program>: error: <message>"
// (and "hint: <hint>" when there is one) and exits with code().
// Messages are lowercase, without a final period, and carry the context an operator
// needs to act (file and line, company id, SMTP reply); they never carry secrets.
class Error : public std::runtime_error {
public:
    Error(ExitCode code, const std::string& message, std::string hint = {})
        : std::runtime_error(message), m_code(code), m_hint(std::move(hint)) {}

    ExitCode code() const { return m_code; }
    const std::string& hint() const { return m_hint; }

private:
    ExitCode m_code;
    std::string m_hint;
};

} // namespace eq
