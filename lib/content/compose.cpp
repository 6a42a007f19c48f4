#include "content/compose.hpp"

#include "content/generator.hpp"
#include "content/template.hpp"

namespace eq::content {

ContentResult compose_content(const config::Config::Content& settings,
                              const ContentRequest& request) {
    if (request.subject && request.email_body) {
        return Content{*request.subject, *request.email_body};
    }
    if (settings.generator == config::ContentGenerator::command) {
        auto generated =
            run_generator(settings.command, generator_input(request.records), settings.timeout);
        if (!generated) {
            return ContentFailure{true, generated.error()};
        }
        return std::move(generated).value();
    }
    // The web application queues rows without content and expects it generated at send
    // time; its campaigns' templates are not emailqueue's format. Say what would help.
    const auto no_content = [](const std::string& why) {
        return ContentFailure{false, why + std::string(k_no_content_hint)};
    };
    if (!request.campaign_template || request.campaign_template->empty()) {
        return no_content("the campaign has no template");
    }
    auto rendered = render_template(*request.campaign_template, request.records);
    if (!rendered) {
        return no_content(rendered.error());
    }
    return std::move(rendered).value();
}

} // namespace eq::content
