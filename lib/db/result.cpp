#include "db/result.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <charconv>
#include <cstdlib>

#include "util/error.hpp"

namespace eq::db {

Result::Result(pg_result* result, std::string statement)
    : m_result(result), m_statement(std::move(statement)) {}

Result::Result(Result&& other) noexcept
    : m_result(other.m_result), m_statement(std::move(other.m_statement)) {
    other.m_result = nullptr;
}

Result& Result::operator=(Result&& other) noexcept {
    if (this != &other) {
        if (m_result != nullptr) {
            PQclear(m_result);
        }
        m_result = other.m_result;
        m_statement = std::move(other.m_statement);
        other.m_result = nullptr;
    }
    return *this;
}

Result::~Result() {
    if (m_result != nullptr) {
        PQclear(m_result);
    }
}

int Result::rows() const {
    return m_result == nullptr ? 0 : PQntuples(m_result);
}

Row Result::only() const {
    if (rows() != 1) {
        throw Error(ExitCode::internal,
                    fmt::format("statement '{}' returned {} rows where one was expected",
                                m_statement, rows()));
    }
    return Row(*this, 0);
}

std::int64_t Result::affected() const {
    const char* n = m_result == nullptr ? "" : PQcmdTuples(m_result);
    return *n == '\0' ? 0 : std::strtoll(n, nullptr, 10);
}

int Result::column(std::string_view name) const {
    const int c = m_result == nullptr ? -1 : PQfnumber(m_result, std::string(name).c_str());
    if (c < 0) {
        throw Error(ExitCode::internal,
                    fmt::format("statement '{}' has no column '{}'", m_statement, name));
    }
    return c;
}

bool Row::is_null(std::string_view column) const {
    return PQgetisnull(m_result->handle(), m_index, m_result->column(column)) != 0;
}

std::optional<std::string_view> Row::get(std::string_view column) const {
    const int c = m_result->column(column);
    if (PQgetisnull(m_result->handle(), m_index, c) != 0) {
        return std::nullopt;
    }
    return std::string_view(PQgetvalue(m_result->handle(), m_index, c),
                            static_cast<std::size_t>(PQgetlength(m_result->handle(), m_index, c)));
}

std::string_view Row::required(std::string_view column) const {
    const auto v = get(column);
    if (!v) {
        throw Error(ExitCode::internal, fmt::format("statement '{}': column '{}' is NULL",
                                                    m_result->statement(), column));
    }
    return *v;
}

std::string Row::text(std::string_view column) const {
    return std::string(required(column));
}

std::optional<std::string> Row::opt_text(std::string_view column) const {
    const auto v = get(column);
    return v ? std::optional<std::string>(std::string(*v)) : std::nullopt;
}

std::int64_t Row::integer(std::string_view column) const {
    const auto v = required(column);
    std::int64_t out = 0;
    const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (ec != std::errc() || ptr != v.data() + v.size()) {
        throw Error(ExitCode::internal,
                    fmt::format("statement '{}': column '{}' is not an integer: '{}'",
                                m_result->statement(), column, v));
    }
    return out;
}

std::optional<std::int64_t> Row::opt_integer(std::string_view column) const {
    return is_null(column) ? std::nullopt : std::optional<std::int64_t>(integer(column));
}

double Row::number(std::string_view column) const {
    return std::strtod(std::string(required(column)).c_str(), nullptr);
}

bool Row::boolean(std::string_view column) const {
    const auto v = required(column);
    return v == "t" || v == "true";
}

Timestamp Row::time(std::string_view column) const {
    const auto v = required(column);
    auto parsed = parse_timestamp(v);
    if (!parsed) {
        throw Error(ExitCode::internal, fmt::format("statement '{}': column '{}': {}",
                                                    m_result->statement(), column, parsed.error()));
    }
    return *parsed;
}

std::optional<Timestamp> Row::opt_time(std::string_view column) const {
    return is_null(column) ? std::nullopt : std::optional<Timestamp>(time(column));
}

Uuid Row::uuid(std::string_view column) const {
    auto parsed = Uuid::parse(required(column));
    if (!parsed) {
        throw Error(ExitCode::internal, fmt::format("statement '{}': column '{}': {}",
                                                    m_result->statement(), column, parsed.error()));
    }
    return *parsed;
}

std::optional<Uuid> Row::opt_uuid(std::string_view column) const {
    return is_null(column) ? std::nullopt : std::optional<Uuid>(uuid(column));
}

} // namespace eq::db
