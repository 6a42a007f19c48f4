#include "campaign/validation.hpp"

#include "config/config.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>
#include <vector>

namespace eq::campaign {

namespace {

// Database text quoted in a reason: bounded, so a runaway value cannot flood a message.
std::string quoted(std::string_view text) {
    constexpr std::size_t k_max = 64;
    return fmt::format("'{}{}'", text.substr(0, k_max), text.size() > k_max ? "..." : "");
}

bool blank(const std::optional<std::string>& text) {
    return !text || trim(*text).empty();
}

std::optional<std::string> template_problem(const std::optional<std::string>& email_template) {
    if (blank(email_template)) {
        return "the campaign has no template";
    }
    const std::string_view text = *email_template;
    const auto eol = text.find('\n');
    const std::string_view first = text.substr(0, eol);
    constexpr std::string_view k_subject = "subject:";
    if (first.size() < k_subject.size() ||
        to_lower(first.substr(0, k_subject.size())) != k_subject) {
        return "the template's first line is not a 'Subject:' line";
    }
    if (trim(first.substr(k_subject.size())).empty()) {
        return "the template's subject is empty";
    }
    if (eol == std::string_view::npos || trim(text.substr(eol + 1)).empty()) {
        return "the template has no body after its subject line";
    }
    return std::nullopt;
}

void account_problems(const SendingAccount& account, const config::Config& config,
                      std::vector<std::string>& problems) {
    if (blank(account.email)) {
        problems.emplace_back("the company has no account_email");
    } else if (!account.email_valid) {
        problems.push_back(fmt::format("the company's account_email {} is not a valid address",
                                       quoted(*account.email)));
    }
    if (!account.has_password) {
        problems.emplace_back("the company has no account_password");
    }
    if (blank(account.type)) {
        problems.emplace_back("the company has no account_type");
    } else if (config.provider(*account.type) == nullptr) {
        std::vector<std::string> known;
        for (const auto& [name, provider] : config.smtp.providers) {
            known.push_back(name);
        }
        problems.push_back(fmt::format(
            "the company's account_type {} is not a configured SMTP provider (known: {})",
            quoted(*account.type), join(known, ", ")));
    }
}

} // namespace

std::optional<std::string> sending_problems(const Campaign& campaign,
                                            const std::optional<SendingAccount>& account,
                                            const config::Config& config) {
    std::vector<std::string> problems;
    if (campaign.type != "email") {
        problems.push_back(
            fmt::format("the campaign's type is {}, not 'email'", quoted(campaign.type)));
    }
    if (auto p = template_problem(campaign.email_template)) {
        problems.push_back(std::move(*p));
    }
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

} // namespace eq::campaign
