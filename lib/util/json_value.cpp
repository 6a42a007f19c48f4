// The JSON value type: numbers, and objects that keep insertion order with an index for
// lookup. The contract is in util/json.hpp.

#include "util/json.hpp"

namespace eq {

Json::Json(Object o) : m_v(Members{}) {
    for (auto& [key, value] : o) {
        set(std::move(key), std::move(value));
    }
}

std::int64_t Json::as_int() const {
    if (m_v.index() == 3) {
        return static_cast<std::int64_t>(std::get<double>(m_v));
    }
    return std::get<std::int64_t>(m_v);
}

double Json::as_double() const {
    if (m_v.index() == 2) {
        return static_cast<double>(std::get<std::int64_t>(m_v));
    }
    return std::get<double>(m_v);
}

std::size_t Json::Members::place_of(std::string_view key) const {
    if (!m_index.empty()) {
        const auto it = m_index.find(key);
        return it == m_index.end() ? k_absent : it->second;
    }
    for (std::size_t i = 0; i < m_items.size(); ++i) {
        if (m_items[i].first == key) {
            return i;
        }
    }
    return k_absent;
}

Json& Json::Members::append(std::string key, Json value) {
    m_items.emplace_back(std::move(key), std::move(value));
    if (!m_index.empty()) {
        m_index.emplace(m_items.back().first, m_items.size() - 1);
    } else if (m_items.size() > k_indexed_from) {
        m_index.reserve(m_items.size() * 2);
        for (std::size_t i = 0; i < m_items.size(); ++i) {
            m_index.emplace(m_items[i].first, i);
        }
    }
    return m_items.back().second;
}

Json& Json::set(std::string key, Json value) {
    auto& members = std::get<Members>(m_v);
    const auto place = members.place_of(key);
    if (place == Members::k_absent) {
        return members.append(std::move(key), std::move(value));
    }
    Json& present = members.value_at(place);
    present = std::move(value);
    return present;
}

bool Json::insert(std::string key, Json value) {
    auto& members = std::get<Members>(m_v);
    if (members.place_of(key) != Members::k_absent) {
        return false;
    }
    members.append(std::move(key), std::move(value));
    return true;
}

const Json* Json::find(std::string_view key) const {
    if (!is_object()) {
        return nullptr;
    }
    const auto& members = std::get<Members>(m_v);
    const auto place = members.place_of(key);
    return place == Members::k_absent ? nullptr : &members.items()[place].second;
}

Json& Json::push(Json value) {
    auto& arr = std::get<Array>(m_v);
    arr.push_back(std::move(value));
    return arr.back();
}

} // namespace eq
