// queue-process with many companies at once: every due company visited by overlapping
// invocations, the cost of companies with nothing due, and fair shares between a large
// tenant and many small ones. Sizes are small; the figures at scale are bench/scale.sh's.
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <libpq-fe.h>

#include <regex>
#include <set>
#include <string>
#include <vector>

#include "campaign/completion.hpp"
#include "crypto/fernet.hpp"
#include "queue/queue_repository.hpp"
#include "support/process_fixture.hpp"
#include "support/smtp_sink.hpp"

using namespace eq;
using namespace eq::test;

namespace {

// `n` companies named `prefix` 1..n sending through `provider`, each with a running
// campaign run of `rows` pending rows scheduled `when` (an SQL expression), allowed
// `per_hour` an hour.
void add_companies(ProcessFixture& f, const std::string& prefix, int n, int rows,
                   const std::string& provider, const std::string& when, int per_hour) {
    const auto key = crypto::FernetKey::derive(ProcessFixture::k_encryption_key,
                                               ProcessFixture::k_encryption_salt);
    const auto token = crypto::fernet_encrypt(*key, ProcessFixture::k_account_password);
    f.db.exec(fmt::format(R"(
        INSERT INTO companies (name, account_email, account_password, account_type)
          SELECT '{0} ' || g, 'sender@{0}' || g || '.example', '{1}', '{2}'
          FROM generate_series(1, {3}) g;
        INSERT INTO email_throttle_settings (company_id, max_emails_per_hour, max_emails_per_day)
          SELECT id, {5}, 100000 FROM companies WHERE name LIKE '{0} %';
        INSERT INTO campaigns (company_id, name, template)
          SELECT id, 'Scale', E'Subject: Hello {{{{lead.name}}}}\n\n<p>Hi {{{{lead.name}}}}</p>'
          FROM companies WHERE name LIKE '{0} %';
        INSERT INTO campaign_runs (campaign_id, status)
          SELECT ca.id, 'running' FROM campaigns ca JOIN companies c ON c.id = ca.company_id
          WHERE c.name LIKE '{0} %';
        INSERT INTO leads (company_id, name, email)
          SELECT c.id, 'Lead ' || g, 'lead' || g || '@' || split_part(c.account_email, '@', 2)
          FROM companies c, generate_series(1, {4}) g WHERE c.name LIKE '{0} %';
        INSERT INTO email_queue (company_id, campaign_id, campaign_run_id, lead_id, scheduled_for)
          SELECT l.company_id, ca.id, r.id, l.id, {6}
          FROM leads l JOIN campaigns ca ON ca.company_id = l.company_id
          JOIN campaign_runs r ON r.campaign_id = ca.id
          JOIN companies c ON c.id = l.company_id WHERE c.name LIKE '{0} %';
        ANALYZE;
    )",
                          prefix, token, provider, n, rows, per_hour, when));
}

// The rows the scan nodes of EXPLAIN (ANALYZE) of a library statement read, all loops;
// `params` are its parameters as text.
std::int64_t rows_scanned(db::Connection& conn, const db::Statement& s,
                          const std::vector<std::string>& params = {}) {
    const std::string sql =
        std::string("EXPLAIN (ANALYZE, BUFFERS, TIMING OFF, COSTS OFF) ") + s.sql;
    std::vector<const char*> values;
    for (const auto& p : params) {
        values.push_back(p.c_str());
    }
    PGresult* r = PQexecParams(conn.handle(), sql.c_str(), static_cast<int>(values.size()), nullptr,
                               values.data(), nullptr, nullptr, 0);
    REQUIRE(PQresultStatus(r) == PGRES_TUPLES_OK);
    static const std::regex k_scan(R"(Scan.*actual rows=(\d+) loops=(\d+))");
    std::int64_t total = 0;
    std::string plan;
    for (int i = 0; i < PQntuples(r); ++i) {
        const std::string line = PQgetvalue(r, i, 0);
        plan += line + '\n';
        std::smatch m;
        if (std::regex_search(line, m, k_scan)) {
            total += std::stoll(m[1]) * std::stoll(m[2]);
        }
    }
    PQclear(r);
    UNSCOPED_INFO(plan);
    return total;
}

} // namespace

TEST_CASE("overlapping invocations visit every due company of many and send each row once",
          "[process][scale]") {
    SmtpSink sink;
    ProcessFixture f(sink);
    add_companies(f, "Many", 150, 4, "sink", "now()", 4);
    f.set("processing", "concurrency", "4");
    for (const auto& r : f.process_concurrently(4)) {
        INFO(r.err);
        CHECK(r.exit_code == 0);
    }
    CHECK(f.rows_with_status("sent") == 600);
    // Every company sent its four, and no more than its hourly limit of four.
    CHECK(f.count("SELECT count(*) FROM (SELECT company_id FROM email_queue WHERE status = "
                  "'sent' GROUP BY company_id HAVING count(*) = 4) c") == 150);
    const auto messages = sink.wait_for_messages(600);
    std::set<std::string> ids;
    for (const auto& m : messages) {
        ids.insert(header_of(m.content, "Message-ID"));
    }
    CHECK(messages.size() == 600);
    CHECK(ids.size() == 600);
    CHECK(f.count("SELECT count(*) FROM campaign_runs WHERE status = 'completed'") == 150);
    // Each company was served by about one invocation: the others found it drained and
    // passed over it (walking one list in one order, each would visit all 150).
    const auto visited =
        f.count("SELECT sum(companies_visited)::bigint FROM email_queue_invocations");
    CHECK(visited >= 150);
    CHECK(visited < 300);
}

TEST_CASE("the due listing reads the due rows, not every company with pending rows",
          "[process][scale]") {
    SmtpSink sink;
    ProcessFixture f(sink);
    // 2,000 companies whose rows are all due tomorrow, and three with one due row each.
    add_companies(f, "Idle", 2000, 2, "sink", "now() + interval '1 day'", 10);
    add_companies(f, "Due", 3, 1, "sink", "now()", 10);

    const auto scanned = rows_scanned(f.conn, queue::k_due_companies_statement);
    CHECK(scanned < 100);
    const auto due = queue::due_companies(f.conn);
    CHECK(due.size() == 3);

    const auto r = f.process({"--json"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(f.rows_with_status("sent") == 3);
    CHECK(f.db.scalar("SELECT companies_visited FROM email_queue_invocations") == "3");
}

TEST_CASE("a large tenant gets its limit and never starves the small ones", "[process][scale]") {
    SmtpSink sink;
    ProcessFixture f(sink);
    add_companies(f, "Large", 1, 500, "sink", "now()", 20);
    add_companies(f, "Small", 60, 3, "sink", "now()", 10);
    f.set("processing", "batch_cap", "50");
    for (const auto& r : f.process_concurrently(2)) {
        INFO(r.err);
        CHECK(r.exit_code == 0);
    }
    // In one tick: every small company sent all it had, the large one its hourly limit.
    CHECK(f.count("SELECT count(*) FROM (SELECT q.company_id FROM email_queue q JOIN companies "
                  "c ON c.id = q.company_id WHERE c.name LIKE 'Small %' AND q.status = 'sent' "
                  "GROUP BY q.company_id HAVING count(*) = 3) s") == 60);
    CHECK(f.count("SELECT count(*) FROM email_queue q JOIN companies c ON c.id = q.company_id "
                  "WHERE c.name = 'Large 1' AND q.status = 'sent'") == 20);
    CHECK(sink.wait_for_messages(200).size() == 200);
}

TEST_CASE("completing a run after its batch reads that run's rows, not every finished row",
          "[process][scale][completion]") {
    SmtpSink sink;
    ProcessFixture f(sink);
    // 400 runs of 3 rows, analyzed while pending, then all sent:
    // the statistics still say no row is finished, as between two autovacuum runs.
    add_companies(f, "Done", 400, 3, "sink", "now()", 10);
    f.db.exec("UPDATE email_queue SET status = 'sent', processed_at = now()");
    const auto run = f.db.scalar("SELECT campaign_run_id FROM email_queue LIMIT 1");
    // The run's own rows and index entries, and the run itself: a few dozen at most. Read
    // through the index of finished rows, it was every sent row (1,200).
    const auto scanned =
        rows_scanned(f.conn, campaign::k_complete_finished_runs_statement, {"{" + run + "}"});
    CHECK(scanned < 100);
    CHECK(f.db.scalar("SELECT status FROM campaign_runs WHERE id = '" + run + "'") == "completed");
}
