#include "process/row_reader.hpp"

#include <algorithm>

namespace eq::process {

std::optional<queue::ClaimedRow> RowReader::next() {
    if (m_chunk_pos == m_chunk.size()) {
        if (m_next_start == m_ids.size()) {
            return std::nullopt;
        }
        const auto end = std::min(m_ids.size(), m_next_start + k_chunk);
        const std::vector<Uuid> chunk(m_ids.begin() + static_cast<std::ptrdiff_t>(m_next_start),
                                      m_ids.begin() + static_cast<std::ptrdiff_t>(end));
        m_next_start = end;
        m_chunk = m_load(chunk);
        m_chunk_pos = 0;
        if (m_chunk.empty()) {
            return next();
        }
    }
    return std::move(m_chunk[m_chunk_pos++]);
}

std::vector<Uuid> RowReader::unread() const {
    if (m_chunk_pos < m_chunk.size()) {
        return rest_of(m_chunk[m_chunk_pos].item.id);
    }
    return {m_ids.begin() + static_cast<std::ptrdiff_t>(m_next_start), m_ids.end()};
}

std::vector<Uuid> RowReader::rest_of(const Uuid& from) const {
    const auto it = std::find(m_ids.begin(), m_ids.end(), from);
    return {it, m_ids.end()};
}

} // namespace eq::process
