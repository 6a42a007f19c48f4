#include "campaign/company_account.hpp"

#include <fmt/format.h>

namespace eq::campaign {

namespace {

constexpr db::Statement k_find{"find_company_account",
                               "SELECT id, name, COALESCE(account_email, '') AS account_email,"
                               " COALESCE(account_password, '') AS account_password,"
                               " COALESCE(account_type, '') AS account_type,"
                               " (to_jsonb(c) - 'account_password')::text AS fields"
                               " FROM companies c WHERE id = $1"};

} // namespace

std::optional<CompanyAccount> find_company_account(db::Connection& conn, const Uuid& company_id) {
    const auto r = conn.maybe_one(k_find, company_id);
    if (r.empty()) {
        return std::nullopt;
    }
    const auto row = r.only();
    auto fields = Json::parse(row.text("fields"));
    if (!fields) {
        throw Error(ExitCode::internal,
                    fmt::format("company {}: {}", company_id.str(), fields.error()));
    }
    return CompanyAccount{row.uuid("id"),
                          row.opt_text("name").value_or(""),
                          row.text("account_email"),
                          row.text("account_password"),
                          row.text("account_type"),
                          std::move(fields).value()};
}

} // namespace eq::campaign
