#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <libpq-fe.h>

#include "queue/claimed_row.hpp"
#include "queue/lease.hpp"
#include "queue/queue_repository.hpp"
#include "support/seed_data.hpp"
#include "support/test_database.hpp"
#include "throttle/throttle_repository.hpp"

using namespace eq;
using namespace eq::test;

namespace {

// EXPLAIN of a library statement with its parameters, as one text.
std::string explain(db::Connection& conn, const db::Statement& s,
                    const std::vector<std::string>& params) {
    std::vector<const char*> values;
    for (const auto& p : params) {
        values.push_back(p.c_str());
    }
    const std::string sql = std::string("EXPLAIN ") + s.sql;
    PGresult* r = PQexecParams(conn.handle(), sql.c_str(), static_cast<int>(values.size()), nullptr,
                               values.data(), nullptr, nullptr, 0);
    REQUIRE(PQresultStatus(r) == PGRES_TUPLES_OK);
    std::string plan;
    for (int i = 0; i < PQntuples(r); ++i) {
        plan += PQgetvalue(r, i, 0);
        plan += '\n';
    }
    PQclear(r);
    return plan;
}

// One company, one campaign and run, `leads` leads with one pending row each, analyzed.
void seed_one_company(const TestDatabase& tdb, int leads) {
    tdb.exec(fmt::format(R"(
        INSERT INTO companies (name) VALUES ('c');
        INSERT INTO campaigns (company_id, name) SELECT id, 'x' FROM companies;
        INSERT INTO campaign_runs (campaign_id) SELECT id FROM campaigns;
        INSERT INTO leads (company_id, email)
          SELECT c.id, 'l' || g || '@c.example' FROM companies c, generate_series(1, {}) g;
        INSERT INTO email_queue (company_id, campaign_id, campaign_run_id, lead_id)
          SELECT l.company_id, ca.id, r.id, l.id
          FROM leads l JOIN campaigns ca ON ca.company_id = l.company_id
          JOIN campaign_runs r ON r.campaign_id = ca.id;
        ANALYZE;
    )",
                         leads));
}

} // namespace

TEST_CASE("the claim order and the sliding windows are served by indexes", "[explain]") {
    TestDatabase tdb;
    auto conn = tdb.connect();
    // 200 companies with 100,000 rows of history and a few due rows each.
    tdb.exec(R"(
        INSERT INTO companies (name) SELECT 'c' || g FROM generate_series(1, 200) g;
        INSERT INTO campaigns (company_id, name) SELECT id, 'x' FROM companies;
        INSERT INTO campaign_runs (campaign_id) SELECT id FROM campaigns;
        INSERT INTO leads (company_id, email)
          SELECT c.id, 'l' || g || '@' || c.name || '.example'
          FROM companies c, generate_series(1, 505) g;
        INSERT INTO email_queue (company_id, campaign_id, campaign_run_id, lead_id, status,
                                 processed_at, created_at)
          SELECT l.company_id, ca.id, r.id, l.id,
                 CASE WHEN row_number() OVER (PARTITION BY l.company_id) <= 5 THEN 'pending'
                      ELSE 'sent' END,
                 now() - random() * interval '30 days', now() - interval '31 days'
          FROM leads l JOIN campaigns ca ON ca.company_id = l.company_id
          JOIN campaign_runs r ON r.campaign_id = ca.id;
        UPDATE email_queue SET processed_at = NULL WHERE status = 'pending';
        ANALYZE;
    )");
    REQUIRE(tdb.count("SELECT count(*) FROM email_queue") == 101000);
    const auto company = tdb.scalar("SELECT id FROM companies LIMIT 1");

    const auto next = explain(conn, queue::k_next_emails_statement, {company, "10"});
    INFO(next);
    CHECK(next.find("email_queue_claim_idx") != std::string::npos);
    CHECK(next.find("Seq Scan on email_queue") == std::string::npos);

    const auto window = explain(conn, throttle::k_window_usage_statement, {company});
    INFO(window);
    CHECK(window.find("email_queue_window_idx") != std::string::npos);
    CHECK(window.find("email_queue_in_flight_idx") != std::string::npos);
    CHECK(window.find("Seq Scan on email_queue") == std::string::npos);
}

TEST_CASE("marking a send started finds the row by its key, however many rows are in flight",
          "[explain]") {
    TestDatabase tdb;
    auto conn = tdb.connect();
    // Statistics taken with no row in flight, as they nearly always are; then a claim of
    // 2,000 rows (autovacuum kept from refreshing them meanwhile). The statement's generic
    // plan (what a prepared statement runs after a few executions) must not walk the
    // in-flight index and filter every claimed row.
    seed_one_company(tdb, 2000);
    tdb.exec(R"(
        ALTER TABLE email_queue SET (autovacuum_enabled = false);
        UPDATE email_queue SET status = 'processing', claimed_by = 'w',
                               lease_until = now() + interval '5 minutes';
    )");
    const auto row = tdb.scalar("SELECT id FROM email_queue LIMIT 1");
    conn.run("SET plan_cache_mode = force_generic_plan", "set_generic");
    conn.run(std::string("PREPARE start_send_plan AS ") + queue::k_start_send_statement.sql,
             "prepare_start_send");
    const std::string execute =
        "EXECUTE start_send_plan('" + row + "', 'w', '<m@c.example>', 60, NULL, 'l@c.example')";
    const auto plan = explain(conn, {"explain_start_send", execute.c_str()}, {});
    INFO(plan);
    CHECK(plan.find("Tid Scan on email_queue") != std::string::npos);
    CHECK(plan.find("email_queue_pkey") != std::string::npos);
    CHECK(plan.find("email_queue_in_flight_idx") == std::string::npos);
    // And it still marks the row, and only a row of this run.
    CHECK(queue::start_send(conn, Uuid::parse(row).value(), "w", "<m@c.example>", "lead@x.example",
                            Seconds(60)) == std::optional<std::string>("<m@c.example>"));
    CHECK_FALSE(queue::start_send(conn, Uuid::parse(row).value(), "other", "<n@c.example>",
                                  "lead@x.example", Seconds(60)));
}

TEST_CASE("loading claimed rows looks each lead up by its key, however many leads there are",
          "[explain]") {
    TestDatabase tdb;
    auto conn = tdb.connect();
    seed_one_company(tdb, 20000);
    // One chunk of a batch: a hundred ids.
    const auto ids =
        tdb.scalar("SELECT '{' || string_agg(id::text, ',') || '}' FROM (SELECT id FROM "
                   "email_queue LIMIT 100) q");
    const auto plan = explain(conn, queue::k_load_claimed_statement, {ids});
    INFO(plan);
    CHECK(plan.find("leads_pkey") != std::string::npos);
    CHECK(plan.find("Seq Scan on leads") == std::string::npos);
    CHECK(queue::load_claimed_rows(conn, {}).empty());
}
