#pragma once

#include <optional>
#include <string>

#include "db/connection.hpp"
#include "util/json.hpp"
#include "util/uuid.hpp"

namespace eq::campaign {

// A company as the sending step needs it: its SMTP account and the columns templates
// may name. `fields` never holds account_password.
struct CompanyAccount {
    Uuid id;
    std::string name;
    std::string account_email;
    std::string account_password; // the Fernet token as stored, never the password
    std::string account_type;
    Json fields; // every column but account_password, as a JSON object
};

// The company, or nothing when there is no such company.
std::optional<CompanyAccount> find_company_account(db::Connection& conn, const Uuid& company_id);

} // namespace eq::campaign
