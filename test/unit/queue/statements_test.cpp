#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "queue/lease.hpp"
#include "queue/outcome.hpp"

using namespace eq;

namespace {

// The parameter numbers a statement's text refers to ($n).
std::set<std::size_t> placeholders(const char* sql) {
    std::set<std::size_t> out;
    const std::string s(sql);
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '$' || i + 1 >= s.size() || s[i + 1] < '0' || s[i + 1] > '9') {
            continue;
        }
        std::size_t n = 0;
        while (i + 1 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '9') {
            n = n * 10 + static_cast<std::size_t>(s[++i] - '0');
        }
        out.insert(n);
    }
    return out;
}

// Every parameter the call passes is used, and nothing beyond them.
void check_layout(const db::Call& call) {
    INFO(call.statement->name);
    std::set<std::size_t> expected;
    for (std::size_t n = 1; n <= call.params.size(); ++n) {
        expected.insert(n);
    }
    CHECK(placeholders(call.statement->sql) == expected);
}

queue::SentRecord sent_record(const Uuid& row) {
    return {.row_id = row,
            .worker = "w1",
            .subject = "Hello",
            .body = "<p>hi</p>",
            .from_name = "Acme",
            .from_email = "sales@acme.example",
            .to_email = "lead@x.example",
            .call_script = "script"};
}

} // namespace

TEST_CASE("each outcome and mark statement uses exactly the parameters its call passes",
          "[statements]") {
    const auto a = Uuid::random();
    const auto b = Uuid::random();
    const auto log = Uuid::random();
    const auto mark =
        queue::start_send_call(b, "w1", "<b@acme.example>", "lead@x.example", Seconds(600), log);
    check_layout(mark);
    check_layout(queue::sent_call(sent_record(a)));
    check_layout(queue::retry_call(a, "w1", 2, false, Seconds(60), "421 busy"));
    check_layout(queue::final_call(a, "w1", queue::QueueStatus::failed, "550 no such user"));
    check_layout(queue::company_hold_call(a, "w1"));

    const auto both = queue::sent_with_mark(queue::sent_call(sent_record(a)), mark);
    REQUIRE(both);
    check_layout(*both);
}

TEST_CASE("a sent outcome with a mark passes both calls' parameters as they are", "[statements]") {
    const auto a = Uuid::random();
    const auto b = Uuid::random();
    const auto sent = queue::sent_call(sent_record(a));
    const auto mark =
        queue::start_send_call(b, "w1", "<b@acme.example>", "lead@x.example", Seconds(600));
    const auto both = queue::sent_with_mark(sent, mark);
    REQUIRE(both);
    REQUIRE(both->params.size() == sent.params.size() + mark.params.size());
    for (std::size_t i = 0; i < sent.params.size(); ++i) {
        CHECK(both->params[i] == sent.params[i]);
    }
    for (std::size_t i = 0; i < mark.params.size(); ++i) {
        CHECK(both->params[sent.params.size() + i] == mark.params[i]);
    }
    CHECK_FALSE(queue::sent_with_mark(mark, sent));
}
