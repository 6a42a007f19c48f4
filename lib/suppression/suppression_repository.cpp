#include "suppression/suppression_repository.hpp"

#include "db/connection.hpp"
#include "db/sql_text.hpp"

namespace eq::suppression {

namespace {

// Serialises writers of do_not_email among emailqueue's own commands ("dnem").
constexpr long long k_suppression_lock = 0x646e656d;

// The select list from_row() reads.
constexpr db::SqlText k_suppression_columns{"id, email, reason, company_id, created_at"};

constexpr auto k_find_sql =
    db::sql("SELECT ", k_suppression_columns,
            " FROM do_not_email"
            " WHERE lower(email) = lower($2) AND (company_id = $1 OR company_id IS NULL)"
            " ORDER BY company_id IS NULL, created_at, id LIMIT 1");
constexpr db::Statement k_find{"find_suppression", k_find_sql.c_str()};

constexpr db::Statement k_exists{
    "is_suppressed",
    "SELECT EXISTS (SELECT 1 FROM do_not_email"
    " WHERE lower(email) = lower($2) AND (company_id = $1 OR company_id IS NULL)) AS hit"};

constexpr db::Statement k_lock{"suppression_lock", "SELECT pg_advisory_xact_lock($1)"};

// Without the import's advisory lock. The address is stored lower-cased, as the web
// application stores it. Where do_not_email has the application's unique index on
// (email, company_id), a second bounce of the address at the same moment meets it and
// is dropped (ON CONFLICT without a target covers any unique index) instead of failing
// the outcome it is written with; without that index both are kept, which every lookup
// tolerates.
constexpr db::Statement k_bounce{
    "add_bounce",
    "INSERT INTO do_not_email (email, reason, company_id)"
    " SELECT lower($2), 'bounce', $1::uuid WHERE NOT EXISTS (SELECT 1 FROM do_not_email d"
    "   WHERE lower(d.email) = lower($2) AND (d.company_id = $1::uuid OR d.company_id IS NULL))"
    " ON CONFLICT DO NOTHING"};

constexpr db::Statement k_add{
    "add_suppressions",
    "WITH input AS ("
    " SELECT DISTINCT ON (lower(e.email)) e.email, e.reason, e.ord"
    " FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS e(email, reason, ord)"
    " ORDER BY lower(e.email), e.ord),"
    " ins AS ("
    " INSERT INTO do_not_email (email, reason, company_id)"
    " SELECT i.email, COALESCE(i.reason, $3), $4::uuid FROM input i"
    " WHERE NOT EXISTS (SELECT 1 FROM do_not_email d WHERE lower(d.email) = lower(i.email)"
    "   AND d.company_id IS NOT DISTINCT FROM $4::uuid)"
    " ORDER BY i.ord"
    " RETURNING 1)"
    " SELECT (SELECT count(*) FROM ins) AS added, (SELECT count(*) FROM input) AS distinct_count"};

constexpr db::Statement k_missing{
    "missing_suppressions",
    "SELECT e.email FROM unnest($1::text[]) WITH ORDINALITY AS e(email, ord)"
    " WHERE NOT EXISTS (SELECT 1 FROM do_not_email d WHERE lower(d.email) = lower(e.email)"
    "   AND d.company_id IS NOT DISTINCT FROM $2::uuid)"
    " ORDER BY e.ord"};

constexpr db::Statement k_remove{
    "remove_suppressions",
    "DELETE FROM do_not_email d USING unnest($1::text[]) AS e(email)"
    " WHERE lower(d.email) = lower(e.email) AND d.company_id IS NOT DISTINCT FROM $2::uuid"};

constexpr auto k_list_sql =
    db::sql("SELECT ", k_suppression_columns,
            " FROM do_not_email"
            " WHERE $1::uuid IS NULL OR company_id = $1 OR company_id IS NULL"
            " ORDER BY lower(email), company_id NULLS FIRST, created_at, id");
constexpr db::Statement k_list{"list_suppressions", k_list_sql.c_str()};

Suppression from_row(const db::Row& row) {
    return {row.uuid("id"), row.text("email"), row.opt_text("reason"), row.opt_uuid("company_id"),
            row.time("created_at")};
}

std::string array_of(std::span<const std::string> values) {
    std::vector<std::optional<std::string>> v(values.begin(), values.end());
    return text_array_literal(v);
}

} // namespace

std::string text_array_literal(std::span<const std::optional<std::string>> values) {
    std::string out = "{";
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i) {
            out.push_back(',');
        }
        if (!values[i]) {
            out += "NULL";
            continue;
        }
        out.push_back('"');
        for (const char c : *values[i]) {
            if (c == '"' || c == '\\') {
                out.push_back('\\');
            }
            out.push_back(c);
        }
        out.push_back('"');
    }
    out.push_back('}');
    return out;
}

bool is_suppressed(db::Connection& conn, const Uuid& company_id, std::string_view email) {
    return conn.one(k_exists, company_id, email).only().boolean("hit");
}

std::optional<Suppression> find_suppression(db::Connection& conn, const Uuid& company_id,
                                            std::string_view email) {
    const auto r = conn.maybe_one(k_find, company_id, email);
    if (r.empty()) {
        return std::nullopt;
    }
    return from_row(r.only());
}

db::Call bounce_call(const Uuid& company_id, std::string_view email) {
    return db::call(k_bounce, db::Shape::none, company_id, email);
}

AddResult add_suppressions(db::Connection& conn, std::span<const NewSuppression> entries,
                           const std::optional<Uuid>& company_id,
                           const std::optional<std::string>& reason) {
    AddResult result;
    if (entries.empty()) {
        return result;
    }
    std::vector<std::optional<std::string>> emails, reasons;
    for (const auto& e : entries) {
        emails.emplace_back(e.email);
        reasons.push_back(e.reason);
    }
    conn.one(k_lock, k_suppression_lock);
    const auto r = conn.one(k_add, text_array_literal(emails), text_array_literal(reasons), reason,
                            company_id);
    const auto row = r.only();
    const auto distinct = row.integer("distinct_count");
    result.added = row.integer("added");
    result.already_present = distinct - result.added;
    result.repeated = static_cast<std::int64_t>(entries.size()) - distinct;
    return result;
}

RemoveResult remove_suppressions(db::Connection& conn, std::span<const std::string> emails,
                                 const std::optional<Uuid>& company_id) {
    RemoveResult result;
    conn.one(k_lock, k_suppression_lock);
    const auto list = array_of(emails);
    for (const auto row : conn.rows(k_missing, list, company_id)) {
        result.not_listed.push_back(row.text("email"));
    }
    if (result.not_listed.empty()) {
        result.removed = conn.none(k_remove, list, company_id).affected();
    }
    return result;
}

std::vector<Suppression> list_suppressions(db::Connection& conn,
                                           const std::optional<Uuid>& company_id) {
    std::vector<Suppression> out;
    for (const auto row : conn.rows(k_list, company_id)) {
        out.push_back(from_row(row));
    }
    return out;
}

} // namespace eq::suppression
