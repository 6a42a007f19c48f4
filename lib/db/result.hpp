#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/time.hpp"
#include "util/uuid.hpp"

struct pg_result;

namespace eq::db {

class Result;

// One row of a Result; valid while the Result lives. Every accessor names the column,
// and a missing column or an unexpected NULL throws with the statement's name.
class Row {
public:
    Row(const Result& result, int index) : m_result(&result), m_index(index) {}

    bool is_null(std::string_view column) const;
    std::optional<std::string_view> get(std::string_view column) const;

    std::string text(std::string_view column) const;
    std::optional<std::string> opt_text(std::string_view column) const;
    std::int64_t integer(std::string_view column) const;
    std::optional<std::int64_t> opt_integer(std::string_view column) const;
    double number(std::string_view column) const;
    bool boolean(std::string_view column) const;
    Timestamp time(std::string_view column) const;
    std::optional<Timestamp> opt_time(std::string_view column) const;
    Uuid uuid(std::string_view column) const;
    std::optional<Uuid> opt_uuid(std::string_view column) const;

private:
    std::string_view required(std::string_view column) const;
    const Result* m_result;
    int m_index;
};

// Owns a PGresult. Move-only.
class Result {
public:
    Result() = default;
    Result(pg_result* result, std::string statement);
    Result(Result&& other) noexcept;
    Result& operator=(Result&& other) noexcept;
    Result(const Result&) = delete;
    Result& operator=(const Result&) = delete;
    ~Result();

    int rows() const;
    bool empty() const { return rows() == 0; }
    Row row(int i) const { return Row(*this, i); }
    // The only row of a result that has exactly one (what Shape::one guarantees).
    Row only() const;
    // Rows changed by an INSERT, UPDATE or DELETE.
    std::int64_t affected() const;

    int column(std::string_view name) const; // throws when absent
    const std::string& statement() const { return m_statement; }
    pg_result* handle() const { return m_result; }

    class Iterator {
    public:
        Iterator(const Result* r, int i) : m_r(r), m_i(i) {}
        Row operator*() const { return Row(*m_r, m_i); }
        Iterator& operator++() {
            ++m_i;
            return *this;
        }
        bool operator!=(const Iterator& o) const { return m_i != o.m_i; }

    private:
        const Result* m_r;
        int m_i;
    };
    Iterator begin() const { return Iterator(this, 0); }
    Iterator end() const { return Iterator(this, rows()); }

private:
    pg_result* m_result = nullptr;
    std::string m_statement;
};

} // namespace eq::db
