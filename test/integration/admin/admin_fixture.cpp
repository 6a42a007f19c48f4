#include "integration/admin/admin_fixture.hpp"

#include <fmt/format.h>

namespace eq::test {

namespace {

constexpr db::Statement k_row{
    "test_admin_row",
    "INSERT INTO email_queue (company_id, campaign_id, campaign_run_id, lead_id, status,"
    " scheduled_for, processed_at, created_at, retry_count, priority, error_message,"
    " lease_until, claimed_by)"
    " VALUES ($1, $2, $3, $4, $5::text, now() + make_interval(secs => $6),"
    " now() - make_interval(secs => $7::float8),"
    " COALESCE(now() - make_interval(secs => $8::float8), now()), $9, $10, $11,"
    " now() + make_interval(secs => $12::float8),"
    " CASE WHEN $5::text = 'processing' THEN 'host:42' END)"
    " RETURNING id"};

} // namespace

AdminFixture::AdminFixture()
    : conn(db.connect()), company(insert_company(conn)), campaign(insert_campaign(conn, company)),
      run(insert_run(conn, campaign, "running")) {}

Uuid AdminFixture::add_row(const RowSpec& spec) {
    return add_row_for(company, campaign, run, spec);
}

Uuid AdminFixture::add_row_for(const Uuid& company_id, const Uuid& campaign_id, const Uuid& run_id,
                               const RowSpec& spec) {
    const auto email = spec.email.value_or(fmt::format("lead{}@example.com", ++m_leads));
    const auto lead = insert_lead(conn, company_id, email);
    return conn
        .one(k_row, company_id, campaign_id, run_id, lead, spec.status, spec.scheduled_in,
             spec.processed_ago, spec.created_ago, spec.retry_count, spec.priority, spec.error,
             spec.lease_in)
        .only()
        .uuid("id");
}

std::vector<Uuid> AdminFixture::add_rows(int n, const RowSpec& spec) {
    std::vector<Uuid> out;
    for (int i = 0; i < n; ++i) {
        out.push_back(add_row(spec));
    }
    return out;
}

Uuid AdminFixture::new_run(const std::string& status) {
    return insert_run(conn, campaign, status);
}

ProcessResult AdminFixture::admin(const std::vector<std::string>& args,
                                  const std::string& stdin_text) {
    return run_program("queue-admin", args, db, {}, stdin_text);
}

Json AdminFixture::json(std::vector<std::string> args, int code) {
    args.push_back("--json");
    const auto r = admin(args);
    INFO(r.err);
    INFO(r.out);
    REQUIRE(r.exit_code == code);
    auto parsed = Json::parse(r.out);
    REQUIRE(parsed.ok());
    REQUIRE(r.out.back() == '\n');
    REQUIRE(r.out.find('\n') == r.out.size() - 1);
    return *parsed;
}

std::string AdminFixture::status_of(const Uuid& row) {
    return db.scalar(fmt::format("SELECT status FROM email_queue WHERE id = '{}'", row.str()));
}

std::vector<std::string> keys(const Json& object) {
    std::vector<std::string> out;
    for (const auto& [k, v] : object.as_object()) {
        out.push_back(k);
    }
    return out;
}

} // namespace eq::test
