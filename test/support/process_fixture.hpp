#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "db/connection.hpp"
#include "support/process.hpp"
#include "support/programs.hpp"
#include "support/seed_data.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"
#include "support/worker_role.hpp"
#include "util/uuid.hpp"

namespace eq::test {

// A database, a configuration file and the secrets for running queue-process against
// local SMTP servers. Companies send through providers named after them in the config.
// queue-process runs as `worker`, a role with only the grants of
// sql/roles/queue-process.sql; `conn` and `db` are the database's owner.
class SmtpSink;

class ProcessFixture {
public:
    static constexpr const char* k_encryption_key = "test-encryption-key";
    static constexpr const char* k_encryption_salt = "test-salt";
    static constexpr const char* k_account_password = "app-password";

    // What the database holds before emailqueue's migrations: nothing (emailqueue creates
    // every table), or the web application's own tables as it declares them
    // (test/integration/fixtures/reachgenie_schema.sql), migrated with queue-admin.
    enum class Base { emailqueue, web_application };

    // On the shared private cluster, or on another one (private_cluster.hpp).
    explicit ProcessFixture(const PgServer& server = pg_server(), Base base = Base::emailqueue);
    explicit ProcessFixture(Base base) : ProcessFixture(pg_server(), base) {}
    // The set-up most process tests share: provider "sink" is this smtp-sink.
    explicit ProcessFixture(const SmtpSink& sink);

    TestDatabase db;
    WorkerRole worker;
    db::Connection conn;
    TempDir dir;

    // Adds a provider (plain SMTP on 127.0.0.1:port) to the config file.
    void add_provider(const std::string& name, int port);
    // Adds a provider with its own security, verification and CA file.
    void add_provider(const std::string& name, const config::Provider& provider);
    // Sets a processing.* (or any) key: the file is rewritten before each run.
    void set(const std::string& section, const std::string& key, const std::string& value);
    // A short processing.lease, for tests that wait for killed runs' rows to be
    // recovered (at least 3 s); smtp.message_timeout becomes 1 s (a lease must be longer
    // than two message timeouts, config::Config::longest_send()).
    void set_lease(std::chrono::seconds lease);

    // A company sending through `provider`, with a Fernet-encrypted password.
    Uuid company(const std::string& provider, const std::string& name = "Acme Ltd",
                 const std::string& account_email = "jack.doe@acme.example");
    // A running campaign run of the company with `leads` due pending rows
    // (lead i has address lead<i>@<domain>), queued in lead order: each row is younger
    // than every row before it. Returns the run id.
    Uuid queue_run(const Uuid& company, int leads, const std::string& domain = "x.example");
    // The company's throttle settings: hourly and daily limits, enabled.
    void set_limits(const Uuid& company, int per_hour, int per_day);

    std::string config_path() const;
    // Runs connect here instead of to `db` directly (through a pooler, pgbouncer.hpp).
    void set_database_url(std::string url) { m_database_url = std::move(url); }
    // DATABASE_URL (as the worker role, or set_database_url()'s), ENCRYPTION_KEY and
    // ENCRYPTION_SALT.
    std::map<std::string, std::string> env() const;
    ProcessResult process(const std::vector<std::string>& args = {}) const;
    // `runs` invocations started at once (overlapping cron runs), each awaited.
    std::vector<ProcessResult>
    process_concurrently(int runs, const std::vector<std::string>& args = {}) const;
    // The same with another build of queue-process (the crash suite's faulty one) and
    // extra environment.
    ProcessResult process_with(const std::string& program, const std::vector<std::string>& args,
                               const std::map<std::string, std::string>& extra_env = {},
                               std::chrono::milliseconds timeout = std::chrono::seconds(60)) const;
    // queue-process started in the background with this configuration, its output in
    // log_path.
    std::unique_ptr<BackgroundProcess> start(const std::string& log_path) const;
    // Waits until `sent` rows are sent; throws after 30 s.
    void wait_until_sent(std::int64_t sent) const;

    std::int64_t count(const std::string& sql) const { return db.count(sql); }
    std::int64_t rows_with_status(std::string_view status) const {
        return db.rows_with_status(status);
    }

private:
    std::map<std::string, std::map<std::string, std::string>> m_sections;
    std::map<std::string, config::Provider> m_providers;
    int m_leads = 0;
    std::string m_database_url;
};

// Whether the process is stopped (SIGSTOP, as queue-process-faulty stops itself at a
// fault point with EMAILQUEUE_TEST_FAULT_SIGNAL=STOP), waiting up to 30 s for it; false
// when it ended instead.
bool wait_until_stopped(pid_t pid);

// The Message-ID header of a message as smtp-sink dumps it ("" when absent).
std::string header_of(const std::string& content, const std::string& name);

} // namespace eq::test
