#include <catch2/catch.hpp>

#include <string>

#include "db/sql_text.hpp"

using namespace eq;

namespace {

struct Params {
    int row;
    int worker;
};

template <Params P>
constexpr auto k_piece = db::sql("id = ", db::param<P.row>,
                                 " AND claimed_by = ", db::param<P.worker>);

template <db::SqlText Alias> constexpr auto k_aliased = db::sql("(SELECT ", Alias, ".id)");

constexpr db::SqlText k_columns{"id, status"};

} // namespace

TEST_CASE("pieces join into one string in order, as if written out", "[sql-text]") {
    constexpr auto text =
        db::sql("SELECT ", k_columns, " FROM email_queue WHERE ", k_piece<{.row = 1, .worker = 2}>);
    static_assert(text.size() == text.view().size());
    CHECK(std::string(text.c_str()) ==
          "SELECT id, status FROM email_queue WHERE id = $1 AND claimed_by = $2");
    CHECK(text.c_str()[text.size()] == '\0');
    CHECK(db::sql("", k_columns, "").view() == "id, status");
}

TEST_CASE("a piece's parameters and names are the statement's own", "[sql-text]") {
    CHECK(k_piece<{.row = 11, .worker = 2}>.view() == "id = $11 AND claimed_by = $2");
    CHECK(k_piece<{.row = 9, .worker = 10}>.view() == "id = $9 AND claimed_by = $10");
    CHECK(k_aliased<"cr">.view() == "(SELECT cr.id)");
    CHECK(k_aliased<k_columns>.view() == "(SELECT id, status.id)");
}

TEST_CASE("parameter placeholders are spelt in decimal", "[sql-text]") {
    CHECK(db::param<1>.view() == "$1");
    CHECK(db::param<9>.view() == "$9");
    CHECK(db::param<10>.view() == "$10");
    CHECK(db::param<16>.view() == "$16");
    CHECK(db::param<100>.view() == "$100");
    CHECK(db::param<65535>.view() == "$65535");
}
