#include <catch2/catch.hpp>

#include <filesystem>
#include <thread>

#include "crypto/digest.hpp"
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
    return db::load_migrations(std::string(EQ_SOURCE_DIR) + "/sql", crypto::sha256_hex).size();
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
    CHECK(db.scalar("SELECT status || ' ' || (message_id IS NULL) FROM email_queue WHERE id = "
                    "'55555555-5555-4555-8555-555555555501'") == "sent true");
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

namespace {

// The web application's constraints and NOT NULL columns, one line each.
std::string web_application_constraints(const TestDatabase& db) {
    return db.scalar(
        "SELECT string_agg(line, E'\\n' ORDER BY line) FROM ("
        " SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) AS line"
        " FROM pg_constraint WHERE connamespace = 'public'::regnamespace"
        "   AND conrelid::regclass::text NOT LIKE 'email\\_queue\\_%' AND conname NOT LIKE "
        "   'emailqueue%'"
        " UNION ALL SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public'"
        "   AND indexdef LIKE 'CREATE UNIQUE%'"
        " UNION ALL SELECT 'not null ' || attrelid::regclass || '.' || attname FROM pg_attribute"
        "   WHERE attnotnull AND attnum > 0 AND NOT attisdropped AND attrelid IN"
        "   (SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace"
        "    AND relkind = 'r')) c");
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::size_t at = 0;
    while (at <= text.size()) {
        const auto end = std::min(text.find('\n', at), text.size());
        out.push_back(text.substr(at, end - at));
        at = end + 1;
    }
    return out;
}

} // namespace

TEST_CASE("on the web application's own database migrate keeps every row and constraint, and "
          "is safe to repeat",
          "[migrate]") {
    TestDatabase db(TestDatabase::Schema::empty);
    db.exec(read_file(fixture_path("reachgenie_schema.sql")));
    // What the application and its old processor leave: a first email sent (its log made
    // before the send, its detail after), another pending, a reminder and an AI reply on
    // the first one's thread, a row left in processing, a failed one; throttle settings,
    // a suppressed address.
    db.exec(R"(
        INSERT INTO companies (id, name, account_email, account_password, account_type)
        VALUES ('11111111-1111-4111-8111-111111111111', 'Acme', 'jack@acme.example', 't', 'gmail');
        INSERT INTO campaigns (id, company_id, name, type, template)
        VALUES ('22222222-2222-4222-8222-222222222222', '11111111-1111-4111-8111-111111111111',
                'Spring', 'email', '{email_body}');
        INSERT INTO campaign_runs (id, campaign_id, status, leads_total)
        VALUES ('33333333-3333-4333-8333-333333333333', '22222222-2222-4222-8222-222222222222',
                'running', 4);
        INSERT INTO leads (id, company_id, name, email)
        SELECT ('44444444-4444-4444-8444-44444444444' || n)::uuid,
               '11111111-1111-4111-8111-111111111111', 'Lead ' || n, 'l' || n || '@x.example'
        FROM generate_series(1, 4) n;
        INSERT INTO email_logs (id, campaign_id, campaign_run_id, lead_id, sent_at, created_at)
        VALUES ('66666666-6666-4666-8666-666666666661', '22222222-2222-4222-8222-222222222222',
                '33333333-3333-4333-8333-333333333333', '44444444-4444-4444-8444-444444444441',
                now() - interval '2 days', now() - interval '2 days');
        INSERT INTO email_log_details (email_logs_id, message_id, email_subject, email_body,
                                       sender_type, sent_at)
        VALUES ('66666666-6666-4666-8666-666666666661', '<reply.1@x.example>', 'Re: Hi', 'ok',
                'user', now() - interval '1 day');
        INSERT INTO email_queue (id, company_id, campaign_id, campaign_run_id, lead_id, status,
                                 priority, scheduled_for, subject, email_body, email_log_id,
                                 message_id, reference_ids, created_at, processed_at)
        SELECT ('55555555-5555-4555-8555-55555555550' || n)::uuid,
               '11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222',
               '33333333-3333-4333-8333-333333333333', ('44444444-4444-4444-8444-44444444444' ||
               lead)::uuid, status, 1, now() - interval '3 days', 'S' || n, '<p>b</p>',
               log::uuid, msg, refs, now() - interval '3 days' + n * interval '1 hour',
               CASE WHEN status IN ('sent', 'failed') THEN now() - interval '2 days' END
        FROM (VALUES (1, 1, 'sent', NULL, NULL, NULL),
                     (2, 2, 'pending', NULL, NULL, NULL),
                     (3, 1, 'pending', '66666666-6666-4666-8666-666666666661', NULL, NULL),
                     (4, 1, 'pending', '66666666-6666-4666-8666-666666666661',
                      '<reply.1@x.example>', '<first@acme.example>'),
                     (5, 3, 'processing', NULL, NULL, NULL),
                     (6, 4, 'failed', NULL, NULL, NULL))
             AS r(n, lead, status, log, msg, refs);
        INSERT INTO email_throttle_settings (company_id, max_emails_per_hour, max_emails_per_day)
        VALUES ('11111111-1111-4111-8111-111111111111', 20, 200);
        INSERT INTO do_not_email (email, reason) VALUES ('gone@x.example', 'bounce');
    )");
    const std::string rows_query =
        "SELECT string_agg(id || ' ' || status || ' ' || coalesce(email_log_id::text, '-') || ' ' "
        "|| coalesce(message_id, '-'), E'\\n' ORDER BY id) FROM email_queue";
    const auto rows_before = db.scalar(rows_query);
    const auto constraints_before = web_application_constraints(db);

    const auto r = run_program("queue-admin", {"db", "migrate"}, db);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    // Every row as it was: none cancelled, none marked a duplicate.
    CHECK(db.scalar(rows_query) == rows_before);
    CHECK(db.count("SELECT count(*) FROM email_queue WHERE duplicate_of IS NOT NULL") == 0);
    CHECK(db.count("SELECT count(*) FROM email_throttle_settings WHERE id IS NOT NULL") == 1);
    // Every constraint of the application still in place, but for the two its own
    // processor contradicts: the status check, now admitting emailqueue's statuses too,
    // and NOT NULL on a queue row's content (rows may be queued for generation at send
    // time).
    const auto after = web_application_constraints(db);
    for (const auto& line : lines_of(constraints_before)) {
        if (line.starts_with("email_queue email_queue_status_check") ||
            line == "not null email_queue.subject" || line == "not null email_queue.email_body") {
            continue;
        }
        INFO(line);
        CHECK(after.find(line) != std::string::npos);
    }
    for (const char* status : {"pending", "processing", "sent", "failed"}) {
        CHECK_NOTHROW(db.exec(std::string("UPDATE email_queue SET status = '") + status +
                              "' WHERE id = '55555555-5555-4555-8555-555555555506'"));
    }
    // A second reminder on the same run and lead is still the application's to queue.
    CHECK_NOTHROW(db.exec(
        "INSERT INTO email_queue (company_id, campaign_id, campaign_run_id, lead_id, subject, "
        "email_body, email_log_id, scheduled_for) SELECT company_id, campaign_id, "
        "campaign_run_id, lead_id, 'Re: again', 'b', email_log_id, now() FROM email_queue "
        "WHERE id = '55555555-5555-4555-8555-555555555503'"));
    // ... and a first email still cannot be queued twice for one lead of one run.
    CHECK_THROWS(db.exec(
        "INSERT INTO email_queue (company_id, campaign_id, campaign_run_id, lead_id, subject, "
        "email_body, scheduled_for) SELECT company_id, campaign_id, campaign_run_id, lead_id, "
        "'S', 'b', now() FROM email_queue WHERE id = '55555555-5555-4555-8555-555555555502'"));

    const auto again = run_program("queue-admin", {"db", "migrate", "--json"}, db);
    REQUIRE(again.exit_code == 0);
    CHECK(again.out == "{\"applied\":[],\"pending\":0}\n");
    const auto status = run_program("queue-admin", {"db", "status", "--json"}, db);
    CHECK(status.out.find("\"warnings\":[]") != std::string::npos);
}

TEST_CASE("a database that applied 002's first form gets its follow-ups back and no warning",
          "[migrate]") {
    TestDatabase db(TestDatabase::Schema::empty);
    db.exec(read_file(fixture_path("reachgenie_schema.sql")));
    const auto sql_dir = std::string(EQ_SOURCE_DIR) + "/sql";
    // Applies 001..011 with 002 as it first was, as an earlier emailqueue did.
    TempDir dir;
    for (const auto& m : db::load_migrations(sql_dir, crypto::sha256_hex)) {
        if (m.version > 11) {
            continue;
        }
        auto text = m.sql;
        if (m.version == 2) {
            text = read_file(fixture_path("002_email_queue_first_form.sql"));
        }
        dir.write(m.name + ".sql", text);
    }
    db.exec(R"(
        INSERT INTO companies (id, name) VALUES ('11111111-1111-4111-8111-111111111111', 'Acme');
        INSERT INTO campaigns (id, company_id, name) VALUES
            ('22222222-2222-4222-8222-222222222222', '11111111-1111-4111-8111-111111111111', 'S');
        INSERT INTO campaign_runs (id, campaign_id) VALUES
            ('33333333-3333-4333-8333-333333333333', '22222222-2222-4222-8222-222222222222');
        INSERT INTO leads (id, company_id, name, email) VALUES
            ('44444444-4444-4444-8444-444444444441', '11111111-1111-4111-8111-111111111111',
             'Ann', 'ann@x.example');
        INSERT INTO email_logs (id, campaign_id, campaign_run_id, lead_id, sent_at, created_at)
        VALUES ('66666666-6666-4666-8666-666666666661', '22222222-2222-4222-8222-222222222222',
                '33333333-3333-4333-8333-333333333333', '44444444-4444-4444-8444-444444444441',
                now() - interval '2 days', now() - interval '2 days');
        INSERT INTO email_queue (id, company_id, campaign_id, campaign_run_id, lead_id, status,
                                 subject, email_body, email_log_id, created_at, scheduled_for)
        VALUES ('55555555-5555-4555-8555-555555555501', '11111111-1111-4111-8111-111111111111',
                '22222222-2222-4222-8222-222222222222', '33333333-3333-4333-8333-333333333333',
                '44444444-4444-4444-8444-444444444441', 'sent', 'Hi', 'b', NULL,
                now() - interval '3 days', now() - interval '3 days'),
               ('55555555-5555-4555-8555-555555555502', '11111111-1111-4111-8111-111111111111',
                '22222222-2222-4222-8222-222222222222', '33333333-3333-4333-8333-333333333333',
                '44444444-4444-4444-8444-444444444441', 'pending', 'Re: Hi', 'b',
                '66666666-6666-4666-8666-666666666661', now() - interval '1 day', now());
    )");
    const auto first = run_program("queue-admin", {"db", "migrate", "--sql-dir", dir.path()}, db);
    INFO(first.err);
    REQUIRE(first.exit_code == 0);
    // The first form cancelled the reminder as a duplicate of the first email.
    REQUIRE(db.scalar("SELECT status FROM email_queue WHERE id = "
                      "'55555555-5555-4555-8555-555555555502'") == "cancelled");

    const auto r = run_program("queue-admin", {"db", "migrate"}, db);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(db.scalar("SELECT status || ' ' || (duplicate_of IS NULL) || ' ' || "
                    "(error_message IS NULL) FROM email_queue WHERE id = "
                    "'55555555-5555-4555-8555-555555555502'") == "pending true true");
    const auto status = run_program("queue-admin", {"db", "status", "--json"}, db);
    CHECK(status.out.find("\"warnings\":[]") != std::string::npos);
}
