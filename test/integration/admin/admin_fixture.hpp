#pragma once

#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

#include "support/programs.hpp"
#include "support/seed_data.hpp"
#include "support/test_database.hpp"
#include "util/json.hpp"

namespace eq::test {

// A queue row written directly with SQL, in the states queue-process leaves behind.
// Offsets are seconds from the database's now(); empty offsets leave the column NULL.
struct RowSpec {
    std::string status = "pending";
    double scheduled_in = 0; // scheduled_for = now() + this
    std::optional<double> processed_ago;
    std::optional<double> created_ago;
    int retry_count = 0;
    int priority = 1;
    std::optional<std::string> error;
    std::optional<double> lease_in;   // processing: lease_until = now() + this
    std::optional<std::string> email; // the lead's address (a fresh one when empty)
};

// A company, an email campaign and a running run, and helpers to run queue-admin.
class AdminFixture {
public:
    AdminFixture();

    TestDatabase db;
    db::Connection conn;
    Uuid company;
    Uuid campaign;
    Uuid run;

    Uuid add_row(const RowSpec& spec = {});
    Uuid add_row_for(const Uuid& company_id, const Uuid& campaign_id, const Uuid& run_id,
                     const RowSpec& spec);
    std::vector<Uuid> add_rows(int n, const RowSpec& spec = {});
    Uuid new_run(const std::string& status = "running");

    ProcessResult admin(const std::vector<std::string>& args, const std::string& stdin_text = {});
    // Runs with --json, requires exit status `code` and one JSON document on stdout.
    Json json(std::vector<std::string> args, int code = 0);
    std::string status_of(const Uuid& row);

private:
    int m_leads = 0;
};

// The keys of a JSON object, in order.
std::vector<std::string> keys(const Json& object);

} // namespace eq::test
