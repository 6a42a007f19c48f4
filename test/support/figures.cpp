#include "support/figures.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace eq::test {

Figures::Figures(std::string suite) : m_suite(std::move(suite)) {}

void Figures::add(const std::string& metric, std::int64_t value) {
    m_values[metric] += value;
}

void Figures::max(const std::string& metric, std::int64_t value) {
    auto& v = m_values[metric];
    v = std::max(v, value);
}

std::int64_t Figures::get(const std::string& metric) const {
    const auto it = m_values.find(metric);
    return it == m_values.end() ? 0 : it->second;
}

void Figures::write() const {
    std::string name = Catch::getResultCapture().getCurrentTestName();
    for (auto& c : name) {
        const bool keep =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        c = keep ? c : '-';
    }
    const auto dir = std::filesystem::path(EQ_BINARY_DIR) / "reliability" / m_suite;
    std::filesystem::create_directories(dir);
    std::ofstream out(dir / (name + ".tsv"), std::ios::trunc);
    for (const auto& [metric, value] : m_values) {
        out << metric << '\t' << value << '\n';
    }
    if (!out) {
        throw std::runtime_error("cannot write the figures of " + name);
    }
}

} // namespace eq::test
