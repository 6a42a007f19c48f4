#include "content/links.hpp"

#include <fmt/format.h>

#include "util/html.hpp"
#include "util/strings.hpp"

namespace eq::content {

std::string tracking_pixel(std::string_view base_url, const Uuid& email_log_id) {
    return fmt::format(R"(<img src="{}/api/track-email/{}" width="1" height="1" )"
                       R"(style="display:none" alt="" />)",
                       html_escape(base_url), email_log_id.str());
}

std::string add_tracking_pixel(std::string_view html, std::string_view base_url,
                               const Uuid& email_log_id) {
    if (base_url.empty()) {
        return std::string(html);
    }
    const auto pixel = tracking_pixel(base_url, email_log_id);
    const auto at = to_lower(html).rfind("</body>");
    if (at == std::string::npos) {
        return std::string(html) + pixel;
    }
    std::string out(html.substr(0, at));
    out += pixel;
    out += html.substr(at);
    return out;
}

std::string unsubscribe_url(std::string_view url_template, const UnsubscribeIds& ids) {
    std::string out;
    for (std::size_t i = 0; i < url_template.size();) {
        bool replaced = false;
        for (const auto& [name, id] :
             {std::pair{"{lead_id}", &ids.lead_id}, std::pair{"{company_id}", &ids.company_id},
              std::pair{"{campaign_id}", &ids.campaign_id},
              std::pair{"{email_log_id}", &ids.email_log_id}}) {
            if (url_template.substr(i).starts_with(name)) {
                out += id->str();
                i += std::string_view(name).size();
                replaced = true;
                break;
            }
        }
        if (!replaced) {
            out.push_back(url_template[i++]);
        }
    }
    return out;
}

} // namespace eq::content
