#include "support/seed_data.hpp"

namespace eq::test {

namespace {

constexpr db::Statement k_company{
    "test_insert_company",
    "INSERT INTO companies (name, account_email, account_password, account_type)"
    " VALUES ($1, $2, $3, $4) RETURNING id"};
constexpr db::Statement k_campaign{"test_insert_campaign",
                                   "INSERT INTO campaigns (company_id, name, type, template) "
                                   "VALUES ($1, 'Spring outreach', $3, $2)"
                                   " RETURNING id"};
constexpr db::Statement k_run{
    "test_insert_run",
    "INSERT INTO campaign_runs (campaign_id, status) VALUES ($1, $2) RETURNING id"};
constexpr db::Statement k_lead{"test_insert_lead",
                               "INSERT INTO leads (company_id, email, name, company, job_title)"
                               " VALUES ($1, $2, $3, 'Globex', 'CTO') RETURNING id"};

constexpr db::Statement k_age_in_order{
    "test_age_in_order",
    "UPDATE email_queue q SET created_at = latest.t + o.n * interval '1 microsecond'"
    " FROM unnest($1::uuid[]) WITH ORDINALITY AS o(id, n),"
    "      (SELECT max(created_at) AS t FROM email_queue) AS latest"
    " WHERE q.id = o.id"};

} // namespace

Uuid insert_company(db::Connection& conn, const CompanySpec& spec) {
    return conn
        .one(k_company, spec.name, spec.account_email, spec.account_password, spec.account_type)
        .only()
        .uuid("id");
}

Uuid insert_campaign(db::Connection& conn, const Uuid& company_id,
                     const std::optional<std::string>& email_template, const std::string& type) {
    return conn.one(k_campaign, company_id, email_template, type).only().uuid("id");
}

Uuid insert_run(db::Connection& conn, const Uuid& campaign_id, const std::string& status) {
    return conn.one(k_run, campaign_id, status).only().uuid("id");
}

Uuid insert_lead(db::Connection& conn, const Uuid& company_id,
                 const std::optional<std::string>& email, const std::string& name) {
    return conn.one(k_lead, company_id, email, name).only().uuid("id");
}

void age_in_order(db::Connection& conn, const std::vector<Uuid>& ids) {
    conn.none(k_age_in_order, ids);
}

} // namespace eq::test
