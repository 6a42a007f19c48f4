#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/html.hpp"

namespace eq::report {

// Text made safe inside HTML or SVG elements and attribute values: & < > " ' escaped
// (the escaping templates use).
using eq::html_escape;

// A table of text cells; every cell is escaped when rendered.
struct Table {
    std::string caption;
    std::vector<std::string> headers;
    std::vector<std::vector<std::string>> rows;
    // Columns (by index) holding numbers: right-aligned.
    std::vector<std::size_t> numeric_columns;
};

// One part of the page: a heading, charts (SVG markup made by svg_chart.hpp), tables.
struct Section {
    std::string heading;
    std::string note;
    std::vector<std::string> charts;
    std::vector<Table> tables;
};

struct Page {
    std::string title;
    std::string subtitle;
    std::vector<Section> sections;
};

// One self-contained HTML5 document: inline CSS, inline SVG, no script, no external
// resource of any kind (it renders the same offline and passes a strict CSP).
std::string render_page(const Page& page);

std::string render_table(const Table& table);

} // namespace eq::report
