#include <catch2/catch.hpp>

#include "integration/admin/admin_fixture.hpp"
#include "support/temp_dir.hpp"
#include "suppression/suppression_repository.hpp"

using namespace eq;
using namespace eq::test;

TEST_CASE("suppress add, list and remove, global and per company", "[admin][suppress]") {
    AdminFixture f;
    const auto j = f.json(
        {"suppress", "add", "Ann@Example.com", "bob@example.com", "--reason", "unsubscribed"});
    CHECK(keys(j) == std::vector<std::string>{"scope", "added", "already_present"});
    CHECK(j.find("scope")->as_string() == "global");
    CHECK(j.find("added")->as_int() == 2);
    const auto again = f.json({"suppress", "add", "ann@example.com"});
    CHECK(again.find("added")->as_int() == 0);
    CHECK(again.find("already_present")->as_int() == 1);
    f.json({"suppress", "add", "carl@example.com", "--company", f.company.str()});
    CHECK(f.db.count("SELECT count(*) FROM do_not_email") == 3);
    CHECK(suppression::is_suppressed(f.conn, f.company, "ANN@example.com"));
    CHECK(suppression::is_suppressed(f.conn, f.company, "carl@example.com"));
    const auto other = insert_company(f.conn, {.name = "Other"});
    CHECK_FALSE(suppression::is_suppressed(f.conn, other, "carl@example.com"));

    const auto list = f.json({"suppress", "list", "--company", f.company.str()});
    const auto& entries = list.find("entries")->as_array();
    REQUIRE(entries.size() == 3);
    CHECK(keys(entries[0]) ==
          std::vector<std::string>{"email", "reason", "company_id", "created_at"});
    CHECK(entries[0].find("reason")->as_string() == "unsubscribed");
    CHECK(entries[0].find("company_id")->is_null());
    CHECK(
        f.json({"suppress", "list", "--company", other.str()}).find("entries")->as_array().size() ==
        2);

    // A company's entry is not removed from the global list, and nothing is half-removed.
    const auto missing = f.admin({"suppress", "remove", "ann@example.com", "carl@example.com"});
    CHECK(missing.exit_code == 66);
    CHECK(missing.err.find("carl@example.com") != std::string::npos);
    CHECK(f.db.count("SELECT count(*) FROM do_not_email") == 3);
    const auto removed = f.json({"suppress", "remove", "ANN@example.com"});
    CHECK(removed.find("removed")->as_int() == 1);
    CHECK(f.json({"suppress", "remove", "carl@example.com", "--company", f.company.str()})
              .find("removed")
              ->as_int() == 1);
    CHECK(f.db.count("SELECT count(*) FROM do_not_email") == 1);
}

TEST_CASE("suppress add refuses invalid addresses and unknown companies", "[admin][suppress]") {
    AdminFixture f;
    const auto bad = f.admin({"suppress", "add", "good@example.com", "no-at-sign", "a@b"});
    CHECK(bad.exit_code == 64);
    CHECK(bad.err.find("'no-at-sign': it must contain exactly one '@'") != std::string::npos);
    CHECK(bad.err.find("'a@b'") != std::string::npos);
    CHECK(f.admin({"suppress", "add", "x@example.com", "--company", Uuid::random().str()})
              .exit_code == 66);
    CHECK(f.admin({"suppress", "list", "--company", "bad"}).exit_code == 64);
    CHECK(f.db.count("SELECT count(*) FROM do_not_email") == 0);
}

TEST_CASE("suppress import reads lines or CSV, names bad lines, and is idempotent",
          "[admin][suppress]") {
    AdminFixture f;
    TempDir dir;
    const auto csv = dir.write("bounces.csv", "email,reason\n"
                                              "ann@example.com,hard bounce\n"
                                              "\"bob@example.com\",complaint\n"
                                              "not an address,x\n"
                                              "ANN@example.com,again\n"
                                              "\n"
                                              "carl@@example.com,typo\n");
    const auto r = f.admin({"suppress", "import", csv, "--json"});
    CHECK(r.exit_code == 1); // some lines were invalid
    CHECK(r.err.find(csv + ":4: invalid address 'not an address'") != std::string::npos);
    CHECK(r.err.find(csv +
                     ":7: invalid address 'carl@@example.com': it must contain exactly one '@'") !=
          std::string::npos);
    const auto j = Json::parse(r.out);
    REQUIRE(j.ok());
    CHECK(keys(*j) == std::vector<std::string>{"file", "scope", "valid", "added", "already_present",
                                               "repeated", "invalid"});
    CHECK(j->find("added")->as_int() == 2);
    CHECK(j->find("repeated")->as_int() == 1);
    CHECK(j->find("invalid")->as_array().size() == 2);
    CHECK(j->find("invalid")->as_array()[0].find("line")->as_int() == 4);
    CHECK(f.db.scalar("SELECT reason FROM do_not_email WHERE email = 'ann@example.com'") ==
          "hard bounce");

    const auto second = f.admin({"suppress", "import", csv, "--json"});
    const auto j2 = Json::parse(second.out);
    REQUIRE(j2.ok());
    CHECK(j2->find("added")->as_int() == 0);
    CHECK(j2->find("already_present")->as_int() == 2);
    CHECK(f.db.count("SELECT count(*) FROM do_not_email") == 2);

    const auto plain =
        f.admin({"suppress", "import", "-", "--company", f.company.str(), "--reason", "manual"},
                "# one per line\r\ndan@example.com\r\neve@example.com\r\n");
    CHECK(plain.exit_code == 0);
    CHECK(f.db.count("SELECT count(*) FROM do_not_email WHERE company_id IS NOT NULL"
                     " AND reason = 'manual'") == 2);

    const auto unreadable = f.admin({"suppress", "import", dir.file("missing.csv")});
    CHECK(unreadable.exit_code == 74);
    CHECK(unreadable.err.find("cannot read") != std::string::npos);
}

TEST_CASE("an import never duplicates rows and keeps duplicates the application stored",
          "[admin][suppress]") {
    AdminFixture f;
    // The web application may already hold one address twice: both rows are kept.
    f.db.exec("INSERT INTO do_not_email (email, reason) VALUES ('dup@example.com', 'a'),"
              " ('DUP@example.com', 'b')");
    TempDir dir;
    const auto file = dir.write("list.txt", "dup@example.com\nnew@example.com\n");
    CHECK(f.admin({"suppress", "import", file}).exit_code == 0);
    CHECK(f.db.count("SELECT count(*) FROM do_not_email WHERE lower(email) = 'dup@example.com'") ==
          2);
    CHECK(f.db.count("SELECT count(*) FROM do_not_email") == 3);
}
