#pragma once

#include <optional>
#include <string>

#include "campaign/campaign.hpp"
#include "campaign/company_account.hpp"

namespace eq::config {
struct Config;
}

namespace eq::enqueue {

// The seed's "validate credentials and campaign data" step, run before a campaign run
// is fanned out: every reason the campaign cannot be sent from its company's account,
// joined by "; " (it becomes the run's failure_reason), or nothing when it can be.
// Checked: the campaign is an email campaign; when content comes from the campaign's
// template (content.generator: template), the template is present and passes
// content::validate_template() (subject line, body, known placeholders); the company
// exists and has an account_email that passes the address rule (message::address_problem),
// an account_password, and an account_type naming a provider the configuration knows
// (config.provider()). Every check before sending belongs here.
// account is nothing when the company does not exist; its password is only tested for
// presence, and never appears in a reason.
std::optional<std::string> sending_problems(const campaign::Campaign& campaign,
                                            const std::optional<campaign::CompanyAccount>& account,
                                            const config::Config& config);

} // namespace eq::enqueue
