#include "throttle/email_throttle_settings.hpp"

#include <fmt/format.h>

namespace eq::throttle {

std::optional<Failure> EmailThrottleSettings::validate() const {
    if (max_emails_per_hour < 0) {
        return fail(fmt::format("max_emails_per_hour {} is negative", max_emails_per_hour));
    }
    if (max_emails_per_day < 0) {
        return fail(fmt::format("max_emails_per_day {} is negative", max_emails_per_day));
    }
    return std::nullopt;
}

std::vector<std::string> EmailThrottleSettings::warnings() const {
    std::vector<std::string> out;
    if (max_emails_per_hour > max_emails_per_day) {
        out.push_back(fmt::format("the hourly limit ({}) exceeds the daily limit ({}): at most {} "
                                  "emails will be sent in any 24 hours",
                                  max_emails_per_hour, max_emails_per_day, max_emails_per_day));
    }
    return out;
}

} // namespace eq::throttle
