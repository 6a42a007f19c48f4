#pragma once

#include "campaign/campaign.hpp"
#include "campaign/sending_account.hpp"

#include <optional>
#include <string>

namespace eq::config {
struct Config;
}

namespace eq::campaign {

// The seed's "validate credentials and campaign data" step, run before a campaign run
// is fanned out: every reason the campaign cannot be sent from its company's account,
// joined by "; " (it becomes the run's failure_reason), or nothing when it can be.
// Checked: the campaign is an email campaign; its template is not empty, starts with a
// "Subject:" line with text and has a body; the company exists and has an account_email
// of valid shape, an account_password, and an account_type naming a provider the
// configuration knows (config.provider()). Every check before sending belongs here, so
// later ones (the template's placeholders) are added to this one function.
// account is nothing when the company does not exist.
std::optional<std::string> sending_problems(const Campaign& campaign,
                                            const std::optional<SendingAccount>& account,
                                            const config::Config& config);

} // namespace eq::campaign
