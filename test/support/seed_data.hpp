#pragma once

#include <optional>
#include <string>
#include <vector>

#include "db/connection.hpp"
#include "util/uuid.hpp"

namespace eq::test {

// An id as an SQL literal ('<id>'), for statements tests write out.
inline std::string id_literal(const Uuid& id) {
    return "'" + id.str() + "'";
}

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

// Makes the email_queue rows `ids` younger than every other row, each younger than the
// one before it. Rows queued by separate statements can share a created_at where the
// server's clock has not ticked between them; tests that tell rows apart by age (as the
// claim's send order does) queue them and then call this.
void age_in_order(db::Connection& conn, const std::vector<Uuid>& ids);

} // namespace eq::test
