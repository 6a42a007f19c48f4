#include "queue/outcome_writer.hpp"

#include <algorithm>
#include <iterator>

#include "queue/outcome.hpp"
#include "util/error.hpp"

namespace eq::queue {

OutcomeWriter::OutcomeWriter(db::Pool& pool, std::function<void()> before_applied)
    : m_pool(pool), m_before_applied(std::move(before_applied)) {}

void OutcomeWriter::defer(db::Call call, std::function<void()> on_applied) {
    m_deferred.push_back({std::move(call), std::move(on_applied)});
}

void OutcomeWriter::send_ahead(db::Call mark, const Uuid& row) {
    send_outcomes(std::move(mark), row);
}

db::Result OutcomeWriter::read_mark(const Uuid& row) {
    while (true) {
        const auto it = std::find_if(m_marks.begin(), m_marks.end(),
                                     [&](const auto& mark) { return mark.first == row; });
        if (it != m_marks.end()) {
            auto result = std::move(it->second);
            m_marks.erase(it);
            return result;
        }
        if (m_flights.empty()) {
            throw Error(ExitCode::internal, "queue-process: a row's send-started mark was lost");
        }
        settle_one();
    }
}

void OutcomeWriter::settle() {
    while (!m_flights.empty()) {
        settle_one();
    }
}

void OutcomeWriter::flush() {
    do {
        if (!m_deferred.empty()) {
            send_outcomes(std::nullopt, std::nullopt);
        }
        settle();
    } while (!m_deferred.empty());
}

std::optional<std::string> OutcomeWriter::take_unmarked(const Uuid& row) {
    const auto it = std::find_if(m_unmarked.begin(), m_unmarked.end(),
                                 [&](const auto& u) { return u.first == row; });
    if (it == m_unmarked.end()) {
        return std::nullopt;
    }
    auto reason = std::move(it->second);
    m_unmarked.erase(it);
    return reason;
}

void OutcomeWriter::send_outcomes(std::optional<db::Call> mark, std::optional<Uuid> marked) {
    if (!m_held) {
        m_held.emplace(m_pool.acquire());
    }
    auto outcomes = std::move(m_deferred);
    m_deferred.clear();
    const std::size_t count = std::max<std::size_t>(outcomes.size(), mark ? 1 : 0);
    for (std::size_t i = 0; i < count; ++i) {
        Flight flight;
        if (i < outcomes.size()) {
            flight.outcomes.push_back(std::move(outcomes[i]));
        }
        flight.calls = calls_of(flight.outcomes);
        if (i + 1 == count && mark) {
            flight.marked = marked;
            // A sent outcome and the mark, the common case, go as one statement.
            auto shared = flight.calls.size() == 1
                              ? queue::sent_with_mark(flight.calls.front(), *mark)
                              : std::nullopt;
            if (shared) {
                flight.calls = {std::move(*shared)};
                flight.shared = true;
            } else {
                flight.calls.push_back(std::move(*mark));
            }
        }
        (*m_held)->send(flight.calls);
        m_flights.push_back(std::move(flight));
    }
}

// Reads back the oldest transaction sent; its mark's result is kept for read_mark().
// The connection goes back to the pool once none is left.
void OutcomeWriter::settle_one() {
    auto flight = std::move(m_flights.front());
    m_flights.pop_front();
    std::vector<db::Result> results;
    try {
        results = (*m_held)->collect(flight.calls);
    } catch (const db::DbError& e) {
        // A pooler between us and the server (prepared statements gone) is no row's
        // doing: the batch stops and its rows are given back.
        const bool pooler = dynamic_cast<const db::PoolModeError*>(&e) != nullptr;
        if (!(*m_held)->is_open() || pooler || !unmarked(std::move(flight), e)) {
            m_flights.clear();
            m_held.reset();
            throw;
        }
        if (m_flights.empty()) {
            m_held.reset();
        }
        return;
    } catch (...) {
        m_flights.clear(); // the connection, with whatever else was sent, is dropped
        m_held.reset();
        throw;
    }
    if (m_flights.empty()) {
        m_held.reset();
    }
    if (flight.shared) {
        recorded(flight.outcomes, results); // reads the result the mark's is part of
        m_marks.emplace_back(*flight.marked, std::move(results.back()));
        return;
    }
    if (flight.marked) {
        m_marks.emplace_back(*flight.marked, std::move(results.back()));
        results.pop_back();
    }
    recorded(flight.outcomes, results);
}

// A transaction that failed with the connection still good: none of it was written. Its
// row's mark did not take (take_unmarked()); its outcomes are written again with the next
// step, once. False when they failed before, or when the transaction had no mark to blame.
bool OutcomeWriter::unmarked(Flight flight, const db::DbError& e) {
    const auto failed_before = [](const Deferred& d) { return d.again; };
    if (!flight.marked ||
        std::any_of(flight.outcomes.begin(), flight.outcomes.end(), failed_before)) {
        return false;
    }
    for (auto& d : flight.outcomes) {
        d.again = true;
    }
    m_deferred.insert(m_deferred.begin(), std::make_move_iterator(flight.outcomes.begin()),
                      std::make_move_iterator(flight.outcomes.end()));
    m_unmarked.emplace_back(*flight.marked,
                            "the send-started mark did not commit: " + e.server_message());
    m_marks.emplace_back(*flight.marked, db::Result());
    return true;
}

// The outcomes are committed (`results` begin with theirs).
void OutcomeWriter::recorded(const std::vector<Deferred>& outcomes,
                             const std::vector<db::Result>& results) const {
    if (outcomes.empty()) {
        return;
    }
    if (m_before_applied) {
        m_before_applied();
    }
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
        if (queue::applied(results[i])) {
            outcomes[i].on_applied();
        }
    }
}

std::vector<db::Call> OutcomeWriter::calls_of(const std::vector<Deferred>& outcomes) {
    std::vector<db::Call> calls;
    calls.reserve(outcomes.size());
    for (const auto& d : outcomes) {
        calls.push_back(d.call);
    }
    return calls;
}

} // namespace eq::queue
