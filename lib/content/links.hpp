#pragma once

#include <string>
#include <string_view>

#include "util/uuid.hpp"

namespace eq::content {

// The open-tracking pixel, as the web application writes it:
//   <img src="<base_url>/api/track-email/<email_log_id>" width="1" height="1"
//        style="display:none" alt="" />
// inserted before the last </body> (any case), or appended when the body has none.
// An empty base_url (tracking.base_url unset) leaves the body unchanged.
std::string tracking_pixel(std::string_view base_url, const Uuid& email_log_id);
std::string add_tracking_pixel(std::string_view html, std::string_view base_url,
                               const Uuid& email_log_id);

// The ids an unsubscribe.url template may name: {lead_id}, {company_id},
// {campaign_id}, {email_log_id} (config::k_unsubscribe_placeholders).
struct UnsubscribeIds {
    Uuid lead_id;
    Uuid company_id;
    Uuid campaign_id;
    Uuid email_log_id;
};

// The unsubscribe.url template with its placeholders replaced; "" when the template is
// empty. The configuration has checked the template, and UUIDs need no URL escaping.
std::string unsubscribe_url(std::string_view url_template, const UnsubscribeIds& ids);

} // namespace eq::content
