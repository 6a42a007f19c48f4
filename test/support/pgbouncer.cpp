#include "support/pgbouncer.hpp"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

namespace eq::test {

namespace {

constexpr const char* k_pgbouncer = "/usr/sbin/pgbouncer";

} // namespace

PgBouncer::PgBouncer(const PgServer& server, const std::vector<std::string>& users)
    : PgBouncer(server, users, Options{}) {}

PgBouncer::PgBouncer(const PgServer& server, const std::vector<std::string>& users,
                     Options options) {
    if (::access(k_pgbouncer, X_OK) != 0) {
        throw std::runtime_error("no /usr/sbin/pgbouncer: apt-get install pgbouncer");
    }
    // Read by the 'postgres' user when run as root: nothing here is secret.
    ::chmod(m_dir.path().c_str(), 0755);
    std::string userlist;
    for (const auto& user : users) {
        userlist += fmt::format("\"{}\" \"\"\n", user);
    }
    const auto auth_file = m_dir.write("userlist.txt", userlist, 0644);
    const auto log_path = m_dir.file("pgbouncer.log");
    m_port = start_on_free_port([&](int port) {
        const auto ini =
            m_dir.write(fmt::format("pgbouncer-{}.ini", port),
                        fmt::format("[databases]\n"
                                    "* = host={} port={}\n"
                                    "[pgbouncer]\n"
                                    "listen_addr = 127.0.0.1\n"
                                    "listen_port = {}\n"
                                    "unix_socket_dir =\n"
                                    "auth_type = trust\n"
                                    "auth_file = {}\n"
                                    "pool_mode = {}\n"
                                    "default_pool_size = {}\n"
                                    "max_client_conn = 1000\n"
                                    "ignore_startup_parameters = extra_float_digits\n"
                                    "{}",
                                    server.host, server.port, port, auth_file, options.pool_mode,
                                    options.pool_size, ::geteuid() == 0 ? "user = postgres\n" : ""),
                        0644);
        m_process = std::make_unique<BackgroundProcess>(std::vector<std::string>{k_pgbouncer, ini},
                                                        log_path);
        auto& process = *m_process;
        return wait_until_ready(
            process, log_path, [&] { return listens(process.pid(), port); }, "pgbouncer");
    });
}

std::string PgBouncer::url(const std::string& database, const std::string& user) const {
    return fmt::format("postgresql://{}@127.0.0.1:{}/{}", user, m_port, database);
}

std::string PgBouncer::log() const {
    return read_log(m_dir.file("pgbouncer.log"));
}

} // namespace eq::test
