#include "support/limit_watcher.hpp"

#include <fmt/format.h>

#include <chrono>

namespace eq::test {

const char* const k_over_limit_sql = R"(
    SELECT count(*) FROM (
      SELECT s.company_id,
             count(*) FILTER (WHERE q.status = 'processing' OR (q.status IN ('sent', 'held')
                              AND q.processed_at > now() - interval '1 hour')) AS hour,
             count(*) FILTER (WHERE q.status = 'processing' OR (q.status IN ('sent', 'held')
                              AND q.processed_at > now() - interval '24 hours')) AS day,
             s.max_emails_per_hour, s.max_emails_per_day
      FROM email_throttle_settings s JOIN email_queue q ON q.company_id = s.company_id
      GROUP BY s.company_id, s.max_emails_per_hour, s.max_emails_per_day) c
    WHERE c.hour > c.max_emails_per_hour OR c.day > c.max_emails_per_day)";

void pass_time_after_round(const TestDatabase& db, int round) {
    db.exec(fmt::format("UPDATE email_queue SET processed_at = processed_at - interval '{}' "
                        "WHERE processed_at IS NOT NULL",
                        round % 3 == 2 ? "24 hours 1 minute" : "1 hour 1 minute"));
}

LimitWatcher::LimitWatcher(const TestDatabase& db) {
    m_thread = std::thread([this, conn = db.connect()]() mutable {
        const db::Statement over{"over_limit", k_over_limit_sql};
        while (m_watching.load()) {
            m_violations += conn.one(over).only().integer("count");
            ++m_checks;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    });
}

LimitWatcher::~LimitWatcher() {
    stop();
}

void LimitWatcher::stop() {
    m_watching = false;
    if (m_thread.joinable()) {
        m_thread.join();
    }
}

} // namespace eq::test
