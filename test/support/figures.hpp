#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace eq::test {

// What a reliability test proved, for the table in docs/reliability.md. A test adds its
// figures as it goes and calls write() once every check has passed; the file goes to
// build/reliability/<suite>/<test name>.tsv ("metric<TAB>value" lines), and
// `make reliability` adds up every file into the table
// (test/support/reliability-report.py). Metrics named max_* are combined by maximum,
// all others by sum.
class Figures {
public:
    explicit Figures(std::string suite);

    void add(const std::string& metric, std::int64_t value = 1);
    void max(const std::string& metric, std::int64_t value);
    std::int64_t get(const std::string& metric) const;

    // Writes the file (replacing the one an earlier run of the same test wrote).
    void write() const;

private:
    std::string m_suite;
    std::map<std::string, std::int64_t> m_values;
};

} // namespace eq::test
