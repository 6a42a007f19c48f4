#include <catch2/catch.hpp>

#include <random>
#include <string>

#include "message/address.hpp"
#include "support/test_database.hpp"

using namespace eq;
using namespace eq::test;

namespace {

constexpr db::Statement k_is_valid{"test_address_is_valid",
                                   "SELECT emailqueue_address_is_valid($1) AS ok"};

struct AddressCase {
    std::string address;
    bool valid;
};

// The address shape rule, case by case: sql/004_enqueue.sql applies it when queueing,
// lib/message before sending; both must give these answers.
const std::vector<AddressCase>& cases() {
    static const std::vector<AddressCase> k_cases{
        // valid
        {"a@b.co", true},
        {"ann@globex.example", true},
        {"Ann.Lee+news@Sub.Globex.EXAMPLE", true},
        {"o'neil@globex.example", true},
        {"x!#$%&'*+-/=?^_`{|}~@globex.example", true},
        {"a@b.c", true},
        {"a@1.2", true},
        {"a@xn--bcher-kva.example", true},
        {"a@a-b.example", true},
        {std::string(64, 'l') + "@globex.example", true},
        {"a@" + std::string(63, 'd') + ".example", true},
        // 254 octets: 64 + '@' + 189 of labels
        {std::string(64, 'l') + "@" + std::string(63, 'd') + "." + std::string(63, 'd') + "." +
             std::string(61, 'd'),
         true},
        // lengths
        {"", false},
        {"a@", false},
        {std::string(65, 'l') + "@globex.example", false},
        {"a@" + std::string(64, 'd') + ".example", false},
        {std::string(64, 'l') + "@" + std::string(63, 'd') + "." + std::string(63, 'd') + "." +
             std::string(62, 'd'),
         false},
        // '@'
        {"globex.example", false},
        {"a@b@globex.example", false},
        {"@globex.example", false},
        // local part dots
        {".ann@globex.example", false},
        {"ann.@globex.example", false},
        {"an..n@globex.example", false},
        // octets
        {"an n@globex.example", false},
        {" ann@globex.example", false},
        {"ann@globex.example ", false},
        {"ann\t@globex.example", false},
        {"ann@globex.example\r\nRCPT TO:<x@y.z>", false},
        {"ann\x7f@globex.example", false},
        {"zo\xc3\xab@globex.example", false},
        {"ann@b\xc3\xbc"
         "cher.example",
         false},
        {"<ann@globex.example>", false},
        {"a(b)@globex.example", false},
        {"a,b@globex.example", false},
        {"a;b@globex.example", false},
        {"a:b@globex.example", false},
        {"a\\b@globex.example", false},
        {"\"ann\"@globex.example", false},
        {"ann@[127.0.0.1]", false},
        // domain
        {"ann@localhost", false},
        {"ann@globex.", false},
        {"ann@.globex.example", false},
        {"ann@globex..example", false},
        {"ann@-globex.example", false},
        {"ann@globex-.example", false},
        {"ann@globex.example-", false},
        {"ann@glo_bex.example", false},
    };
    return k_cases;
}

} // namespace

TEST_CASE("emailqueue_address_is_valid applies the address shape rule", "[enqueue][address]") {
    TestDatabase db;
    auto conn = db.connect();
    for (const auto& c : cases()) {
        INFO("address: '" << c.address << "' (" << c.address.size() << " octets)");
        CHECK(conn.one(k_is_valid, c.address).only().boolean("ok") == c.valid);
    }
    CHECK_FALSE(conn.one(k_is_valid, std::nullopt).only().boolean("ok"));
}

TEST_CASE("the SQL address rule and lib/message's agree", "[enqueue][address]") {
    TestDatabase db;
    auto conn = db.connect();
    for (const auto& c : cases()) {
        INFO("address: '" << c.address << "'");
        CHECK(message::is_valid_address(c.address) == c.valid);
        CHECK(conn.one(k_is_valid, c.address).only().boolean("ok") ==
              message::is_valid_address(c.address));
    }
    // Strings made of the characters that matter to the rule, in lengths around its
    // limits, from a fixed seed: both sides must give the same answer for each.
    std::mt19937 random(20261129);
    const std::vector<std::string> alphabet{"a", "b", "9",  ".", "-", "@", "_",
                                            "+", " ", "\"", "<", "é", "\t"};
    std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
    std::uniform_int_distribution<int> length(1, 12);
    for (int i = 0; i < 1500; ++i) {
        std::string address;
        for (int n = length(random); n > 0; --n) {
            address += alphabet[pick(random)];
        }
        if (i % 3 == 0) {
            address = "ann" + address + ".example"; // often close to valid
        }
        if (i % 50 == 0) {
            address = std::string(60 + static_cast<std::size_t>(i % 7), 'l') + address;
        }
        INFO("address: '" << address << "'");
        CHECK(conn.one(k_is_valid, address).only().boolean("ok") ==
              message::is_valid_address(address));
    }
}

TEST_CASE("the address rule is an immutable function the planner can inline",
          "[enqueue][address]") {
    TestDatabase db;
    CHECK(db.scalar(
              "SELECT provolatile FROM pg_proc WHERE proname = 'emailqueue_address_is_valid'") ==
          "i");
    CHECK(db.scalar(
              "SELECT proisstrict FROM pg_proc WHERE proname = 'emailqueue_address_is_valid'") ==
          "f");
    CHECK(db.scalar("SELECT obj_description('emailqueue_address_is_valid(text)'::regprocedure)")
              .find("emailqueue address shape rule") == 0);
}
