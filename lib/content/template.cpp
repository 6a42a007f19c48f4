#include "content/template.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "util/html.hpp"
#include "util/strings.hpp"

namespace eq::content {

const TemplateColumns& default_template_columns() {
    static const TemplateColumns k_columns{
        {"id", "name", "first_name", "email", "company", "job_title", "phone_number"},
        {"id", "name", "account_email", "account_type"},
        {"id", "name", "type"},
    };
    return k_columns;
}

std::string first_name(const std::optional<std::string>& name) {
    if (!name) {
        return {};
    }
    const auto t = trim(*name);
    const auto end = t.find_first_of(" \t\r\n");
    return std::string(t.substr(0, end));
}

namespace {

struct Split {
    std::string_view subject;
    int subject_line = 1;
    std::string_view body;
    int body_line = 1;
};

// Cuts "Subject: ...", the optional blank line and the body apart.
Expected<Split> split_template(std::string_view text) {
    if (text.starts_with("\xef\xbb\xbf")) {
        text.remove_prefix(3);
    }
    Split s;
    int line = 1;
    // Leading blank lines.
    while (true) {
        const auto nl = text.find('\n');
        const auto first = text.substr(0, nl);
        if (nl == std::string_view::npos || !trim(first).empty()) {
            break;
        }
        text.remove_prefix(nl + 1);
        ++line;
    }
    const auto nl = text.find('\n');
    auto first = text.substr(0, nl);
    if (first.ends_with('\r')) {
        first.remove_suffix(1);
    }
    if (first.size() < 8 || to_lower(first.substr(0, 8)) != "subject:") {
        return fail(fmt::format("template line {}: the template must start with a "
                                "'Subject: ...' line, a blank line, then the HTML body",
                                line));
    }
    s.subject = trim(first.substr(8));
    s.subject_line = line;
    if (s.subject.empty()) {
        return fail(fmt::format("template line {}: the subject line is empty", line));
    }
    std::string_view rest = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line;
    const auto nl2 = rest.find('\n');
    if (nl2 != std::string_view::npos && trim(rest.substr(0, nl2)).empty()) {
        rest.remove_prefix(nl2 + 1);
        ++line;
    }
    if (trim(rest).empty()) {
        return fail(fmt::format("template line {}: the template has a subject but no body",
                                s.subject_line));
    }
    s.body = rest;
    s.body_line = line;
    return s;
}

const std::vector<std::string>* columns_of(const TemplateColumns& c, std::string_view table) {
    if (table == "lead") {
        return &c.lead;
    }
    if (table == "company") {
        return &c.company;
    }
    if (table == "campaign") {
        return &c.campaign;
    }
    return nullptr;
}

const Fields& fields_of(const Records& r, std::string_view table) {
    return table == "lead" ? r.lead : table == "company" ? r.company : r.campaign;
}

std::vector<std::string> all_placeholders(const TemplateColumns& c) {
    std::vector<std::string> out;
    for (const auto* table : {"lead", "company", "campaign"}) {
        for (const auto& col : *columns_of(c, table)) {
            out.push_back(fmt::format("{}.{}", table, col));
        }
    }
    return out;
}

// Calls emit(text) for literal text and emit_value(table, column) for placeholders, in
// order; fails on the first malformed or unknown placeholder.
template <class Literal, class Value>
std::optional<Failure> walk(std::string_view part, int first_line, const TemplateColumns& columns,
                            Literal&& literal, Value&& value) {
    std::size_t pos = 0;
    int line = first_line;
    const auto line_at = [&](std::size_t upto) {
        return line + static_cast<int>(std::count(part.begin() + static_cast<long>(pos),
                                                  part.begin() + static_cast<long>(upto), '\n'));
    };
    while (pos < part.size()) {
        const auto open = part.find("{{", pos);
        if (open == std::string_view::npos) {
            literal(part.substr(pos));
            break;
        }
        literal(part.substr(pos, open - pos));
        const int here = line_at(open);
        const auto close = part.find("}}", open + 2);
        const auto newline = part.find('\n', open + 2);
        if (close == std::string_view::npos ||
            (newline != std::string_view::npos && newline < close)) {
            return fail(fmt::format("template line {}: '{{{{' without a closing '}}}}'", here));
        }
        const auto inner = trim(part.substr(open + 2, close - open - 2));
        const auto dot = inner.find('.');
        const auto* cols =
            dot == std::string_view::npos ? nullptr : columns_of(columns, inner.substr(0, dot));
        const auto column =
            dot == std::string_view::npos ? std::string_view{} : inner.substr(dot + 1);
        if (cols == nullptr || std::find(cols->begin(), cols->end(), column) == cols->end()) {
            const auto candidates = all_placeholders(columns);
            const auto suggestion = closest_match(inner, candidates);
            return fail(fmt::format(
                "template line {}: unknown placeholder {{{{{}}}}}{}", here, inner.substr(0, 80),
                suggestion ? fmt::format("; did you mean {{{{{}}}}}?", *suggestion)
                           : std::string("; use {{lead.<column>}}, {{company.<column>}} or "
                                         "{{campaign.<column>}}")));
        }
        value(inner.substr(0, dot), column);
        line = here;
        pos = close + 2;
    }
    return std::nullopt;
}

std::string lookup(const Records& records, std::string_view table, std::string_view column) {
    const Fields& f = fields_of(records, table);
    if (const auto it = f.find(column); it != f.end()) {
        return it->second.value_or(std::string{});
    }
    if (table == "lead" && column == "first_name") {
        const auto name = records.lead.find("name");
        return name == records.lead.end() ? std::string{} : first_name(name->second);
    }
    return {};
}

std::string one_line(std::string s) {
    std::replace_if(
        s.begin(), s.end(), [](char c) { return c == '\r' || c == '\n'; }, ' ');
    return s;
}

} // namespace

std::optional<Failure> validate_template(std::string_view text, const TemplateColumns& columns) {
    const auto split = split_template(text);
    if (!split) {
        return Failure{split.error()};
    }
    const auto nothing = [](auto&&...) {};
    if (auto f = walk(split->subject, split->subject_line, columns, nothing, nothing)) {
        return f;
    }
    return walk(split->body, split->body_line, columns, nothing, nothing);
}

Expected<Content> render_template(std::string_view text, const Records& records,
                                  const TemplateColumns& columns) {
    const auto split = split_template(text);
    if (!split) {
        return fail(split.error());
    }
    Content out;
    if (auto f = walk(
            split->subject, split->subject_line, columns,
            // A bare CR in the subject line's own text is a line break too.
            [&](std::string_view lit) { out.subject += one_line(std::string(lit)); },
            [&](std::string_view table, std::string_view column) {
                out.subject += one_line(lookup(records, table, column));
            })) {
        return *f;
    }
    out.subject = std::string(trim(out.subject));
    if (out.subject.empty()) {
        return fail(fmt::format("template line {}: the subject is empty for this lead",
                                split->subject_line));
    }
    if (auto f = walk(
            split->body, split->body_line, columns,
            [&](std::string_view lit) { out.html_body += lit; },
            [&](std::string_view table, std::string_view column) {
                out.html_body += html_escape(lookup(records, table, column));
            })) {
        return *f;
    }
    return out;
}

} // namespace eq::content
