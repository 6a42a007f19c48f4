#include <catch2/catch.hpp>

#include "process/work_ahead.hpp"

using eq::process::WorkAhead;
using Work = WorkAhead<int>;

TEST_CASE("to a quick server the next mark goes out before the dialogue and the one after "
          "with the outcome",
          "[batch][work-ahead]") {
    Work work(1);
    REQUIRE(*work.current() == 1);
    REQUIRE(work.mark_next_first(true, false));
    work.next_built(2);
    work.next_marked_ahead(true);
    REQUIRE(work.look_after(true));
    work.after_built(3, true);
    CHECK(work.after_in_flight());
    REQUIRE(work.move(true) == Work::Move::next_up);
    work.advance();
    CHECK(*work.current() == 2);
    CHECK(*work.next() == 3);
    CHECK(work.next_in_flight());
    CHECK(work.after() == nullptr);
    CHECK_FALSE(work.after_in_flight());
    // next's mark is already on its way: nothing goes out before this dialogue.
    CHECK_FALSE(work.mark_next_first(true, false));
    CHECK(work.look_after(true));
}

TEST_CASE("a slow server's batch marks one row at a time", "[batch][work-ahead]") {
    Work work(1);
    CHECK_FALSE(work.mark_next_first(false, false));
    CHECK_FALSE(work.look_after(true));
    REQUIRE(work.move(false) == Work::Move::find_next);
    CHECK_FALSE(work.take_candidate()); // nothing built: the next row is read
    work.restart(2);
    CHECK(*work.current() == 2);
    CHECK(work.next() == nullptr);
}

TEST_CASE("a paced batch never marks ahead", "[batch][work-ahead][pacing]") {
    Work work(1);
    CHECK_FALSE(work.mark_next_first(true, true));
}

TEST_CASE("a row built while the server was quick is marked once the server is quick again",
          "[batch][work-ahead]") {
    Work work(1);
    work.next_built(2);
    work.next_marked_ahead(true);
    work.after_built(3, false); // the server was slow this time: 3 is built, not marked
    CHECK_FALSE(work.after_in_flight());
    work.advance();
    CHECK(*work.current() == 2);
    CHECK(*work.next() == 3);
    CHECK_FALSE(work.next_in_flight());
    CHECK(work.mark_next_first(true, false)); // 3's mark goes out now
    CHECK_FALSE(work.look_after(true));
}

TEST_CASE("when the next row's mark does not take, the one after it may", "[batch][work-ahead]") {
    Work work(1);
    work.next_built(2);
    work.next_marked_ahead(true);
    work.after_built(3, true);

    SECTION("after's mark is on its way: it decides") {
        REQUIRE(work.move(false) == Work::Move::after_up);
        CHECK(work.take_after() == 3);
        work.restart(3);
        CHECK(*work.current() == 3);
        CHECK(work.next() == nullptr);
        CHECK_FALSE(work.next_in_flight());
    }
}

TEST_CASE("a row built and not marked is the first tried when the next mark does not take",
          "[batch][work-ahead]") {
    SECTION("after, when next's mark was on its way") {
        Work work(1);
        work.next_built(2);
        work.next_marked_ahead(true);
        work.after_built(3, false);
        REQUIRE(work.move(false) == Work::Move::find_next);
        CHECK(work.take_candidate() == 3);
    }
    SECTION("next, when its mark was not sent") {
        Work work(1);
        work.next_built(2);
        work.next_marked_ahead(false);
        REQUIRE(work.move(false) == Work::Move::find_next);
        CHECK(work.take_candidate() == 2);
    }
    SECTION("nothing left ends the batch") {
        Work work(1);
        work.restart(std::nullopt);
        CHECK(work.current() == nullptr);
    }
}

TEST_CASE("a held company builds nothing after its row", "[batch][work-ahead]") {
    Work work(1);
    work.next_built(2);
    work.next_marked_ahead(true);
    CHECK_FALSE(work.look_after(false));
}

TEST_CASE("a stop gives back the rows from the first built and not sent",
          "[batch][work-ahead][stop]") {
    Work work(1);
    CHECK(work.first_unsent() == nullptr); // the unread rows go back
    work.next_built(2);
    work.next_marked_ahead(true);
    work.after_built(3, true);
    REQUIRE(work.first_unsent() != nullptr);
    CHECK(*work.first_unsent() == 2); // marked ahead rows included
}
