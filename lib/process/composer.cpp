#include "process/composer.hpp"

#include <fmt/format.h>

#include <chrono>

#include "content/generator.hpp"
#include "content/links.hpp"
#include "message/address.hpp"
#include "message/header.hpp"
#include "message/message.hpp"
#include "util/strings.hpp"

namespace eq::process {

content::Fields to_fields(const Json& object) {
    content::Fields fields;
    if (!object.is_object()) {
        return fields;
    }
    for (const auto& [key, value] : object.as_object()) {
        if (value.is_null()) {
            fields[key] = std::nullopt;
        } else if (value.is_string()) {
            fields[key] = value.as_string();
        } else if (value.is_bool()) {
            fields[key] = value.as_bool() ? "true" : "false";
        } else if (value.is_int()) {
            fields[key] = std::to_string(value.as_int());
        } else {
            fields[key] = value.dump();
        }
    }
    return fields;
}

std::optional<std::string> account_problem(const config::Config& config,
                                           const campaign::CompanyAccount& account,
                                           const crypto::FernetKey& key, std::string& password) {
    if (account.account_email.empty()) {
        return std::string("the company has no sending account (account_email is empty)");
    }
    if (const auto p = message::address_problem(account.account_email)) {
        return fmt::format("the sending account's address is invalid: {}", *p);
    }
    if (config.provider(account.account_type) == nullptr) {
        return fmt::format("unknown provider '{}' (account_type): add it under "
                           "smtp.providers in the configuration",
                           account.account_type);
    }
    if (account.account_password.empty()) {
        return std::string("the company has no stored password (account_password is empty)");
    }
    auto decrypted = crypto::fernet_decrypt(key, account.account_password);
    if (!decrypted) {
        return decrypted.error();
    }
    password = std::move(decrypted).value();
    return std::nullopt;
}

std::optional<Refusal> row_refusal(const queue::ClaimedRow& row) {
    using Kind = Refusal::Kind;
    if (!row.lead_found || row.lead_deleted) {
        return Refusal{Kind::fail,
                       row.lead_found ? "the lead was deleted" : "the lead no longer exists"};
    }
    if (!row.campaign_found) {
        return Refusal{Kind::fail, "the campaign no longer exists"};
    }
    if (!row.lead_problem.empty()) {
        return Refusal{Kind::fail, row.lead_problem};
    }
    const std::string to = row.lead_email.value_or("");
    if (to.empty()) {
        return Refusal{Kind::fail, "the lead has no email address"};
    }
    if (const auto p = message::address_problem(to)) {
        return Refusal{Kind::fail, fmt::format("invalid address: {}", *p)};
    }
    if (row.suppressed) {
        return Refusal{Kind::skip, "the address is on the do-not-email list"};
    }
    return std::nullopt;
}

void note(log::Level level, const log::Context& about, std::string_view what) {
    if (log::enabled(level)) {
        log::write(
            level,
            fmt::format("company {}: row {}: {}", about.company->str(), about.row->str(), what),
            about);
    }
}

log::Context about(const Uuid& company, const queue::EmailQueueItem& item) {
    return log::Context{company, item.campaign_run_id, item.id};
}

Composer::Composer(const config::Config& config, campaign::CompanyAccount account)
    : m_config(config), m_account(std::move(account)),
      m_company_fields(to_fields(m_account.fields)) {}

bool Composer::generates(const queue::ClaimedRow& row) const {
    return m_config.content.generator == config::ContentGenerator::command &&
           !(row.item.subject && row.item.email_body);
}

bool Composer::hands_off_a_call(const queue::ClaimedRow& row) const {
    if (!m_config.processing.call_handoff ||
        m_config.content.generator != config::ContentGenerator::command || row.item.email_log_id ||
        row.item.message_id) {
        return false;
    }
    const auto text = [](const Json& object, const char* key) {
        const Json* v = object.is_object() ? object.find(key) : nullptr;
        return v != nullptr && v->is_string() ? v->as_string() : std::string();
    };
    return text(row.campaign, "type") == "email_and_call" &&
           text(row.campaign, "trigger_call_on") == "after_email_sent" &&
           !trim(text(row.lead, "phone_number")).empty();
}

std::variant<Prepared, Refusal>
Composer::compose(queue::ClaimedRow&& row, const std::function<void()>& before_call_script) const {
    const auto& item = row.item;
    std::string to = row.lead_email.value_or("");
    auto composed = content::compose_content(
        m_config.content, {item.subject,
                           item.email_body,
                           row.campaign_template,
                           {to_fields(row.lead), m_company_fields, to_fields(row.campaign)}});
    if (const auto* failure = std::get_if<content::ContentFailure>(&composed)) {
        return Refusal{failure->transient ? Refusal::Kind::retry : Refusal::Kind::fail,
                       failure->message};
    }
    auto content = std::get<content::Content>(std::move(composed));
    // A retry sends with the Message-ID and email log of the first attempt; a first
    // attempt's are made here and fixed by its send-started mark.
    std::string message_id;
    if (item.sent_message_id) {
        message_id = *item.sent_message_id;
    } else {
        auto made = message::make_message_id(m_account.account_email);
        if (!made) {
            return Refusal{Refusal::Kind::fail, made.error()};
        }
        message_id = *made;
    }
    const Uuid log_id = item.sent_email_log_id.value_or(item.email_log_id.value_or(Uuid::random()));
    auto bytes = build(row, content, to, message_id, log_id);
    if (!bytes) {
        return Refusal{Refusal::Kind::fail, bytes.error()};
    }
    std::optional<std::string> call_script;
    if (hands_off_a_call(row)) {
        before_call_script();
        const content::Records records{to_fields(row.lead), m_company_fields,
                                       to_fields(row.campaign)};
        auto script = content::run_call_script_generator(
            m_config.content.command, content::generator_input(records), m_config.content.timeout);
        if (script) {
            call_script = std::move(script).value();
        } else {
            // The email goes out; the call is queued without a script, as the web
            // application's own processor would have it when its generation fails.
            note(log::Level::warn, about(m_account.id, item),
                 "call script not generated: " + script.error());
        }
    }
    return Prepared{std::move(row), std::move(to),     std::move(content),    std::move(message_id),
                    log_id,         std::move(*bytes), std::move(call_script)};
}

std::optional<Failure> Composer::adopt(Prepared& p, const std::string& message_id,
                                       const Uuid& log_id) const {
    if (message_id == p.message_id && log_id == p.email_log_id) {
        return std::nullopt;
    }
    auto bytes = build(p.row, p.content, p.to, message_id, log_id);
    if (!bytes) {
        return Failure{bytes.error()};
    }
    p.message_id = message_id;
    p.email_log_id = log_id;
    p.bytes = std::move(*bytes);
    return std::nullopt;
}

Expected<std::string> Composer::build(const queue::ClaimedRow& row, const content::Content& content,
                                      const std::string& to, const std::string& message_id,
                                      const Uuid& log_id) const {
    const auto& item = row.item;
    message::OutgoingMessage m;
    m.date =
        std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
    m.from = {message::display_name_for(m_account.account_email, m_account.name),
              m_account.account_email};
    const auto lead_name = row.lead.find("name");
    m.to = {lead_name && lead_name->is_string() ? lead_name->as_string() : std::string(), to};
    if (auto reply_to = message::reply_to_address(m_account.account_email, log_id)) {
        m.reply_to = *reply_to;
    }
    m.subject = content.subject;
    m.message_id = message_id;
    if (auto threading = message::thread_headers(item.message_id, item.reference_ids)) {
        m.in_reply_to = std::move(threading->in_reply_to);
        m.references = std::move(threading->references);
    }
    if (!m_config.unsubscribe.url.empty()) {
        m.list_unsubscribe = content::unsubscribe_url(
            m_config.unsubscribe.url, {item.lead_id, item.company_id, item.campaign_id, log_id});
    }
    m.html_body =
        content::add_tracking_pixel(content.html_body, m_config.tracking.base_url, log_id);
    return message::build_message(m);
}

} // namespace eq::process
