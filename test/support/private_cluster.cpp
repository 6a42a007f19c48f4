#include "support/private_cluster.hpp"

#include <stdexcept>

#include "support/process.hpp"

namespace eq::test {

namespace {

const std::string k_script = std::string(EQ_SOURCE_DIR) + "/test/support/pg-cluster.sh";

} // namespace

PrivateCluster::PrivateCluster() {
    script({"start", m_dir.path(), EQ_BIN_DIR});
    m_server = read_pg_env(m_dir.path() + "/env");
}

PrivateCluster::~PrivateCluster() {
    try {
        script({"remove", m_dir.path()});
    } catch (...) {
    }
}

void PrivateCluster::stop() {
    script({"stop", m_dir.path()});
}

void PrivateCluster::restart() {
    script({"restart", m_dir.path()});
}

void PrivateCluster::script(const std::vector<std::string>& args) const {
    std::vector<std::string> argv{"/bin/bash", k_script};
    argv.insert(argv.end(), args.begin(), args.end());
    RunOptions options;
    options.timeout = std::chrono::seconds(120);
    const auto r = run_process(argv, options);
    if (r.exit_code != 0) {
        throw std::runtime_error("pg-cluster.sh " + args.front() + " failed: " + r.out + r.err);
    }
}

} // namespace eq::test
