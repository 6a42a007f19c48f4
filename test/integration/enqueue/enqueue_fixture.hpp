#pragma once

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <optional>
#include <string>
#include <vector>

#include "support/programs.hpp"
#include "support/seed_data.hpp"
#include "support/test_database.hpp"
#include "util/json.hpp"

namespace eq::test {

// `count` leads of the company, lead1@globex.example, lead2@..., in one statement.
inline void insert_numbered_leads(const TestDatabase& db, const Uuid& company, int count) {
    db.exec(fmt::format("INSERT INTO leads (company_id, email)"
                        " SELECT '{}', 'lead' || g || '@globex.example'"
                        " FROM generate_series(1, {}) g",
                        company.str(), count));
}

// One company with an email campaign and an idle run, in a database of its own.
struct EnqueueFixture {
    TestDatabase db;
    db::Connection conn = db.connect();
    Uuid company = insert_company(conn);
    Uuid campaign = insert_campaign(conn, company);
    Uuid run = insert_run(conn, campaign);

    Uuid lead(const std::optional<std::string>& email) { return insert_lead(conn, company, email); }
    void leads(int count) const { insert_numbered_leads(db, company, count); }

    ProcessResult enqueue(const std::vector<std::string>& args) const {
        return run_program("queue-enqueue", args, db);
    }
    ProcessResult enqueue_run(std::vector<std::string> extra = {}) const {
        extra.insert(extra.begin(), {"--run", run.str()});
        return enqueue(extra);
    }
    std::string run_field(const std::string& column) const {
        return db.scalar(
            fmt::format("SELECT {} FROM campaign_runs WHERE id = '{}'", column, run.str()));
    }
    std::int64_t rows() const { return db.count("SELECT count(*) FROM email_queue"); }
};

// The one JSON document a program printed with --json; fails the test otherwise.
inline Json parse_json(const ProcessResult& r) {
    INFO(r.out);
    INFO(r.err);
    auto j = Json::parse(r.out);
    REQUIRE(j.ok());
    return *j;
}

} // namespace eq::test
