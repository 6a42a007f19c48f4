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
// Checked: the campaign is an email campaign (type email or email_and_call); when content comes
// from the campaign's template (content.generator: template), the template is present and passes
// content::validate_template() (subject line, body, known placeholders); the company
// exists and has an account_email that passes the address rule (message::address_problem),
// an account_password, and an account_type naming a provider the configuration knows
// (config.provider()). Every check before sending belongs here.
// account is nothing when the company does not exist; its password is only tested for
// presence, and never appears in a reason.
// Whether the campaign's template is the web application's own (an HTML frame around
// {email_body}, applied to its AI replies) rather than emailqueue's "Subject:" format:
// it does not start with a Subject line and has the {email_body} placeholder. (Any
// other template without a Subject line is a broken emailqueue template, and fails
// validation as before.) Such a campaign's emails are written
// at send time by content.command; with content.generator: template, queue-enqueue
// refuses it (exit 78) and marks nothing failed.
bool web_application_template(const campaign::Campaign& campaign);

std::optional<std::string> sending_problems(const campaign::Campaign& campaign,
                                            const std::optional<campaign::CompanyAccount>& account,
                                            const config::Config& config);

} // namespace eq::enqueue
