#include "report/html.hpp"

#include <algorithm>

namespace eq::report {

namespace {

constexpr std::string_view k_style = R"(
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em auto; max-width: 1100px;
       color: #222; background: #fff; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 2em; }
p.subtitle { color: #666; margin-top: 0; }
p.note { color: #555; }
table { border-collapse: collapse; margin: 1em 0; font-size: 13px; }
caption { text-align: left; font-weight: bold; padding: 0.3em 0; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure.chart { display: inline-block; margin: 0.5em 1em 0.5em 0; }
svg text { font: 11px system-ui, sans-serif; fill: #333; }
)";

} // namespace

std::string render_table(const Table& t) {
    std::string out = "<table>\n";
    if (!t.caption.empty()) {
        out += "<caption>" + html_escape(t.caption) + "</caption>\n";
    }
    out += "<thead><tr>";
    for (const auto& h : t.headers) {
        out += "<th>" + html_escape(h) + "</th>";
    }
    out += "</tr></thead>\n<tbody>\n";
    for (const auto& row : t.rows) {
        out += "<tr>";
        for (std::size_t i = 0; i < row.size(); ++i) {
            const bool num = std::find(t.numeric_columns.begin(), t.numeric_columns.end(), i) !=
                             t.numeric_columns.end();
            out += num ? "<td class=\"num\">" : "<td>";
            out += html_escape(row[i]) + "</td>";
        }
        out += "</tr>\n";
    }
    out += "</tbody>\n</table>\n";
    return out;
}

std::string render_page(const Page& page) {
    std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    out += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
           "style-src 'unsafe-inline'; img-src data:\">\n";
    out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    out += "<title>" + html_escape(page.title) + "</title>\n<style>" + std::string(k_style) +
           "</style>\n</head>\n<body>\n";
    out += "<h1>" + html_escape(page.title) + "</h1>\n";
    if (!page.subtitle.empty()) {
        out += "<p class=\"subtitle\">" + html_escape(page.subtitle) + "</p>\n";
    }
    for (const auto& s : page.sections) {
        out += "<section>\n<h2>" + html_escape(s.heading) + "</h2>\n";
        if (!s.note.empty()) {
            out += "<p class=\"note\">" + html_escape(s.note) + "</p>\n";
        }
        for (const auto& chart : s.charts) {
            out += "<figure class=\"chart\">" + chart + "</figure>\n";
        }
        for (const auto& t : s.tables) {
            out += render_table(t);
        }
        out += "</section>\n";
    }
    out += "</body>\n</html>\n";
    return out;
}

} // namespace eq::report
