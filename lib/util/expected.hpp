#pragma once

#include <string>
#include <utility>
#include <variant>

namespace eq {

// The error half of Expected: a message written for an operator.
struct Failure {
    std::string message;
};

// Value-or-error for low-level code that must not throw (parsers, validators).
// Commands turn a Failure into an eq::Error with the right exit code.
template <class T> class Expected {
public:
    Expected(T value) : m_v(std::move(value)) {}
    Expected(Failure failure) : m_v(std::move(failure)) {}

    bool ok() const { return m_v.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<0>(m_v); }
    const T& value() const& { return std::get<0>(m_v); }
    T&& value() && { return std::get<0>(std::move(m_v)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const std::string& error() const { return std::get<1>(m_v).message; }

private:
    std::variant<T, Failure> m_v;
};

inline Failure fail(std::string message) {
    return Failure{std::move(message)};
}

} // namespace eq
