#include <catch2/catch.hpp>

#include "policy/retry.hpp"

using namespace eq;
using namespace std::chrono;
using eq::policy::company_hold_delay;
using eq::policy::retry_delay;

TEST_CASE("retries wait 2^n minutes after the n-th failure", "[retry]") {
    const Seconds cap = hours(6);
    CHECK(retry_delay(1, 0.0, cap) == minutes(2));
    CHECK(retry_delay(2, 0.0, cap) == minutes(4));
    CHECK(retry_delay(3, 0.0, cap) == minutes(8));
    CHECK(retry_delay(0, 0.0, cap) == minutes(1));
}

TEST_CASE("retry jitter stretches the delay by at most a quarter", "[retry]") {
    const Seconds cap = hours(6);
    CHECK(retry_delay(2, 0.5, cap) == seconds(270));
    CHECK(retry_delay(2, 0.999999, cap) <= seconds(300));
    CHECK(retry_delay(2, 0.999999, cap) > seconds(290));
    // Out-of-range draws are clamped, never shrink the delay.
    CHECK(retry_delay(2, -3.0, cap) == minutes(4));
    CHECK(retry_delay(2, 7.0, cap) == minutes(5));
}

TEST_CASE("retry delays never exceed the cap, even for huge counts", "[retry]") {
    CHECK(retry_delay(10, 0.0, hours(6)) == hours(6));
    CHECK(retry_delay(1000, 1.0, hours(6)) == hours(6));
    CHECK(retry_delay(-5, 0.0, hours(6)) == minutes(1));
}

TEST_CASE("company holds double from the base up to the cap", "[retry]") {
    CHECK(company_hold_delay(0, minutes(5), hours(6)) == minutes(5));
    CHECK(company_hold_delay(1, minutes(5), hours(6)) == minutes(10));
    CHECK(company_hold_delay(3, minutes(5), hours(6)) == minutes(40));
    CHECK(company_hold_delay(7, minutes(5), hours(6)) == hours(6));
    CHECK(company_hold_delay(500, minutes(5), hours(6)) == hours(6));
}

TEST_CASE("retries are exhausted when the count reaches max_retries", "[retry]") {
    CHECK_FALSE(policy::retries_exhausted(1, 3));
    CHECK_FALSE(policy::retries_exhausted(2, 3));
    CHECK(policy::retries_exhausted(3, 3));
    CHECK(policy::retries_exhausted(1, 0));
}
