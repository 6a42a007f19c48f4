#pragma once

#include "util/uuid.hpp"

#include <optional>
#include <string>

namespace eq::db {
class Connection;
}

namespace eq::campaign {

// What the checks before a campaign run need to know about the company's SMTP account.
// The password (a Fernet token) is never read here, only whether one is stored, so it
// cannot leak into a failure reason or a log line.
struct SendingAccount {
    Uuid company_id;
    std::string company_name;
    std::optional<std::string> email; // companies.account_email
    bool email_valid = false;         // the email passes the address shape rule (sql/004)
    bool has_password = false;        // companies.account_password is set and not empty
    std::optional<std::string> type;  // companies.account_type: the provider's name
};

// The account of the company, or nothing when the company does not exist.
std::optional<SendingAccount> find_sending_account(db::Connection& conn, const Uuid& company_id);

} // namespace eq::campaign
