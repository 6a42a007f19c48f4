#include <catch2/catch.hpp>

#include "db/connection.hpp"

using eq::db::conninfo_passwords;
using Strings = std::vector<std::string>;

TEST_CASE("a connection string's password is found in every form it is written in", "[conninfo]") {
    CHECK(conninfo_passwords("postgresql://u:s3cret@db.example/q") == Strings{"s3cret"});
    CHECK(conninfo_passwords("postgres://u:p%40ss%2Fw@db.example:5432/q") ==
          Strings{"p%40ss%2Fw", "p@ss/w"});
    CHECK(conninfo_passwords("postgresql://u@db.example/q?password=in-query") ==
          Strings{"in-query"});
    CHECK(conninfo_passwords("host=db.example password='it\\'s secret' user=u") ==
          Strings{"it's secret"});
    // Malformed: libpq refuses it, and its error quotes the password.
    CHECK(conninfo_passwords("postgresql://u:bad%zzpass@db.example/q") == Strings{"bad%zzpass"});
    CHECK(conninfo_passwords("postgresql://u@db.example/q").empty());
    CHECK(conninfo_passwords("").empty());
    CHECK(conninfo_passwords("host=db.example user=u").empty());
}
