#include <catch2/catch.hpp>

#include <filesystem>
#include <thread>

#include "db/migrate.hpp"
#include "queue/queue_repository.hpp"
#include "support/programs.hpp"
#include "support/seed_data.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"
#include "util/json.hpp"

using namespace eq;
using namespace eq::test;

namespace {

std::size_t migration_files() {
    return db::load_migrations(std::string(EQ_SOURCE_DIR) + "/sql").size();
}

} // namespace

TEST_CASE("migrations apply to an empty database and a second run is a no-op", "[migrate]") {
    TestDatabase db(TestDatabase::Schema::empty);
    const auto first = run_program("queue-admin", {"db", "migrate"}, db);
    INFO(first.err);
    REQUIRE(first.exit_code == 0);
    // Quiet on success when not on a terminal (cron mails whatever a job prints).
    CHECK(first.out.empty());
    CHECK(first.err.empty());
    CHECK(db.count("SELECT count(*) FROM emailqueue_migrations") ==
          static_cast<std::int64_t>(migration_files()));
    for (const char* table :
         {"companies", "campaigns", "campaign_runs", "leads", "email_logs", "email_log_details",
          "do_not_email", "email_queue", "email_throttle_settings", "email_queue_companies",
          "email_queue_runs", "email_queue_invocations"}) {
        INFO(table);
        CHECK(db.scalar(std::string("SELECT to_regclass('") + table + "') IS NOT NULL") == "t");
    }
    const auto second = run_program("queue-admin", {"db", "migrate", "--json"}, db);
    REQUIRE(second.exit_code == 0);
    CHECK(second.out == "{\"applied\":[],\"pending\":0}\n");
}

TEST_CASE("migrations apply to a database that already has the application's tables", "[migrate]") {
    TestDatabase db(TestDatabase::Schema::empty);
    db.exec(read_file(fixture_path("upstream_base.sql")));
    const auto r = run_program("queue-admin", {"db", "migrate"}, db);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    // Existing columns and rows are untouched; what emailqueue needs is added.
    CHECK(db.count("SELECT count(*) FROM leads") == 3);
    CHECK(db.scalar("SELECT address IS NULL FROM companies") == "t");
    CHECK(db.scalar("SELECT leads_processed FROM campaign_runs") == "0");
    // The application's unique index on live leads is the only one (none added beside it).
    CHECK(db.scalar("SELECT string_agg(indexname, ',') FROM pg_indexes WHERE tablename = "
                    "'leads' AND indexdef LIKE '%UNIQUE%email%'") == "leads_company_id_email_key");
    CHECK(db.scalar("SELECT to_regclass('email_queue') IS NOT NULL") == "t");
}

TEST_CASE("the application's later email_queue is brought to this schema without losing a row",
          "[migrate]") {
    TestDatabase db(TestDatabase::Schema::empty);
    db.exec(read_file(fixture_path("upstream_base.sql")));
    db.exec(read_file(fixture_path("upstream_queue.sql")));
    const auto r = run_program("queue-admin", {"db", "migrate"}, db);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(db.count("SELECT count(*) FROM email_queue") == 5);
    // The sent row and the failed row are as they were.
    CHECK(db.scalar("SELECT status || ' ' || message_id FROM email_queue WHERE id = "
                    "'55555555-5555-4555-8555-555555555501'") == "sent <a1@acme.example>");
    CHECK(db.scalar("SELECT status FROM email_queue WHERE id = "
                    "'55555555-5555-4555-8555-555555555505'") == "failed");
    // Ann's second copy is cancelled (she was already sent to); Bob's newer copy is
    // cancelled and his older one stays pending.
    CHECK(db.scalar("SELECT status || ' ' || duplicate_of FROM email_queue WHERE id = "
                    "'55555555-5555-4555-8555-555555555502'") ==
          "cancelled 55555555-5555-4555-8555-555555555501");
    CHECK(db.scalar("SELECT status || ' ' || duplicate_of FROM email_queue WHERE id = "
                    "'55555555-5555-4555-8555-555555555504'") ==
          "cancelled 55555555-5555-4555-8555-555555555503");
    CHECK(db.scalar("SELECT status || coalesce(duplicate_of::text, '') FROM email_queue WHERE "
                    "id = '55555555-5555-4555-8555-555555555503'") == "pending");
    // The new schema holds: nullable content, 'skipped' admitted, (run, lead) unique.
    db.exec("UPDATE email_queue SET status = 'skipped' WHERE id = "
            "'55555555-5555-4555-8555-555555555505'");
    auto conn = db.connect();
    queue::NewQueueItem item{.company_id = *Uuid::parse("11111111-1111-4111-8111-111111111111"),
                             .campaign_id = *Uuid::parse("22222222-2222-4222-8222-222222222222"),
                             .campaign_run_id =
                                 *Uuid::parse("33333333-3333-4333-8333-333333333333"),
                             .lead_id = *Uuid::parse("44444444-4444-4444-8444-444444444443")};
    const auto again = queue::add_email_to_queue(conn, item);
    CHECK(again.id.str() == "55555555-5555-4555-8555-555555555505");
    CHECK(db.count("SELECT count(*) FROM email_queue") == 5);
    CHECK_THROWS(db.exec("INSERT INTO email_queue (company_id, campaign_id, campaign_run_id, "
                         "lead_id) SELECT company_id, campaign_id, campaign_run_id, lead_id "
                         "FROM email_queue WHERE id = '55555555-5555-4555-8555-555555555503'"));
    CHECK_THROWS(db.exec("UPDATE email_queue SET status = 'bogus'"));
}

TEST_CASE("the queue's status check admits exactly the seven statuses", "[migrate]") {
    TestDatabase db;
    auto conn = db.connect();
    const auto company = insert_company(conn);
    const auto campaign = insert_campaign(conn, company);
    queue::add_email_to_queue(conn, {.company_id = company,
                                     .campaign_id = campaign,
                                     .campaign_run_id = insert_run(conn, campaign),
                                     .lead_id = insert_lead(conn, company, "a@x.example")});
    for (const char* status :
         {"pending", "processing", "sent", "failed", "skipped", "held", "cancelled"}) {
        INFO(status);
        CHECK_NOTHROW(db.exec(std::string("UPDATE email_queue SET status = '") + status + "'"));
    }
    for (const char* status : {"bogus", "Sent", "sent ", "sent\n", "", "pendingx", "xsent"}) {
        INFO(status);
        CHECK_THROWS(db.exec(std::string("UPDATE email_queue SET status = E'") + status + "'"));
    }
    // Room on each new page for the send-started mark's heap-only update.
    CHECK(db.scalar("SELECT array_to_string(reloptions, ',') FROM pg_class"
                    " WHERE oid = 'email_queue'::regclass") == "fillfactor=80");
}

TEST_CASE("concurrent migrate runs are safe", "[migrate]") {
    TestDatabase db(TestDatabase::Schema::empty);
    std::vector<ProcessResult> results(4);
    std::vector<std::thread> threads;
    for (auto& r : results) {
        threads.emplace_back([&r, &db] { r = run_program("queue-admin", {"db", "migrate"}, db); });
    }
    for (auto& t : threads) {
        t.join();
    }
    for (const auto& r : results) {
        INFO(r.err);
        CHECK(r.exit_code == 0);
    }
    CHECK(db.count("SELECT count(*) FROM emailqueue_migrations") ==
          static_cast<std::int64_t>(migration_files()));
}

TEST_CASE("a failing migration leaves the database as it was and names the file and statement",
          "[migrate]") {
    TestDatabase db(TestDatabase::Schema::empty);
    TempDir dir;
    const auto sql_dir = dir.path() + "/sql";
    std::filesystem::copy(std::string(EQ_SOURCE_DIR) + "/sql", sql_dir);
    REQUIRE(run_program("queue-admin", {"db", "migrate", "--sql-dir", sql_dir}, db).exit_code == 0);
    dir.write("sql/900_broken.sql",
              "CREATE TABLE half_done (x int);\n\n-- then a mistake\nALTER TABLE no_such_table "
              "ADD COLUMN y int;\n");
    const auto r = run_program("queue-admin", {"db", "migrate", "--sql-dir", sql_dir}, db);
    CHECK(r.exit_code == 76);
    CHECK(r.err.find("900_broken.sql:4: migration 900_broken failed in statement \"ALTER TABLE "
                     "no_such_table ADD COLUMN y int\"") != std::string::npos);
    CHECK(r.err.find("relation \"no_such_table\" does not exist") != std::string::npos);
    CHECK(r.err.find("hint: nothing of this migration was applied") != std::string::npos);
    CHECK(db.scalar("SELECT to_regclass('half_done') IS NULL") == "t");
    CHECK(db.count("SELECT count(*) FROM emailqueue_migrations WHERE version = 900") == 0);

    const auto st = run_program("queue-admin", {"db", "status", "--sql-dir", sql_dir}, db);
    CHECK(st.exit_code == 0);
    CHECK(st.out.find("pending  900_broken") != std::string::npos);
    CHECK(st.out.find("1 migration pending") != std::string::npos);
}

TEST_CASE("db status lists applied and pending migrations", "[migrate]") {
    TestDatabase db(TestDatabase::Schema::empty);
    const auto before = run_program("queue-admin", {"db", "status", "--json"}, db);
    REQUIRE(before.exit_code == 0);
    const auto j = Json::parse(before.out);
    REQUIRE(j.ok());
    CHECK(j->find("applied")->as_array().empty());
    CHECK(j->find("pending")->as_array().size() == migration_files());
    CHECK(j->find("pending")->as_array()[0].find("name")->as_string() == "001_base_schema");

    REQUIRE(run_program("queue-admin", {"db", "migrate"}, db).exit_code == 0);
    const auto after = run_program("queue-admin", {"db", "status"}, db);
    CHECK(after.out.find("applied  001_base_schema") != std::string::npos);
    CHECK(after.out.find("the database is up to date") != std::string::npos);
}

TEST_CASE("an edited applied migration is reported", "[migrate]") {
    TestDatabase db;
    db.exec("UPDATE emailqueue_migrations SET checksum = 'x' WHERE version = 1");
    const auto r = run_program("queue-admin", {"db", "status"}, db);
    CHECK(r.exit_code == 0);
    CHECK(r.err.find("warning: 001_base_schema was edited after it was applied") !=
          std::string::npos);
}
