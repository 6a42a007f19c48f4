// Connection's two pool modes through a real PgBouncer in transaction mode with one server
// session, so every client of the test shares it and anything a statement leaves behind
// on the session is seen by the next one.

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <libpq-fe.h>

#include <string>

#include "db/connection.hpp"
#include "support/pgbouncer.hpp"
#include "support/test_database.hpp"

using namespace eq;
using namespace eq::test;

namespace {

constexpr db::Statement k_settings{
    "settings", "SELECT now()::text AS now, current_setting('TimeZone') AS tz,"
                " current_setting('DateStyle') AS ds, current_setting('IntervalStyle') AS iv,"
                " $1::int AS n"};
constexpr db::Statement k_prepared{"prepared", "SELECT count(*) AS n FROM pg_prepared_statements"};
constexpr db::Statement k_other{"other", "SELECT 2 AS n"};

struct Pooled {
    Pooled() {
        // The server's sessions start in another zone and style than ours.
        db.exec(fmt::format("ALTER DATABASE {} SET TimeZone = 'America/New_York'", db.name()));
        db.exec(fmt::format("ALTER DATABASE {} SET IntervalStyle = 'iso_8601'", db.name()));
    }
    db::Connection open(config::PoolMode mode) const {
        return db::Connection::open(bouncer.url(db.name(), db.server().user), "pool-mode-test",
                                    mode);
    }
    // A setting of the server session as it is, read without our settings.
    std::string raw(db::Connection& conn, const std::string& name) const {
        PGresult* r = PQexec(conn.handle(), ("SELECT current_setting('" + name + "')").c_str());
        std::string v = PQresultStatus(r) == PGRES_TUPLES_OK ? PQgetvalue(r, 0, 0) : "error";
        PQclear(r);
        return v;
    }

    TestDatabase db;
    PgBouncer bouncer{db.server(), {db.server().user}, PgBouncer::Options{"transaction", 1}};
};

void check_settings(const db::Result& r, int n) {
    const auto row = r.only();
    CHECK(row.text("tz") == "UTC");
    CHECK(row.text("now").ends_with("+00"));
    CHECK(row.text("ds") == "ISO, YMD");
    CHECK(row.text("iv") == "postgres");
    CHECK(row.integer("n") == n);
}

} // namespace

TEST_CASE("in transaction mode every statement runs in UTC and nothing outlives its transaction",
          "[db][pooler]") {
    Pooled p;
    auto conn = p.open(config::PoolMode::transaction);
    check_settings(conn.one(k_settings, 1), 1);
    {
        db::Transaction tx(conn);
        check_settings(conn.one(k_settings, 2), 2);
        tx.commit();
    }
    {
        db::Transaction tx(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
        check_settings(conn.one(k_settings, 3), 3);
    }
    const auto piped =
        conn.pipeline({db::call(k_settings, db::Shape::one, 4), db::call(k_other, db::Shape::one)});
    REQUIRE(piped.size() == 2);
    check_settings(piped[0], 4);
    CHECK(piped[1].only().integer("n") == 2);
    // Two sends before their collects, as a batch working ahead does.
    const std::vector<db::Call> first{db::call(k_settings, db::Shape::one, 5)};
    const std::vector<db::Call> second{db::call(k_settings, db::Shape::one, 6)};
    conn.send(first);
    conn.send(second);
    check_settings(conn.collect(first).front(), 5);
    check_settings(conn.collect(second).front(), 6);

    // Nothing prepared under a name, no setting left on the shared server session.
    CHECK(conn.one(k_prepared).only().integer("n") == 0);
    CHECK(p.raw(conn, "TimeZone") == "America/New_York");
    CHECK(p.raw(conn, "IntervalStyle") == "iso_8601");
}

TEST_CASE("in session mode, a statement prepared by another client of the pooler's session "
          "gives the pool_mode error",
          "[db][pooler]") {
    Pooled p;
    auto first = p.open(config::PoolMode::session);
    auto second = p.open(config::PoolMode::session);
    CHECK(first.one(k_other).only().integer("n") == 2); // prepared as eq0 on the one session
    try {
        second.one(k_settings, 1); // its own eq0, on the same server session
        FAIL("no error");
    } catch (const db::PoolModeError& e) {
        CHECK(e.code() == ExitCode::config);
        CHECK(e.sqlstate() == "42P05");
        CHECK(std::string(e.what()).find("pooler in transaction mode") != std::string::npos);
        CHECK(e.hint().find("database.pool_mode: transaction") != std::string::npos);
    }
}

TEST_CASE("in session mode, a prepared statement gone from the session gives the pool_mode error",
          "[db][pooler]") {
    Pooled p;
    auto conn = p.open(config::PoolMode::session);
    CHECK(conn.one(k_other).only().integer("n") == 2);
    // As when the pooler hands the next transaction another server session.
    PQclear(PQexec(conn.handle(), "DEALLOCATE ALL"));
    CHECK_THROWS_AS(conn.one(k_other), db::PoolModeError);
    // A direct connection in session mode prepares as before.
    auto direct = p.db.connect();
    CHECK(direct.one(k_other).only().integer("n") == 2);
    CHECK(direct.one(k_prepared).only().integer("n") >= 2);
}
