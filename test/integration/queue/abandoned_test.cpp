#include <catch2/catch.hpp>

#include "queue/abandoned.hpp"
#include "queue/lease.hpp"
#include "support/run_fixture.hpp"

using namespace eq;
using namespace eq::test;
using namespace std::chrono;

TEST_CASE("a run's abandoned rows go back to pending, or held once their send started", "[lease]") {
    RunFixture f;
    for (const char* email : {"a@x.example", "b@x.example", "c@x.example"}) {
        f.queue(email);
    }
    std::vector<Uuid> ids;
    {
        db::Transaction tx(f.conn);
        queue::lock_company(f.conn, f.company);
        ids = queue::claim_rows(f.conn, f.company, 2, "w1", minutes(10));
        tx.commit();
    }
    REQUIRE(ids.size() == 2);
    REQUIRE(
        queue::start_send(f.conn, ids[1], "w1", "<m@x.example>", "lead@x.example", minutes(10)));
    const auto status = [&](const Uuid& id) {
        return f.db.scalar("SELECT status FROM email_queue WHERE id = " + id_literal(id));
    };
    // Another run's rows are not this run's to give back.
    CHECK(queue::recover_abandoned(f.conn, "w2") == 0);
    CHECK(status(ids[0]) == "processing");

    CHECK(queue::recover_abandoned(f.conn, "w1") == 2);
    CHECK(status(ids[0]) == "pending");
    CHECK(f.db.scalar("SELECT claimed_by IS NULL FROM email_queue WHERE id = " +
                      id_literal(ids[0])) == "t");
    CHECK(status(ids[1]) == "held");
    CHECK(f.db.scalar("SELECT error_message FROM email_queue WHERE id = " + id_literal(ids[1]))
              .starts_with("outcome unknown"));
    CHECK(f.db.scalar("SELECT processed_at = send_started_at FROM email_queue WHERE id = " +
                      id_literal(ids[1])) == "t");
    CHECK(f.db.rows_with_status("processing") == 0);
}
