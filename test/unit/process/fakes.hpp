#pragma once

// A clock and a mailer for driving lib/process's parts without servers.

#include <chrono>
#include <deque>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "process/clock.hpp"
#include "smtp/mailer.hpp"

namespace eq::test {

// A clock that moves only when told, or when the code under test sleeps on it.
class FakeClock final : public process::Clock {
public:
    time_point now() const override { return m_now; }
    void sleep_for(duration d) override {
        sleeps.push_back(d);
        m_now += d;
        if (on_sleep) {
            on_sleep();
        }
    }
    void advance(duration d) { m_now += d; }

    std::vector<duration> sleeps;
    std::function<void()> on_sleep; // after each sleep
private:
    time_point m_now{std::chrono::hours(1000)};
};

// A mailer that answers each send with the next scripted outcome, taking `took` of the
// clock's time to answer, and keeps what it was given.
class ScriptedMailer final : public smtp::Mailer {
public:
    struct Sent {
        std::string from, to, message;
    };

    explicit ScriptedMailer(FakeClock& clock) : m_clock(clock) {}

    void script(smtp::SendOutcome outcome, process::Clock::duration took) {
        m_script.emplace_back(std::move(outcome), took);
    }

    smtp::SendOutcome send(std::string_view from, std::string_view to,
                           std::string_view message) override {
        sent.push_back({std::string(from), std::string(to), std::string(message)});
        auto [outcome, took] = std::move(m_script.front());
        m_script.pop_front();
        m_clock.advance(took);
        return outcome;
    }

    std::vector<Sent> sent;

private:
    FakeClock& m_clock;
    std::deque<std::pair<smtp::SendOutcome, process::Clock::duration>> m_script;
};

inline smtp::SendOutcome accepted() {
    smtp::SendOutcome o;
    o.last_reply = smtp::SmtpReply{250, "2.0.0", "Ok: queued"};
    o.replies_received = 6;
    o.body_handed_over = true;
    return o;
}

// The server refused with `code` `enhanced` at `stage` (libcurl's CURLE_SEND_ERROR, 55,
// or at login CURLE_LOGIN_DENIED, 67).
inline smtp::SendOutcome refused(int code, std::string enhanced, smtp::SmtpStage stage,
                                 int curl = 55) {
    smtp::SendOutcome o;
    o.curl_code = curl;
    o.curl_error = "refused";
    o.last_reply = smtp::SmtpReply{code, std::move(enhanced), "server says no"};
    o.replies_received = 3;
    o.stage = stage;
    o.body_handed_over = stage == smtp::SmtpStage::after_body;
    return o;
}

// The connection went silent after the whole message was handed over (timeout, 28).
inline smtp::SendOutcome lost_after_body() {
    smtp::SendOutcome o;
    o.curl_code = 28;
    o.curl_error = "Operation timed out";
    o.body_handed_over = true;
    o.replies_received = 4;
    o.stage = smtp::SmtpStage::after_body;
    return o;
}

} // namespace eq::test
