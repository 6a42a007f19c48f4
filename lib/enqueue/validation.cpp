#include "enqueue/validation.hpp"

#include <fmt/format.h>

#include <vector>

#include "config/config.hpp"
#include "content/template.hpp"
#include "message/address.hpp"
#include "util/strings.hpp"

namespace eq::enqueue {

namespace {

// Database text quoted in a reason: bounded, so a runaway value cannot flood a message.
std::string quoted(std::string_view text) {
    constexpr std::size_t k_max = 64;
    return fmt::format("'{}{}'", text.substr(0, k_max), text.size() > k_max ? "..." : "");
}

void template_problems(const campaign::Campaign& campaign, const config::Config& config,
                       std::vector<std::string>& problems) {
    if (config.content.generator != config::ContentGenerator::campaign_template) {
        return; // the configured program writes every email; the template is not used
    }
    if (!campaign.email_template || trim(*campaign.email_template).empty()) {
        problems.emplace_back("the campaign has no template");
    } else if (web_application_template(campaign)) {
        return; // refused before validation (queue-enqueue exits 78), the run left alone
    } else if (const auto failure = content::validate_template(*campaign.email_template)) {
        problems.push_back(failure->message);
    }
}

void account_problems(const campaign::CompanyAccount& account, const config::Config& config,
                      std::vector<std::string>& problems) {
    if (trim(account.account_email).empty()) {
        problems.emplace_back("the company has no account_email");
    } else if (const auto why = message::address_problem(account.account_email)) {
        problems.push_back(fmt::format("the company's account_email {} is not a valid address: {}",
                                       quoted(account.account_email), *why));
    }
    if (account.account_password.empty()) {
        problems.emplace_back("the company has no account_password");
    }
    if (trim(account.account_type).empty()) {
        problems.emplace_back("the company has no account_type");
    } else if (config.provider(account.account_type) == nullptr) {
        std::vector<std::string> known;
        for (const auto& [name, provider] : config.smtp.providers) {
            known.push_back(name);
        }
        problems.push_back(fmt::format(
            "the company's account_type {} is not a configured SMTP provider (known: {})",
            quoted(account.account_type), join(known, ", ")));
    }
}

} // namespace

bool web_application_template(const campaign::Campaign& campaign) {
    if (!campaign.email_template) {
        return false;
    }
    const auto text = trim(*campaign.email_template);
    return !to_lower(text.substr(0, 8)).starts_with("subject:") &&
           text.find("{email_body}") != std::string_view::npos;
}

std::optional<std::string> sending_problems(const campaign::Campaign& campaign,
                                            const std::optional<campaign::CompanyAccount>& account,
                                            const config::Config& config) {
    std::vector<std::string> problems;
    if (campaign.type != "email" && campaign.type != "email_and_call") {
        problems.push_back(fmt::format("the campaign's type is {}, not 'email' or 'email_and_call'",
                                       quoted(campaign.type)));
    }
    template_problems(campaign, config, problems);
    if (!account) {
        problems.push_back(fmt::format("company {} does not exist", campaign.company_id.str()));
    } else {
        account_problems(*account, config, problems);
    }
    if (problems.empty()) {
        return std::nullopt;
    }
    return join(problems, "; ");
}

} // namespace eq::enqueue
