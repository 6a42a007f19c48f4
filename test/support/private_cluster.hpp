#pragma once

#include "support/temp_dir.hpp"
#include "support/test_database.hpp"

namespace eq::test {

// A PostgreSQL cluster of one test's own (test/support/pg-cluster.sh in a folder of its
// own, with eq_template migrated), for tests that stop or restart the server: the shared
// cluster serves every other test at the same time and is never restarted. Starting one
// takes a few seconds. Removed, data and all, when destroyed.
//
//     PrivateCluster cluster;
//     ProcessFixture f(cluster.server());
//     cluster.restart();   // an immediate shutdown, then the same port again
class PrivateCluster {
public:
    PrivateCluster();
    PrivateCluster(const PrivateCluster&) = delete;
    PrivateCluster& operator=(const PrivateCluster&) = delete;
    ~PrivateCluster();

    const PgServer& server() const { return m_server; }
    // Immediate shutdown: every connection is cut, as in a crash of the server.
    void stop();
    // Starts it again on the same port (stopping it immediately first when running).
    void restart();

private:
    void script(const std::vector<std::string>& args) const;

    TempDir m_dir;
    PgServer m_server;
};

} // namespace eq::test
