#include <catch2/catch.hpp>

#include "queue/claimed_row.hpp"
#include "support/test_database.hpp"

using namespace eq;
using namespace eq::test;

TEST_CASE("claimed rows come with their lead and their own campaign, in the order asked",
          "[claimed]") {
    TestDatabase tdb;
    auto conn = tdb.connect();
    // Two campaigns of one company, their rows interleaved in one chunk; one lead deleted.
    tdb.exec(R"(
        INSERT INTO companies (name) VALUES ('c');
        INSERT INTO campaigns (company_id, name, template)
          SELECT id, 'First', 'Subject: one' FROM companies;
        INSERT INTO campaigns (company_id, name, template)
          SELECT id, 'Second', 'Subject: two' FROM companies;
        INSERT INTO campaign_runs (campaign_id) SELECT id FROM campaigns;
        INSERT INTO leads (company_id, name, email)
          SELECT c.id, 'Lead ' || g, 'l' || g || '@c.example'
          FROM companies c, generate_series(1, 6) g;
        INSERT INTO email_queue (company_id, campaign_id, campaign_run_id, lead_id, created_at)
          SELECT l.company_id, ca.id, r.id, l.id,
                 now() + (split_part(l.name, ' ', 2)::int || ' seconds')::interval
          FROM leads l JOIN campaigns ca ON ca.company_id = l.company_id
          JOIN campaign_runs r ON r.campaign_id = ca.id
          WHERE (ca.name = 'First') = (split_part(l.name, ' ', 2)::int % 2 = 1);
        UPDATE leads SET deleted_at = now() WHERE name = 'Lead 4';
    )");
    std::vector<Uuid> ids;
    for (const auto& text : {"Lead 6", "Lead 1", "Lead 4", "Lead 3", "Lead 2"}) {
        ids.push_back(Uuid::parse(tdb.scalar("SELECT q.id FROM email_queue q JOIN leads l ON "
                                             "l.id = q.lead_id WHERE l.name = '" +
                                             std::string(text) + "'"))
                          .value());
    }
    ids.push_back(Uuid::parse("00000000-0000-4000-8000-000000000000").value()); // gone

    const auto rows = queue::load_claimed_rows(conn, ids);
    REQUIRE(rows.size() == 5);
    const std::vector<std::string> leads{"Lead 6", "Lead 1", "Lead 4", "Lead 3", "Lead 2"};
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& row = rows[i];
        INFO(leads[i]);
        CHECK(row.item.id == ids[i]);
        CHECK(row.lead_found);
        CHECK(row.lead.find("name")->as_string() == leads[i]);
        const bool odd = (leads[i].back() - '0') % 2 == 1;
        CHECK(row.campaign_found);
        CHECK(row.campaign_template ==
              std::optional<std::string>(odd ? "Subject: one" : "Subject: two"));
        CHECK(row.campaign.find("name")->as_string() == (odd ? "First" : "Second"));
        CHECK(row.lead_deleted == (leads[i] == "Lead 4"));
        CHECK_FALSE(row.suppressed);
    }
}
