#pragma once

#include <string>

#include "support/test_database.hpp"

namespace eq::test {

// A login role of one test's own, holding exactly the grants of sql/roles/queue-process.sql
// on the test's database (the file's role name replaced by this one), so queue-process
// runs with the least privileges the documentation promises. Dropped with the test;
// declare it after the TestDatabase it belongs to.
class WorkerRole {
public:
    explicit WorkerRole(const TestDatabase& db,
                        const std::string& grants_file = k_default_grants_file);
    WorkerRole(const WorkerRole&) = delete;
    WorkerRole& operator=(const WorkerRole&) = delete;
    ~WorkerRole();

    static constexpr const char* k_default_grants_file = "sql/roles/queue-process.sql";
    // The role name the grants file uses.
    static constexpr const char* k_file_role = "emailqueue_worker";

    const std::string& name() const { return m_name; }
    // The test database's URL, logging in as this role.
    std::string url() const;

private:
    const TestDatabase& m_db;
    std::string m_name;
};

} // namespace eq::test
