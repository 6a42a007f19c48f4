#pragma once

#include <map>
#include <string>
#include <vector>

#include "support/process.hpp"
#include "support/test_database.hpp"

namespace eq::test {

// Runs one of the built programs against a test database (DATABASE_URL set, no
// EMAILQUEUE_CONFIG, no PG* variables leaking in), with extra environment on top.
ProcessResult run_program(const std::string& program, const std::vector<std::string>& args,
                          const TestDatabase& db,
                          const std::map<std::string, std::string>& extra_env = {},
                          const std::string& stdin_text = {});

// Same, without a database: DATABASE_URL points at a closed port.
ProcessResult run_program_without_db(const std::string& program,
                                     const std::vector<std::string>& args,
                                     const std::map<std::string, std::string>& extra_env = {});

// Path of a file under test/integration/fixtures.
std::string fixture_path(const std::string& name);

} // namespace eq::test
