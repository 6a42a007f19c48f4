#pragma once

#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "db/connection.hpp"
#include "db/pool.hpp"
#include "util/uuid.hpp"

namespace eq::queue {

// Writes a batch's row outcomes without making the batch wait for them: the pipelining
// between a sending loop and the database.
//
// An outcome (a queue/outcome.hpp call and what to do once it is applied) waits with
// defer() until the next database step of the batch, usually the next row's
// send-started mark (send_ahead()): each outcome goes in one transaction of its own,
// the last of them together with the mark, all sent on one held connection without
// waiting for the answers. settle() reads them back; read_mark() reads back up to a
// given row's mark. So a crash meanwhile leaves a delivered row 'processing' with its
// send started: recovered as held, never lost or resent.
//
// One outcome a transaction: record_sent locks its campaign run's row and then the
// company's; two in one transaction could lock two runs' rows in the order opposite to
// another invocation's, and deadlock. A sent outcome and a mark, the common case, go as
// one statement (queue::sent_with_mark()).
//
// A transaction that fails with the connection still good (at COMMIT, say, by a
// deferred constraint) wrote nothing: its row's mark is answered with an empty result
// and take_unmarked() gives the reason, and its outcomes are written again with the
// next step, once. Any other failure (a lost connection, a pooler's answer, outcomes
// failing twice, a transaction without a mark) drops the held connection and whatever
// was on it, and is thrown.
//
// Not thread-safe: one writer per batch.
class OutcomeWriter {
public:
    // `before_applied` runs once the outcomes of a transaction are committed, before
    // their on_applied (the crash suite's "recorded" point).
    explicit OutcomeWriter(db::Pool& pool, std::function<void()> before_applied = {});

    // An outcome to write with the next step; `on_applied` runs once it is committed
    // and applied (queue::applied()).
    void defer(db::Call call, std::function<void()> on_applied);

    // Sends the outcomes waiting and `mark`, the send-started mark of `row`, not waiting
    // for them. The caller keeps at most two marks on their way at a time.
    void send_ahead(db::Call mark, const Uuid& row);

    // The result of `row`'s mark sent by send_ahead(), read back if need be (an empty
    // result when its transaction failed: take_unmarked()). Throws when no mark of the
    // row is on its way.
    db::Result read_mark(const Uuid& row);

    // Reads back everything sent; the held connection goes back to the pool.
    void settle();

    // Writes the outcomes waiting, in one round trip (and those a failed mark put back
    // in one more), and reads everything back.
    void flush();

    // Why `row`'s mark did not commit, once (the row is then not to be sent); nothing
    // when its transaction committed.
    std::optional<std::string> take_unmarked(const Uuid& row);

private:
    struct Deferred {
        db::Call call;
        std::function<void()> on_applied;
        bool again = false; // its transaction failed once (unmarked())
    };
    // Sent on the held connection, not read yet: outcomes, then a mark.
    struct Flight {
        std::vector<Deferred> outcomes;
        std::vector<db::Call> calls;
        std::optional<Uuid> marked; // the row whose mark ends the calls, if any
        bool shared = false;        // the outcome and the mark are one call (one result)
    };

    void send_outcomes(std::optional<db::Call> mark, std::optional<Uuid> marked);
    void settle_one();
    bool unmarked(Flight flight, const db::DbError& e);
    void recorded(const std::vector<Deferred>& outcomes,
                  const std::vector<db::Result>& results) const;
    static std::vector<db::Call> calls_of(const std::vector<Deferred>& outcomes);

    db::Pool& m_pool;
    std::function<void()> m_before_applied;
    std::vector<Deferred> m_deferred;
    std::deque<Flight> m_flights;
    std::optional<db::Pool::Lease> m_held;
    // Marks read back and not yet taken by read_mark(): row, result.
    std::vector<std::pair<Uuid, db::Result>> m_marks;
    // Rows whose mark failed, until take_unmarked(): row, reason.
    std::vector<std::pair<Uuid, std::string>> m_unmarked;
};

} // namespace eq::queue
