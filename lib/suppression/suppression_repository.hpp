#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "db/connection.hpp"
#include "util/time.hpp"
#include "util/uuid.hpp"

namespace eq::suppression {

// The do_not_email list (the web application's table): an address that must not be
// mailed, by one company (company_id) or by every company (company_id empty).
// Addresses compare case-insensitively; the table may hold the same address twice
// (the web application writes it too), which is harmless: a lookup asks whether any
// entry matches.
struct Suppression {
    Uuid id;
    std::string email;
    std::optional<std::string> reason;
    std::optional<Uuid> company_id; // empty: applies to every company
    Timestamp created_at;
};

// Whether `company_id` must not mail `email`: an entry of that company or a global one.
// One indexed lookup; for queue-process before each send, and for explanations.
bool is_suppressed(db::Connection& conn, const Uuid& company_id, std::string_view email);

// The entry that suppresses `email` for `company_id` (the company's own first, then a
// global one, oldest first), or nothing.
std::optional<Suppression> find_suppression(db::Connection& conn, const Uuid& company_id,
                                            std::string_view email);

// A permanent recipient failure (5.1.x): adds `email` to the company's list with reason
// 'bounce' unless the company or everyone already lists it, so no other campaign of the
// company sends to it again. A call, to travel with the batch's next database step.
db::Call bounce_call(const Uuid& company_id, std::string_view email);

// An address to add (already checked with message::address_problem()) and its own reason.
struct NewSuppression {
    std::string email;
    std::optional<std::string> reason;
};

struct AddResult {
    std::int64_t added = 0;           // rows inserted
    std::int64_t already_present = 0; // addresses already listed in that scope
    std::int64_t repeated = 0;        // the same address given more than once
};

// Adds the addresses to the list of `company_id` (empty: every company), in one
// statement; an address already listed in that scope, in any case, is left as it is, so
// adding twice adds nothing. An entry without its own reason gets `reason`. Takes a
// transaction-level advisory lock so concurrent imports cannot list an address twice:
// call it inside a transaction. The company must exist (check first).
AddResult add_suppressions(db::Connection& conn, std::span<const NewSuppression> entries,
                           const std::optional<Uuid>& company_id,
                           const std::optional<std::string>& reason);

// Removes every entry of these addresses in that scope (only global entries when
// company_id is empty); returns the addresses that had none, removing nothing in that
// case (the caller reports them). Call inside a transaction.
struct RemoveResult {
    std::int64_t removed = 0;
    std::vector<std::string> not_listed;
};
RemoveResult remove_suppressions(db::Connection& conn, std::span<const std::string> emails,
                                 const std::optional<Uuid>& company_id);

// The entries that apply to company_id (its own and the global ones), or every entry
// when it is empty; ordered by address.
std::vector<Suppression> list_suppressions(db::Connection& conn,
                                           const std::optional<Uuid>& company_id);

// A PostgreSQL text[] literal for a $n parameter ("{\"a\",NULL}"); empty optionals are NULL.
std::string text_array_literal(std::span<const std::optional<std::string>> values);

} // namespace eq::suppression
