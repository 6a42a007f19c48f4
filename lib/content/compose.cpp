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
    if (!request.campaign_template || request.campaign_template->empty()) {
        return ContentFailure{false, "the campaign has no template"};
    }
    auto rendered = render_template(*request.campaign_template, request.records);
    if (!rendered) {
        return ContentFailure{false, rendered.error()};
    }
    return std::move(rendered).value();
}

} // namespace eq::content
