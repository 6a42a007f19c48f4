#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "util/expected.hpp"
#include "util/time.hpp"
#include "util/uuid.hpp"

namespace eq::throttle {

inline constexpr int k_default_per_hour = 50;
inline constexpr int k_default_per_day = 500;

// The limits of a company without a settings row: the configuration's
// throttle.default_per_hour and throttle.default_per_day (50 and 500 unless set).
struct ThrottleDefaults {
    int per_hour = k_default_per_hour;
    int per_day = k_default_per_day;

    static ThrottleDefaults from(const config::Config& config) {
        return {config.throttle.default_per_hour, config.throttle.default_per_day};
    }
};

// A company's limits (the seed's EmailThrottleSettings model). A company without a row
// gets the defaults (ThrottleDefaults), enabled.
struct EmailThrottleSettings {
    Uuid company_id;
    int max_emails_per_hour = k_default_per_hour;
    int max_emails_per_day = k_default_per_day;
    // false: the company's queue is not processed at all (held).
    bool enabled = true;
    std::optional<Timestamp> created_at; // absent: no row, the defaults apply
    std::optional<Timestamp> updated_at;

    bool is_default() const { return !created_at.has_value(); }

    // Errors make the settings unusable (negative limits); warnings are worth telling
    // the operator (an hourly limit above the daily one can never be reached).
    std::optional<Failure> validate() const;
    std::vector<std::string> warnings() const;
};

// What a company used of its sliding windows, by the database's clock: rows sent or
// held (possibly sent) in the last hour and the last 24 hours, and rows in flight
// (claimed, being sent now), which count against both windows.
struct WindowUsage {
    std::int64_t sent_last_hour = 0;
    std::int64_t sent_last_day = 0;
    std::int64_t in_flight = 0;
};

} // namespace eq::throttle
