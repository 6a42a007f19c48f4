#pragma once

#include <string_view>

#include "smtp/send_outcome.hpp"

namespace eq::smtp {

// What a batch needs of an SMTP server: hand over one message and say what happened.
// smtp::Session is the real one; the unit tests of lib/process script their own.
//
// send() never throws for network or server failures: the outcome carries them (a
// SendOutcome is raw facts, policy::classify() makes them a verdict).
class Mailer {
public:
    virtual ~Mailer() = default;
    virtual SendOutcome send(std::string_view from, std::string_view to,
                             std::string_view message) = 0;

protected:
    Mailer() = default;
    Mailer(const Mailer&) = default;
    Mailer(Mailer&&) = default;
    Mailer& operator=(const Mailer&) = default;
    Mailer& operator=(Mailer&&) = default;
};

} // namespace eq::smtp
