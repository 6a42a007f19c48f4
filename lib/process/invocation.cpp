#include "process/invocation.hpp"

#include <fmt/format.h>

namespace eq::process {

namespace {

constexpr db::Statement k_start{
    "start_invocation",
    "INSERT INTO email_queue_invocations (program, host, pid) VALUES ('queue-process', $1, $2)"
    " RETURNING id"};

constexpr db::Statement k_finish{
    "finish_invocation",
    "UPDATE email_queue_invocations SET finished_at = now(), companies_visited = $2,"
    " companies_held = $3, sent = $4, failed = $5, skipped = $6, held = $7, retried = $8,"
    " recovered = $9, error = $10"
    " WHERE id = $1"};

} // namespace

std::string CompanyError::line() const {
    return fmt::format("company {}: {}", company.str(), message);
}

Json Summary::to_json() const {
    return Json(Json::Object{
        {"invocation", id == 0 ? Json() : Json(id)},
        {"started_at", format_timestamp(started_at)},
        {"finished_at", format_timestamp(finished_at)},
        {"dry_run", dry_run},
        {"companies_visited", companies_visited},
        {"companies_held", companies_held},
        {"sent", sent},
        {"failed", failed},
        {"skipped", skipped},
        {"held", held},
        {"retried", retried},
        {"recovered", recovered},
        {"error", error},
    });
}

std::int64_t start_invocation(db::Connection& conn, const std::string& host, int pid) {
    return conn.one(k_start, host, pid).only().integer("id");
}

void finish_invocation(db::Connection& conn, const Summary& s) {
    conn.none(k_finish, s.id, s.companies_visited, s.companies_held, s.sent, s.failed, s.skipped,
              s.held, s.retried, s.recovered, s.error);
}

} // namespace eq::process
