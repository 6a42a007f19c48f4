#pragma once

#include <chrono>
#include <thread>

namespace eq::process {

// The time as a batch sees it: a monotonic clock for its own intervals (pacing slots,
// lease renewals, how fast the SMTP server answered) and a way to wait. SteadyClock is
// the real one; the unit tests of lib/process use a clock that only moves when they
// (or a wait) move it.
class Clock {
public:
    using time_point = std::chrono::steady_clock::time_point;
    using duration = std::chrono::steady_clock::duration;

    virtual ~Clock() = default;
    virtual time_point now() const = 0;
    virtual void sleep_for(duration d) = 0;

protected:
    Clock() = default;
    Clock(const Clock&) = default;
    Clock& operator=(const Clock&) = default;
};

class SteadyClock final : public Clock {
public:
    time_point now() const override { return std::chrono::steady_clock::now(); }
    void sleep_for(duration d) override { std::this_thread::sleep_for(d); }
};

} // namespace eq::process
