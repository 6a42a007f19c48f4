#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <vector>

#include "queue/claimed_row.hpp"
#include "util/uuid.hpp"

namespace eq::process {

// The claimed rows of a batch, in send order, read from the database a chunk at a time
// so a large batch never sits in memory.
class RowReader {
public:
    // Reads the rows with these ids (queue::load_claimed_rows() on a connection).
    using Load = std::function<std::vector<queue::ClaimedRow>(const std::vector<Uuid>&)>;

    static constexpr std::size_t k_chunk = 100;

    RowReader(std::vector<Uuid> ids, Load load) : m_ids(std::move(ids)), m_load(std::move(load)) {}

    const std::vector<Uuid>& ids() const { return m_ids; }

    // The next row (rows gone from the database are passed over); nothing when none is
    // left.
    std::optional<queue::ClaimedRow> next();

    // The claimed ids not yet read (given back when the batch stops).
    std::vector<Uuid> unread() const;

    // The claimed ids from `from` on (the row in hand and those after it).
    std::vector<Uuid> rest_of(const Uuid& from) const;

private:
    std::vector<Uuid> m_ids;
    Load m_load;
    std::vector<queue::ClaimedRow> m_chunk; // read, from m_chunk_pos on still to go
    std::size_t m_chunk_pos = 0;
    std::size_t m_next_start = 0; // where the next chunk starts in m_ids
};

} // namespace eq::process
