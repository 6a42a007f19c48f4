#include "support/process_fixture.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <thread>

#include "crypto/fernet.hpp"
#include "queue/queue_repository.hpp"
#include "support/smtp_sink.hpp"

namespace eq::test {

namespace {

constexpr db::Statement k_limits{
    "test_set_limits",
    "INSERT INTO email_throttle_settings (company_id, max_emails_per_hour, max_emails_per_day)"
    " VALUES ($1, $2, $3) ON CONFLICT (company_id) DO UPDATE SET"
    " max_emails_per_hour = $2, max_emails_per_day = $3"};

// The database with the base schema and every migration, before the worker's grants.
const TestDatabase& with_base(const TestDatabase& db, ProcessFixture::Base base) {
    if (base == ProcessFixture::Base::web_application) {
        db.exec(read_file(fixture_path("reachgenie_schema.sql")));
        const auto migrated = run_program("queue-admin", {"db", "migrate"}, db);
        if (migrated.exit_code != 0) {
            throw std::runtime_error("queue-admin db migrate failed: " + migrated.err);
        }
    }
    return db;
}

} // namespace

ProcessFixture::ProcessFixture(const PgServer& server, Base base)
    : db(base == Base::emailqueue ? TestDatabase::Schema::migrated : TestDatabase::Schema::empty,
         server),
      worker(with_base(db, base)), conn(db.connect()) {}

ProcessFixture::ProcessFixture(const SmtpSink& sink) : ProcessFixture() {
    add_provider("sink", sink.port());
}

void ProcessFixture::add_provider(const std::string& name, int port) {
    add_provider(name, config::Provider{"127.0.0.1", port, config::Security::none, false, {}});
}

void ProcessFixture::add_provider(const std::string& name, const config::Provider& provider) {
    m_providers[name] = provider;
}

void ProcessFixture::set(const std::string& section, const std::string& key,
                         const std::string& value) {
    m_sections[section][key] = value;
}

void ProcessFixture::set_lease(std::chrono::seconds lease) {
    set("processing", "lease", fmt::format("{}s", lease.count()));
    // The shortest message timeout, so that the batch renews its leases before a send only
    // when it has run for longer than lease - 3 s (lib/process/leases.hpp,
    // LeaseKeeper::cover(): 2 x message_timeout and a second's margin).
    set("smtp", "message_timeout", "1s");
}

Uuid ProcessFixture::company(const std::string& provider, const std::string& name,
                             const std::string& account_email) {
    const auto key = crypto::FernetKey::derive(k_encryption_key, k_encryption_salt);
    return insert_company(conn,
                          {.name = name,
                           .account_email = account_email,
                           .account_password = crypto::fernet_encrypt(*key, k_account_password),
                           .account_type = provider});
}

Uuid ProcessFixture::queue_run(const Uuid& company, int leads, const std::string& domain) {
    const auto campaign = insert_campaign(conn, company);
    const auto run = insert_run(conn, campaign, "running");
    std::vector<Uuid> rows;
    for (int i = 0; i < leads; ++i) {
        const auto lead = insert_lead(conn, company, fmt::format("lead{}@{}", m_leads, domain),
                                      fmt::format("Lead {}", m_leads));
        ++m_leads;
        rows.push_back(queue::add_email_to_queue(conn, {.company_id = company,
                                                        .campaign_id = campaign,
                                                        .campaign_run_id = run,
                                                        .lead_id = lead})
                           .id);
    }
    age_in_order(conn, rows);
    return run;
}

void ProcessFixture::set_limits(const Uuid& company, int per_hour, int per_day) {
    conn.none(k_limits, company, per_hour, per_day);
}

std::string ProcessFixture::config_path() const {
    std::string text = "smtp:\n  providers:\n";
    for (const auto& [name, p] : m_providers) {
        text += fmt::format("    {}:\n      host: {}\n      port: {}\n      security: {}\n"
                            "      verify_peer: {}\n",
                            name, p.host, p.port, config::to_string(p.security),
                            p.verify_peer ? "true" : "false");
        if (!p.ca_file.empty()) {
            text += fmt::format("      ca_file: {}\n", p.ca_file);
        }
    }
    // smtp.* keys (timeouts) go under the one smtp mapping above.
    if (const auto smtp = m_sections.find("smtp"); smtp != m_sections.end()) {
        for (const auto& [k, v] : smtp->second) {
            text += fmt::format("  {}: {}\n", k, v);
        }
    }
    for (const auto& [section, keys] : m_sections) {
        if (section == "smtp") {
            continue;
        }
        text += section + ":\n";
        for (const auto& [k, v] : keys) {
            text += fmt::format("  {}: {}\n", k, v);
        }
    }
    // Runs started at once from several threads each rewrite the file; TempDir::write
    // renames a whole copy into place, so no run reads half of one.
    return dir.write("emailqueue.yaml", text, 0600);
}

std::map<std::string, std::string> ProcessFixture::env() const {
    return {{"DATABASE_URL", m_database_url.empty() ? worker.url() : m_database_url},
            {"ENCRYPTION_KEY", k_encryption_key},
            {"ENCRYPTION_SALT", k_encryption_salt}};
}

std::unique_ptr<BackgroundProcess> ProcessFixture::start(const std::string& log_path) const {
    auto all = db.env();
    for (const auto& [k, v] : env()) {
        all[k] = v;
    }
    return std::make_unique<BackgroundProcess>(
        std::vector<std::string>{program_path("queue-process"), "--config", config_path()},
        log_path, all);
}

void ProcessFixture::wait_until_sent(std::int64_t sent) const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (count("SELECT count(*) FROM email_queue WHERE status = 'sent'") < sent) {
        if (std::chrono::steady_clock::now() > deadline) {
            throw std::runtime_error(fmt::format("fewer than {} rows sent within 30 s", sent));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

ProcessResult ProcessFixture::process(const std::vector<std::string>& args) const {
    return process_with("queue-process", args);
}

ProcessResult ProcessFixture::process_with(const std::string& program,
                                           const std::vector<std::string>& args,
                                           const std::map<std::string, std::string>& extra_env,
                                           std::chrono::milliseconds timeout) const {
    std::vector<std::string> argv{program_path(program), "--config", config_path()};
    argv.insert(argv.end(), args.begin(), args.end());
    RunOptions options;
    options.env = db.env();
    for (const auto& [k, v] : env()) {
        options.env[k] = v;
    }
    for (const auto& [k, v] : extra_env) {
        options.env[k] = v;
    }
    options.timeout = timeout;
    return run_process(argv, options);
}

std::vector<ProcessResult>
ProcessFixture::process_concurrently(int runs, const std::vector<std::string>& args) const {
    std::vector<ProcessResult> results(static_cast<std::size_t>(runs));
    std::vector<std::thread> threads;
    for (auto& r : results) {
        threads.emplace_back([&r, &args, this] { r = process(args); });
    }
    for (auto& t : threads) {
        t.join();
    }
    return results;
}

std::string header_of(const std::string& content, const std::string& name) {
    const std::string prefix = "\n" + name + ": ";
    const std::string text = "\n" + content;
    const auto pos = text.find(prefix);
    if (pos == std::string::npos) {
        return {};
    }
    const auto start = pos + prefix.size();
    const auto end = text.find('\n', start);
    std::string value = text.substr(start, end - start);
    while (!value.empty() && (value.back() == '\r' || value.back() == ' ')) {
        value.pop_back();
    }
    return value;
}

bool wait_until_stopped(pid_t pid) {
    for (int i = 0; i < 3000; ++i) {
        std::ifstream stat(fmt::format("/proc/{}/stat", pid));
        std::string text((std::istreambuf_iterator<char>(stat)), {});
        const auto paren = text.rfind(')');
        if (paren == std::string::npos) {
            return false; // it ended
        }
        if (paren + 2 < text.size() && text[paren + 2] == 'T') {
            return true;
        }
        if (paren + 2 < text.size() && text[paren + 2] == 'Z') {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

} // namespace eq::test
