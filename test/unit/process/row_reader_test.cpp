#include <catch2/catch.hpp>

#include "process/row_reader.hpp"

using namespace eq;
using process::RowReader;

namespace {

std::vector<Uuid> ids(std::size_t n) {
    std::vector<Uuid> v;
    for (std::size_t i = 0; i < n; ++i) {
        v.push_back(Uuid::random());
    }
    return v;
}

queue::ClaimedRow row(const Uuid& id) {
    queue::ClaimedRow r;
    r.item.id = id;
    return r;
}

} // namespace

TEST_CASE("claimed rows are read a chunk at a time, in send order", "[batch][rows]") {
    const auto claimed = ids(250);
    std::vector<std::size_t> loads;
    RowReader reader(claimed, [&](const std::vector<Uuid>& chunk) {
        loads.push_back(chunk.size());
        std::vector<queue::ClaimedRow> rows;
        for (const auto& id : chunk) {
            rows.push_back(row(id));
        }
        return rows;
    });
    std::vector<Uuid> read;
    while (auto r = reader.next()) {
        read.push_back(r->item.id);
        if (read.size() == 150) {
            // Half of the second chunk is read: the rest of it and the third are not.
            const auto unread = reader.unread();
            REQUIRE(unread.size() == 100);
            CHECK(unread.front() == claimed[150]);
        }
    }
    CHECK(read == claimed);
    CHECK(loads == std::vector<std::size_t>{100, 100, 50});
    CHECK(reader.unread().empty());
    CHECK(reader.rest_of(claimed[240]).size() == 10);
}

TEST_CASE("rows gone from the database are passed over", "[batch][rows]") {
    const auto claimed = ids(150);
    RowReader reader(claimed, [&](const std::vector<Uuid>& chunk) {
        std::vector<queue::ClaimedRow> rows;
        if (chunk.front() != claimed.front()) { // the whole first chunk is gone
            rows.push_back(row(chunk.back()));
        }
        return rows;
    });
    const auto first = reader.next();
    REQUIRE(first);
    CHECK(first->item.id == claimed.back());
    CHECK_FALSE(reader.next());
}
