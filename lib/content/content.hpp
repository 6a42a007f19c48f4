#pragma once

#include <map>
#include <optional>
#include <string>

namespace eq::content {

// One database row as the content step sees it: column name -> value (nullopt for
// NULL). Values are text as PostgreSQL prints them.
using Fields = std::map<std::string, std::optional<std::string>, std::less<>>;

// The three rows an email is written from.
struct Records {
    Fields lead;     // leads: name, email, company, job_title, ...
    Fields company;  // companies: never account_password (see template.hpp's columns)
    Fields campaign; // campaigns: name, type, ...
};

// What is sent: the subject (plain text, one line) and the HTML body, before the
// tracking pixel is added. This is what email_log_details stores.
struct Content {
    std::string subject;
    std::string html_body;
};

} // namespace eq::content
