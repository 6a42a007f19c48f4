#pragma once

#include <optional>
#include <string>

#include "db/connection.hpp"
#include "util/uuid.hpp"

namespace eq::test {

// Rows of the web application's tables, for tests. Each returns the new row's id.

struct CompanySpec {
    std::string name = "Acme Ltd";
    std::string account_email = "jack.doe@acme.example";
    std::optional<std::string> account_password = "gAAAA-test-token";
    std::string account_type = "gmail";
};
Uuid insert_company(db::Connection& conn, const CompanySpec& spec = {});

inline constexpr const char* k_default_template =
    "Subject: Hello {{lead.first_name}}\n\n<html><body><p>Hi {{lead.name}}</p></body></html>";
Uuid insert_campaign(db::Connection& conn, const Uuid& company_id,
                     const std::optional<std::string>& email_template = k_default_template,
                     const std::string& type = "email");

Uuid insert_run(db::Connection& conn, const Uuid& campaign_id, const std::string& status = "idle");

Uuid insert_lead(db::Connection& conn, const Uuid& company_id,
                 const std::optional<std::string>& email, const std::string& name = "Ann Lee");

} // namespace eq::test
