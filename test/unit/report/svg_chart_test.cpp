#include <catch2/catch.hpp>

#include "report/html.hpp"
#include "report/svg_chart.hpp"

using namespace eq::report;

TEST_CASE("html_escape covers markup and quotes", "[report]") {
    CHECK(html_escape("<a href=\"x\">'&'</a>") ==
          "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

TEST_CASE("nice_ceiling rounds up to 1, 2 or 5 times a power of ten", "[report]") {
    CHECK(nice_ceiling(0) == 1);
    CHECK(nice_ceiling(7) == 10);
    CHECK(nice_ceiling(10) == 10);
    CHECK(nice_ceiling(11) == 20);
    CHECK(nice_ceiling(43) == 50);
    CHECK(nice_ceiling(0.3) == Approx(0.5));
}

TEST_CASE("a chart draws stacked bars, a dashed line, escaped labels", "[report]") {
    Chart c{"A <b> & c",
            {"07", "08", "09"},
            {{"sent", {1, 4, 0}, "#123456", Series::Kind::bars, false},
             {"failed", {1, 0, 0}, "#654321", Series::Kind::bars, false},
             {"limit", {5, 5, 5}, "red", Series::Kind::line, true}}};
    const auto svg = render_svg_chart(c);
    CHECK(svg.find("<svg role=\"img\"") == 0);
    CHECK(svg.find("<title>A &lt;b&gt; &amp; c</title>") != std::string::npos);
    // Three non-empty bars (the zero ones are not drawn), one dashed line.
    std::size_t rects = 0;
    for (auto p = svg.find("<rect x"); p != std::string::npos; p = svg.find("<rect x", p + 1)) {
        ++rects;
    }
    CHECK(rects == 3 + 3); // bars + legend swatches
    CHECK(svg.find("stroke-dasharray") != std::string::npos);
    CHECK(svg.find(">5</text>") != std::string::npos); // the axis tops out at 5
    CHECK(svg.find("http") == std::string::npos);
}

TEST_CASE("a page is self-contained and escapes every cell", "[report]") {
    Page p{"T", "sub", {{"Section", "note", {}, {{"cap", {"h<1>"}, {{"<x>"}}, {0}}}}}};
    const auto html = render_page(p);
    CHECK(html.find("<!DOCTYPE html>") == 0);
    CHECK(html.find("<td class=\"num\">&lt;x&gt;</td>") != std::string::npos);
    CHECK(html.find("<th>h&lt;1&gt;</th>") != std::string::npos);
    CHECK(html.find("default-src 'none'") != std::string::npos);
    CHECK(html.find("<script") == std::string::npos);
}
