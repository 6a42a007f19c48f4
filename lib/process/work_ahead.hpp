#pragma once

#include <optional>
#include <utility>

namespace eq::process {

// The rows a sending batch has in hand, and how far each is: the state of its working
// ahead. `T` is the batch's prepared row (the unit tests use plain numbers).
//
//   current  marked (its send-started mark committed) and about to be sent
//   next     built; its mark may be on its way to the database (next_in_flight())
//   after    built during current's turn, once the server has answered; its mark may be
//            on its way (after_in_flight())
//
// One turn of the batch: mark_next_first() -> (build next) -> next_marked_ahead();
// send current; look_after() -> after_built(); read next's mark back; then move() says
// how the next turn starts and advance(), take_after() or take_candidate() with
// restart() carry it out. At most two marks are on their way at a time (next's and
// after's). The state type decides; the batch does the database and SMTP work.
template <class T> class WorkAhead {
public:
    // How the next turn starts.
    enum class Move {
        next_up,   // next's mark took: next becomes current, after becomes next
        after_up,  // next's mark did not take and after's is on its way: after's mark
                   // decides (take_after(), restart())
        find_next, // no mark to read: the next row that takes a mark, starting with the
                   // row already built (take_candidate(), restart())
    };

    explicit WorkAhead(std::optional<T> first) : m_current(std::move(first)) {}

    T* current() { return m_current ? &*m_current : nullptr; }
    T* next() { return m_next ? &*m_next : nullptr; }
    T* after() { return m_after ? &*m_after : nullptr; }
    bool next_in_flight() const { return m_next_sent; }
    bool after_in_flight() const { return m_after_sent; }

    // Before current's dialogue: whether next's mark goes out first (with the outcomes
    // waiting), so that the database writes while the SMTP server works. Only to a
    // server that answered the last message quickly, and never in a paced batch (its
    // marks wait for their slots).
    bool mark_next_first(bool quick, bool paced) const { return !m_next_sent && quick && !paced; }

    void next_built(std::optional<T> next) { m_next = std::move(next); }
    void next_marked_ahead(bool sent) { m_next_sent = sent; }

    // After current's dialogue: whether the row after next is built (and its mark sent
    // with current's outcome, before next's mark is read back). Only when next's mark is
    // on its way and the batch goes on.
    bool look_after(bool going_on) const { return m_next_sent && going_on; }

    void after_built(std::optional<T> after, bool sent) {
        m_after = std::move(after);
        m_after_sent = m_after && sent;
    }

    // On a stop: the first row built and not sent (its rest of the batch goes back).
    const T* first_unsent() const { return m_next ? &*m_next : m_after ? &*m_after : nullptr; }

    // Given whether next's mark took.
    Move move(bool next_took) const {
        if (next_took) {
            return Move::next_up;
        }
        return m_after_sent ? Move::after_up : Move::find_next;
    }

    // Move::next_up.
    void advance() {
        m_current = std::move(m_next);
        m_next = std::move(m_after);
        m_next_sent = m_after_sent;
        m_after.reset();
        m_after_sent = false;
    }

    // Move::after_up: the row whose mark decides.
    std::optional<T> take_after() { return take(m_after); }

    // Move::find_next: the row built and not marked (after when next's mark was on its
    // way, else next), to try first.
    std::optional<T> take_candidate() { return m_next_sent ? take(m_after) : take(m_next); }

    // The next turn starts with `current` (nothing: the batch is done).
    void restart(std::optional<T> current) {
        m_current = std::move(current);
        m_next.reset();
        m_after.reset();
        m_next_sent = false;
        m_after_sent = false;
    }

private:
    static std::optional<T> take(std::optional<T>& slot) {
        auto taken = std::move(slot);
        slot.reset();
        return taken;
    }

    std::optional<T> m_current;
    std::optional<T> m_next;
    std::optional<T> m_after;
    bool m_next_sent = false;
    bool m_after_sent = false;
};

} // namespace eq::process
