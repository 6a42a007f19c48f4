#include "support/process_fixture.hpp"

#include <fmt/format.h>

#include <fstream>
#include <thread>

#include "crypto/fernet.hpp"
#include "queue/queue_repository.hpp"

namespace eq::test {

ProcessFixture::ProcessFixture() : conn(db.connect()) {}

void ProcessFixture::add_provider(const std::string& name, int port) { m_providers[name] = port; }

void ProcessFixture::set(const std::string& section, const std::string& key,
                         const std::string& value) {
    m_sections[section][key] = value;
}

Uuid ProcessFixture::company(const std::string& provider, const std::string& name,
                             const std::string& account_email) {
    const auto key = crypto::FernetKey::derive(k_encryption_key, k_encryption_salt);
    return insert_company(conn, {.name = name,
                                 .account_email = account_email,
                                 .account_password = crypto::fernet_encrypt(*key, "app-password"),
                                 .account_type = provider});
}

Uuid ProcessFixture::queue_run(const Uuid& company, int leads, const std::string& domain) {
    const auto campaign = insert_campaign(conn, company);
    const auto run = insert_run(conn, campaign, "running");
    for (int i = 0; i < leads; ++i) {
        const auto lead = insert_lead(conn, company,
                                      fmt::format("lead{}@{}", m_leads, domain),
                                      fmt::format("Lead {}", m_leads));
        ++m_leads;
        queue::add_email_to_queue(conn, {.company_id = company, .campaign_id = campaign,
                                         .campaign_run_id = run, .lead_id = lead});
    }
    return run;
}

std::string ProcessFixture::config_path() const {
    std::string text = "smtp:\n  providers:\n";
    for (const auto& [name, port] : m_providers) {
        text += fmt::format("    {}:\n      host: 127.0.0.1\n      port: {}\n      security: none\n",
                            name, port);
    }
    for (const auto& [section, keys] : m_sections) {
        text += section + ":\n";
        for (const auto& [k, v] : keys) {
            text += fmt::format("  {}: {}\n", k, v);
        }
    }
    return dir.write("emailqueue.yaml", text, 0600);
}

std::map<std::string, std::string> ProcessFixture::env() const {
    return {{"ENCRYPTION_KEY", k_encryption_key}, {"ENCRYPTION_SALT", k_encryption_salt}};
}

ProcessResult ProcessFixture::process(const std::vector<std::string>& args) const {
    std::vector<std::string> all{"--config", config_path()};
    all.insert(all.end(), args.begin(), args.end());
    return run_program("queue-process", all, db, env());
}

std::vector<ProcessResult> ProcessFixture::process_concurrently(int runs) const {
    std::vector<ProcessResult> results(static_cast<std::size_t>(runs));
    std::vector<std::thread> threads;
    for (auto& r : results) {
        threads.emplace_back([&r, this] { r = process(); });
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

} // namespace eq::test
