#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "content/content.hpp"
#include "util/expected.hpp"

namespace eq::content {

// A campaign template (campaigns.template) is
//
//     Subject: Hello {{lead.first_name}}
//     <blank line>
//     <html>... {{lead.company}} ... {{campaign.name}} ...</html>
//
// The first line must start with "Subject:" (any case; leading blank lines and a UTF-8
// byte order mark are ignored); one blank line after it is skipped when present; the rest
// is the HTML body. Placeholders are {{table.column}} (spaces inside the braces allowed)
// with table lead, company or campaign and a column from that table's known list. Values
// are HTML-escaped in the body and inserted as they are in the subject (line breaks
// become spaces). NULL, and a known column missing from the row, render as "".
// {{lead.first_name}} is the first word of the lead's name unless the row carries a
// first_name value of its own.

// The columns a template (and the command generator's input) may use, per table.
struct TemplateColumns {
    std::vector<std::string> lead;
    std::vector<std::string> company;
    std::vector<std::string> campaign;
};

// The documented lists:
//   lead:     id, name, first_name, email, company, job_title, phone_number
//   company:  id, name, account_email, account_type   (never account_password)
//   campaign: id, name, type
const TemplateColumns& default_template_columns();

// Checks a template without rendering it: a subject line that is not empty, a body,
// every placeholder well-formed and known. The failure names the line:
// "template line 3: unknown placeholder {{lead.nmae}}" (with "; did you mean ...?").
// For queue-enqueue and queue-admin to refuse a bad template before anything is sent.
std::optional<Failure>
validate_template(std::string_view text,
                  const TemplateColumns& columns = default_template_columns());

// Renders a template for one lead. Fails (permanently: the template or the row is
// wrong, not the moment) when validate_template() would, and when the subject renders
// empty for this lead.
Expected<Content> render_template(std::string_view text, const Records& records,
                                  const TemplateColumns& columns = default_template_columns());

// The first word of a name ("Ann Lee" -> "Ann"); "" for NULL or blank.
std::string first_name(const std::optional<std::string>& name);

} // namespace eq::content
