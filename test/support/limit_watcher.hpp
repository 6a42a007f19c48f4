#pragma once

#include <atomic>
#include <cstdint>
#include <thread>

#include "support/test_database.hpp"

namespace eq::test {

// Rows over the limit of any company right now: in each window, rows sent or held (by
// processed_at) plus rows in flight, against the company's limit. One row, `count`.
extern const char* const k_over_limit_sql;

// Time passes for the limits between rounds of runs: every row's processed_at moves an
// hour (and a minute) back, and after every third round (round % 3 == 2) a whole day.
void pass_time_after_round(const TestDatabase& db, int round);

// Checks every company's hourly and daily limits (k_over_limit_sql) every 10 ms, on a
// connection of its own, from construction until stop(), while runs send.
class LimitWatcher {
public:
    explicit LimitWatcher(const TestDatabase& db);
    LimitWatcher(const LimitWatcher&) = delete;
    LimitWatcher& operator=(const LimitWatcher&) = delete;
    ~LimitWatcher();

    void stop();
    std::int64_t checks() const { return m_checks.load(); }
    std::int64_t violations() const { return m_violations.load(); }

private:
    std::atomic<bool> m_watching{true};
    std::atomic<std::int64_t> m_checks{0};
    std::atomic<std::int64_t> m_violations{0};
    std::thread m_thread;
};

} // namespace eq::test
