#include <catch2/catch.hpp>

#include "suppression/suppression_file.hpp"
#include "suppression/suppression_repository.hpp"

using namespace eq::suppression;

TEST_CASE("one address per line, with comments, blanks and CRLF", "[suppression_file]") {
    const auto f =
        parse_suppression_file("\xEF\xBB\xBF# list\r\nann@example.com\r\n\r\n  bob@example.com  \n"
                               "bad address\n");
    REQUIRE(f.entries.size() == 2);
    CHECK(f.entries[0].address == "ann@example.com");
    CHECK(f.entries[0].line == 2);
    CHECK(f.entries[1].address == "bob@example.com");
    CHECK(f.entries[1].line == 4);
    REQUIRE(f.invalid.size() == 1);
    CHECK(f.invalid[0].line == 5);
    CHECK(f.invalid[0].error ==
          "invalid address 'bad address': it contains a space or a control character");
    CHECK_FALSE(f.has_header);
}

TEST_CASE("CSV with a header uses the email and reason columns", "[suppression_file]") {
    const auto f = parse_suppression_file("id,Email,Reason\n1,ann@example.com,\"bounced, hard\"\n"
                                          "2,\"bob@example.com\",\n3\n4,\"open@example.com\n");
    CHECK(f.has_header);
    REQUIRE(f.entries.size() == 2);
    CHECK(f.entries[0].reason == std::optional<std::string>("bounced, hard"));
    CHECK_FALSE(f.entries[1].reason.has_value());
    REQUIRE(f.invalid.size() == 2);
    CHECK(f.invalid[0].line == 4);
    CHECK(f.invalid[0].error == "no field 2 (the email column)");
    CHECK(f.invalid[1].error == "a quoted field is not closed");
}

TEST_CASE("CSV without a header takes the first field", "[suppression_file]") {
    const auto f = parse_suppression_file("ann@example.com,2024-01-01,bounce\n");
    REQUIRE(f.entries.size() == 1);
    CHECK(f.entries[0].address == "ann@example.com");
    CHECK_FALSE(f.entries[0].reason.has_value());
}

TEST_CASE("split_csv_record handles quotes", "[suppression_file]") {
    CHECK(*split_csv_record("a,\"b,c\",\"d\"\"e\",") ==
          std::vector<std::string>{"a", "b,c", "d\"e", ""});
    CHECK_FALSE(split_csv_record("\"open").has_value());
}

TEST_CASE("text array literals quote every element", "[suppression_file]") {
    const std::vector<std::optional<std::string>> v{"a\"b", std::nullopt, "c\\d", "NULL"};
    CHECK(text_array_literal(v) == R"({"a\"b",NULL,"c\\d","NULL"})");
    CHECK(text_array_literal({}) == "{}");
}
