#include "campaign/sending_account.hpp"

#include "db/connection.hpp"

namespace eq::campaign {

namespace {

constexpr db::Statement k_find{
    "find_sending_account", "SELECT id, name, account_email,"
                            " emailqueue_address_is_valid(account_email) AS email_valid,"
                            " coalesce(account_password <> '', false) AS has_password, account_type"
                            " FROM companies WHERE id = $1"};

} // namespace

std::optional<SendingAccount> find_sending_account(db::Connection& conn, const Uuid& company_id) {
    const auto r = conn.maybe_one(k_find, company_id);
    if (r.empty()) {
        return std::nullopt;
    }
    const auto row = r.only();
    return SendingAccount{row.uuid("id"),
                          row.text("name"),
                          row.opt_text("account_email"),
                          row.boolean("email_valid"),
                          row.boolean("has_password"),
                          row.opt_text("account_type")};
}

} // namespace eq::campaign
