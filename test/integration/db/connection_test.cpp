#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "db/connection.hpp"
#include "support/test_database.hpp"

using namespace eq;
using namespace eq::test;

namespace {

constexpr db::Statement k_echo{"echo", "SELECT $1::text AS v, $2::int AS n"};
constexpr db::Statement k_series{"series", "SELECT generate_series(1, $1::int) AS i"};
constexpr db::Statement k_missing{"missing_table", "SELECT * FROM no_such_table"};
constexpr db::Statement k_insert{"insert_t", "INSERT INTO t (v) VALUES ($1)"};

} // namespace

TEST_CASE("values travel as parameters, SQL metacharacters included", "[db]") {
    TestDatabase tdb;
    auto conn = tdb.connect();
    const std::string nasty = "'); DROP TABLE email_queue; -- \\ \" $1 \xc3\xa9";
    const auto r = conn.one(k_echo, nasty, 7);
    CHECK(r.only().text("v") == nasty);
    CHECK(r.only().integer("n") == 7);
    CHECK(tdb.scalar("SELECT to_regclass('email_queue') IS NOT NULL") == "t");
    const auto nulls = conn.one(k_echo, std::nullopt, std::optional<int>{});
    CHECK(nulls.only().is_null("v"));
    CHECK_FALSE(nulls.only().opt_integer("n").has_value());
}

TEST_CASE("a statement that breaks its promised shape fails naming the statement", "[db]") {
    TestDatabase tdb;
    auto conn = tdb.connect();
    CHECK(conn.rows(k_series, 3).rows() == 3);
    CHECK(conn.maybe_one(k_series, 0).empty());
    CHECK_THROWS_WITH(
        conn.one(k_series, 2),
        "database: statement 'series' returned 2 rows where exactly one was expected");
    CHECK_THROWS_WITH(
        conn.maybe_one(k_series, 2),
        "database: statement 'series' returned 2 rows where at most one was expected");
    CHECK_THROWS_WITH(conn.none(k_series, 1),
                      "database: statement 'series' returned 1 rows where none was expected");
    CHECK_THROWS_WITH(conn.one(k_series, 1).only().text("nope"),
                      "statement 'series' has no column 'nope'");
}

TEST_CASE("server errors carry the statement, the message and a fitting exit code", "[db]") {
    TestDatabase tdb;
    auto conn = tdb.connect();
    try {
        conn.rows(k_missing);
        FAIL("no exception");
    } catch (const db::DbError& e) {
        CHECK(e.code() == ExitCode::schema);
        CHECK(e.sqlstate() == "42P01");
        CHECK(std::string(e.what()) == "database: statement 'missing_table' failed: relation "
                                       "\"no_such_table\" does not exist [SQLSTATE 42P01]");
        CHECK(e.hint() == "is the schema up to date? run 'queue-admin db migrate'");
    }
    CHECK(db::exit_code_for_sqlstate("08006") == ExitCode::unavailable);
    CHECK(db::exit_code_for_sqlstate("42501") == ExitCode::permission);
    CHECK(db::exit_code_for_sqlstate("40P01") == ExitCode::temporary);
    CHECK(db::exit_code_for_sqlstate("23505") == ExitCode::data);
}

TEST_CASE("a transaction guard rolls back unless committed", "[db]") {
    TestDatabase tdb;
    tdb.exec("CREATE TABLE t (v text)");
    auto conn = tdb.connect();
    try {
        db::Transaction tx(conn);
        conn.none(k_insert, "lost");
        throw std::runtime_error("boom");
    } catch (const std::runtime_error&) {
    }
    CHECK_FALSE(conn.in_transaction());
    {
        db::Transaction tx(conn);
        conn.none(k_insert, "kept");
        tx.commit();
    }
    CHECK(tdb.scalar("SELECT string_agg(v, ',') FROM t") == "kept");
}

TEST_CASE("sessions use UTC, and timestamps read back exactly", "[db]") {
    TestDatabase tdb;
    auto conn = tdb.connect();
    constexpr db::Statement k_ts{"ts",
                                 "SELECT $1::timestamptz AS t, current_setting('TimeZone') AS tz"};
    const auto t = *parse_timestamp("2026-03-29T01:30:00.123456+02:00");
    const auto r = conn.one(k_ts, t);
    CHECK(r.only().text("tz") == "UTC");
    CHECK(r.only().time("t") == t);
}

TEST_CASE("sessions never run with synchronous_commit off, and keep stronger settings", "[db]") {
    TestDatabase tdb;
    tdb.exec("ALTER DATABASE " + tdb.name() + " SET synchronous_commit = off");
    CHECK(tdb.scalar("SHOW synchronous_commit") == "local");
    tdb.exec("ALTER DATABASE " + tdb.name() + " SET synchronous_commit = remote_apply");
    CHECK(tdb.scalar("SHOW synchronous_commit") == "remote_apply");
}

TEST_CASE("an unreachable server is an 'unavailable' error without secrets", "[db]") {
    try {
        db::Connection::open("postgresql://queue:topsecret@127.0.0.1:1/nowhere", "test");
        FAIL("no exception");
    } catch (const db::DbError& e) {
        CHECK(e.code() == ExitCode::unavailable);
        CHECK(std::string(e.what()).find("cannot connect to the database") == 0);
        CHECK(std::string(e.what()).find("topsecret") == std::string::npos);
    }
}

TEST_CASE("a pipeline sends its calls in one transaction and returns results in order", "[db]") {
    TestDatabase tdb;
    tdb.exec("CREATE TABLE t (v text UNIQUE)");
    auto conn = tdb.connect();
    const auto results = conn.pipeline({db::call(k_insert, db::Shape::none, "a"),
                                        db::call(k_echo, db::Shape::one, "x", 1),
                                        db::call(k_insert, db::Shape::none, "b")});
    REQUIRE(results.size() == 3);
    CHECK(results[0].affected() == 1);
    CHECK(results[1].only().text("v") == "x");
    CHECK(tdb.scalar("SELECT string_agg(v, ',' ORDER BY v) FROM t") == "a,b");
    // A failing call takes the whole pipeline back, and names itself.
    CHECK_THROWS_WITH(conn.pipeline({db::call(k_insert, db::Shape::none, "c"),
                                     db::call(k_insert, db::Shape::none, "a")}),
                      Catch::Contains("statement 'insert_t' failed: duplicate key"));
    CHECK(tdb.scalar("SELECT string_agg(v, ',' ORDER BY v) FROM t") == "a,b");
    // The connection is usable afterwards, prepared statements included.
    CHECK(conn.one(k_echo, "after", 2).only().text("v") == "after");
    CHECK_FALSE(conn.in_transaction());
}

TEST_CASE("a pipeline sent without waiting runs on while the caller goes on", "[db]") {
    TestDatabase tdb;
    tdb.exec("CREATE TABLE t (v text UNIQUE)");
    auto conn = tdb.connect();
    const std::vector<db::Call> calls{db::call(k_insert, db::Shape::none, "a"),
                                      db::call(k_echo, db::Shape::one, "y", 2)};
    conn.send(calls);
    CHECK(conn.in_transaction()); // results still to be read: never handed to anyone else
    CHECK_THROWS_WITH(conn.one(k_echo, "too early", 3), Catch::Contains("echo"));
    // The server executes and commits it meanwhile.
    for (int i = 0; i < 100 && tdb.scalar("SELECT count(*) FROM t") == "0"; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    CHECK(tdb.scalar("SELECT count(*) FROM t WHERE v = 'a'") == "1");
    const auto results = conn.collect(calls);
    REQUIRE(results.size() == 2);
    CHECK(results[0].affected() == 1);
    CHECK(results[1].only().text("v") == "y");
    CHECK_FALSE(conn.in_transaction());

    // A failure takes the whole group back and is thrown by collect().
    const std::vector<db::Call> failing{db::call(k_insert, db::Shape::none, "b"),
                                        db::call(k_insert, db::Shape::none, "a")};
    conn.send(failing);
    CHECK_THROWS_WITH(conn.collect(failing), Catch::Contains("duplicate key"));
    CHECK(tdb.scalar("SELECT string_agg(v, ',' ORDER BY v) FROM t") == "a");
    CHECK_FALSE(conn.in_transaction());
    CHECK(conn.one(k_echo, "after", 4).only().text("v") == "after");
}

TEST_CASE("several pipelines on their way at once are read back in order, each on its own",
          "[db]") {
    TestDatabase tdb;
    tdb.exec("CREATE TABLE t (v text UNIQUE)");
    auto conn = tdb.connect();
    constexpr db::Statement k_count{"count_t", "SELECT count(*) AS n FROM t WHERE v = $1"};
    constexpr db::Statement k_max{"max_t", "SELECT max(v) AS v FROM t WHERE v <> $1"};
    constexpr db::Statement k_prepared{
        "prepared", "SELECT count(*) AS n FROM pg_prepared_statements WHERE statement = $1"};
    const std::vector<db::Call> first{db::call(k_insert, db::Shape::none, "a"),
                                      db::call(k_echo, db::Shape::one, "one", 1)};
    // The second group fails before its statement new to the connection is prepared;
    // the third prepares one within the group rather than waiting for those before it.
    const std::vector<db::Call> second{db::call(k_insert, db::Shape::none, "a"),
                                       db::call(k_max, db::Shape::one, "x")};
    const std::vector<db::Call> third{db::call(k_insert, db::Shape::none, "c"),
                                      db::call(k_count, db::Shape::one, "a")};
    conn.send(first);
    conn.send(second);
    conn.send(third);
    const auto r1 = conn.collect(first);
    CHECK(r1[1].only().text("v") == "one");
    CHECK(conn.in_transaction()); // two groups still to be read
    CHECK_THROWS_WITH(conn.collect(second), Catch::Contains("duplicate key"));
    const auto r3 = conn.collect(third);
    CHECK(r3[1].only().integer("n") == 1);
    CHECK_FALSE(conn.in_transaction());
    // Only the failing group was taken back.
    CHECK(tdb.scalar("SELECT string_agg(v, ',' ORDER BY v) FROM t") == "a,c");
    // The third group's statement stays prepared; the second's is prepared on next use.
    CHECK(conn.one(k_prepared, k_count.sql).only().integer("n") == 1);
    CHECK(conn.one(k_prepared, k_max.sql).only().integer("n") == 0);
    CHECK(conn.one(k_max, "c").only().text("v") == "a");
    CHECK(conn.one(k_prepared, k_max.sql).only().integer("n") == 1);
    CHECK(conn.one(k_count, "c").only().integer("n") == 1);
}

TEST_CASE("a pipeline whose COMMIT fails throws, alone or among others on their way", "[db]") {
    TestDatabase tdb;
    // A deferred constraint trigger: the statements succeed, the COMMIT at the sync fails.
    tdb.exec("CREATE TABLE t (v text UNIQUE);"
             "CREATE FUNCTION refuse_bad() RETURNS trigger LANGUAGE plpgsql AS $$"
             " BEGIN IF NEW.v = 'bad' THEN RAISE EXCEPTION 'bad refused at commit'; END IF;"
             " RETURN NULL; END $$;"
             "CREATE CONSTRAINT TRIGGER refuse_bad AFTER INSERT ON t DEFERRABLE INITIALLY "
             "DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_bad()");
    auto conn = tdb.connect();
    CHECK_THROWS_WITH(conn.pipeline({db::call(k_insert, db::Shape::none, "x"),
                                     db::call(k_insert, db::Shape::none, "bad"),
                                     db::call(k_echo, db::Shape::one, "e", 1)}),
                      Catch::Contains("statement 'commit after 'echo'' failed: bad refused at "
                                      "commit"));
    CHECK(tdb.scalar("SELECT count(*) FROM t") == "0");
    CHECK_FALSE(conn.in_transaction());
    CHECK(conn.one(k_echo, "after", 2).only().text("v") == "after");

    // Sent ahead: the failing group throws on collect(); the groups before and after it
    // are their own transactions and commit.
    const std::vector<db::Call> before{db::call(k_insert, db::Shape::none, "a")};
    const std::vector<db::Call> failing{db::call(k_insert, db::Shape::none, "bad"),
                                        db::call(k_echo, db::Shape::one, "f", 3)};
    const std::vector<db::Call> after{db::call(k_insert, db::Shape::none, "c"),
                                      db::call(k_echo, db::Shape::one, "g", 4)};
    conn.send(before);
    conn.send(failing);
    conn.send(after);
    CHECK(conn.collect(before)[0].affected() == 1);
    try {
        conn.collect(failing);
        FAIL("a failed COMMIT was read as a success");
    } catch (const db::DbError& e) {
        CHECK(e.server_message() == "bad refused at commit");
        CHECK(e.code() == ExitCode::internal); // P0001: raised by a trigger
    }
    CHECK(conn.collect(after)[1].only().text("v") == "g");
    CHECK_FALSE(conn.in_transaction());
    CHECK(tdb.scalar("SELECT string_agg(v, ',' ORDER BY v) FROM t") == "a,c");
}
