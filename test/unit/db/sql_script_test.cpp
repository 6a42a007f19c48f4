#include <catch2/catch.hpp>

#include "db/sql_script.hpp"

using eq::db::split_script;

TEST_CASE("scripts split at top-level semicolons with their line numbers", "[sql-script]") {
    const auto s =
        split_script("-- header\nCREATE TABLE a (x int);\n\n  INSERT INTO a VALUES (1);");
    REQUIRE(s.size() == 2);
    CHECK(s[0].line == 2);
    CHECK(s[0].sql.find("CREATE TABLE a") != std::string::npos);
    CHECK(s[1].line == 4);
    CHECK(s[1].sql == "INSERT INTO a VALUES (1)");
}

TEST_CASE("semicolons inside quotes, identifiers, comments and dollar bodies stay",
          "[sql-script]") {
    const auto s =
        split_script("SELECT 'a;b', \"c;d\" /* e; /* nested; */ f; */ ;\n"
                     "DO $$ BEGIN PERFORM 1; PERFORM 2; END $$;\n"
                     "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;\n"
                     "SELECT E'it\\'s; fine', 'x''y;z';\n"
                     "-- only a comment; here\n");
    REQUIRE(s.size() == 4);
    CHECK(s[0].sql.find("nested; */ f; */") != std::string::npos);
    CHECK(s[1].sql == "DO $$ BEGIN PERFORM 1; PERFORM 2; END $$");
    CHECK(s[1].line == 2);
    CHECK(s[2].sql.find("$body$ SELECT 1; $body$") != std::string::npos);
    CHECK(s[3].sql == "SELECT E'it\\'s; fine', 'x''y;z'");
}

TEST_CASE("an empty script has no statements", "[sql-script]") {
    CHECK(split_script("").empty());
    CHECK(split_script("  \n-- nothing\n;;").empty());
}
