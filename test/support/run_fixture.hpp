#pragma once

#include <string>

#include "queue/queue_repository.hpp"
#include "support/seed_data.hpp"
#include "support/test_database.hpp"
#include "util/uuid.hpp"

namespace eq::test {

// A migrated database with one company, one email campaign and a running run of it, for
// tests that work with the queue's functions directly.
struct RunFixture {
    TestDatabase db;
    db::Connection conn = db.connect();
    Uuid company = insert_company(conn);
    Uuid campaign = insert_campaign(conn, company);
    Uuid run = insert_run(conn, campaign, "running");

    Uuid lead(const std::string& email) { return insert_lead(conn, company, email); }
    // A queue row of the run for `lead`, as the caller may change it before adding it.
    queue::NewQueueItem item(const Uuid& lead_id, int priority = 1) const {
        return {.company_id = company,
                .campaign_id = campaign,
                .campaign_run_id = run,
                .lead_id = lead_id,
                .priority = priority};
    }
    // Queues a row for a new lead with address `email`; returns the row's id.
    Uuid queue(const std::string& email, int priority = 1) {
        return queue::add_email_to_queue(conn, item(lead(email), priority)).id;
    }
};

} // namespace eq::test
