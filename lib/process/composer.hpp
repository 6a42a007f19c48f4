#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "campaign/company_account.hpp"
#include "config/config.hpp"
#include "content/compose.hpp"
#include "content/content.hpp"
#include "crypto/fernet.hpp"
#include "log/log.hpp"
#include "queue/claimed_row.hpp"
#include "util/expected.hpp"
#include "util/json.hpp"
#include "util/uuid.hpp"

namespace eq::process {

// A row ready to send: its message built, its Message-ID and email log chosen.
struct Prepared {
    queue::ClaimedRow row;
    std::string to;
    content::Content content;
    std::string message_id;
    Uuid email_log_id;
    std::string bytes;
    // The script of the call this first email hands its lead to, when the content
    // generator wrote one (processing.call_handoff).
    std::optional<std::string> call_script;
};

// Why a row is not sent, and what becomes of it.
struct Refusal {
    enum class Kind { fail, skip, retry };
    Kind kind = Kind::fail;
    std::string reason;
};

// A lead's or campaign's columns as template fields (null stays null; numbers, booleans
// and nested values as text).
content::Fields to_fields(const Json& object);

// Why the company's account cannot send (the company is then held), or nothing; fills
// `password` with the decrypted one.
std::optional<std::string> account_problem(const config::Config& config,
                                           const campaign::CompanyAccount& account,
                                           const crypto::FernetKey& key, std::string& password);

// Why the row cannot be sent whatever its content: the lead or campaign gone, no or an
// invalid address (failed), a suppressed address (skipped). Nothing when it can.
std::optional<Refusal> row_refusal(const queue::ClaimedRow& row);

// One line about one row, once its outcome is known: "company C: row R: ...".
void note(log::Level level, const log::Context& about, std::string_view what);

// What a row's log lines are about: JSON lines carry these as fields.
log::Context about(const Uuid& company, const queue::EmailQueueItem& item);

// Composes and builds the messages of one company's account.
class Composer {
public:
    Composer(const config::Config& config, campaign::CompanyAccount account);

    const campaign::CompanyAccount& account() const { return m_account; }

    // Whether composing the row runs the content generator (a program, not a template).
    bool generates(const queue::ClaimedRow& row) const;

    // Whether this row, once sent, hands its lead to the web application's call queue
    // with a script from the content generator: a first email of an email_and_call
    // campaign that calls after the email, to a lead with a phone number, with the
    // hand-off on and a generator configured. (The database makes the final decision,
    // email_queue_call_handoff; this only decides whether a script is worth writing.)
    bool hands_off_a_call(const queue::ClaimedRow& row) const;

    // The row's message (row_refusal() passed): content composed (running the
    // generator when generates()), Message-ID and email log chosen (a retry keeps its
    // first attempt's), the call script written when hands_off_a_call() (its failure is
    // a warning: the call is queued without one). `before_call_script` runs before the
    // call script generator. A refusal when it cannot be built (retry: the generator
    // failed transiently). `row` is moved from only when a Prepared is returned.
    std::variant<Prepared, Refusal> compose(queue::ClaimedRow&& row,
                                            const std::function<void()>& before_call_script) const;

    // Rebuilds the message with the Message-ID and email log the row's mark stored,
    // when they differ from those it was built with; why, when it cannot be.
    std::optional<Failure> adopt(Prepared& p, const std::string& message_id,
                                 const Uuid& log_id) const;

private:
    Expected<std::string> build(const queue::ClaimedRow& row, const content::Content& content,
                                const std::string& to, const std::string& message_id,
                                const Uuid& log_id) const;

    const config::Config& m_config;
    campaign::CompanyAccount m_account;
    content::Fields m_company_fields;
};

} // namespace eq::process
