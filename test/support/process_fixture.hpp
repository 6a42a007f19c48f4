#pragma once

#include <map>
#include <string>
#include <vector>

#include "db/connection.hpp"
#include "support/programs.hpp"
#include "support/seed_data.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"
#include "util/uuid.hpp"

namespace eq::test {

// A database, a configuration file and the secrets for running queue-process against
// local SMTP servers. Companies send through providers named after them in the config.
class ProcessFixture {
public:
    static constexpr const char* k_encryption_key = "test-encryption-key";
    static constexpr const char* k_encryption_salt = "test-salt";

    ProcessFixture();

    TestDatabase db;
    db::Connection conn;
    TempDir dir;

    // Adds a provider (plain SMTP on 127.0.0.1:port) to the config file.
    void add_provider(const std::string& name, int port);
    // Sets a processing.* (or any) key: the file is rewritten before each run.
    void set(const std::string& section, const std::string& key, const std::string& value);

    // A company sending through `provider`, with a Fernet-encrypted password.
    Uuid company(const std::string& provider, const std::string& name = "Acme Ltd",
                 const std::string& account_email = "jack.doe@acme.example");
    // A running campaign run of the company with `leads` due pending rows
    // (lead i has address lead<i>@<domain>). Returns the run id.
    Uuid queue_run(const Uuid& company, int leads, const std::string& domain = "x.example");

    std::string config_path() const;
    std::map<std::string, std::string> env() const;
    ProcessResult process(const std::vector<std::string>& args = {}) const;
    // `runs` invocations started at once (overlapping cron runs), each awaited.
    std::vector<ProcessResult> process_concurrently(int runs) const;

    std::int64_t count(const std::string& sql) const { return db.count(sql); }

private:
    std::map<std::string, std::map<std::string, std::string>> m_sections;
    std::map<std::string, int> m_providers;
    int m_leads = 0;
};

// The Message-ID header of a message as smtp-sink dumps it ("" when absent).
std::string header_of(const std::string& content, const std::string& name);

} // namespace eq::test
