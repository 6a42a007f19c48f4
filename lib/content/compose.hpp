#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "config/config.hpp"
#include "content/content.hpp"

namespace eq::content {

// Why a row has no content, and whether trying again later can help.
struct ContentFailure {
    bool transient = false; // true: the generator failed (retry the row later);
                            // false: the template or the row is wrong (fail the row)
    std::string message;    // for email_queue.error_message
};

using ContentResult = std::variant<Content, ContentFailure>;

// What one queue row offers besides its lead, company and campaign.
struct ContentRequest {
    std::optional<std::string> subject;           // email_queue.subject (pre-generated)
    std::optional<std::string> email_body;        // email_queue.email_body (pre-generated)
    std::optional<std::string> campaign_template; // campaigns.template
    Records records;
};

// The subject and body of one row, in this order of preference:
//   1. the row's pre-generated subject and email_body, both present: sent as they are;
//   2. content.generator = template: the campaign's template rendered for the lead
//      (no template, or a bad one: permanent failure);
//   3. content.generator = command: the configured program (any failure transient).
// Appended to a template failure: the row has no content of its own either.
inline constexpr std::string_view k_no_content_hint =
    "; the row has no pre-generated content (subject and email_body): set "
    "content.generator: command to generate it at send time";

ContentResult compose_content(const config::Config::Content& settings,
                              const ContentRequest& request);

} // namespace eq::content
