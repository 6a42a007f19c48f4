// bench_html_to_text [MEGABYTES...]
//
// html_to_text (the text/plain part of every message) on hostile bodies of 1 and 4 MB
// (or the sizes given): each shape once made the conversion quadratic, so a 1 MB
// template held a worker past its lease. Prints a Markdown table: the shape, its size,
// the best of three runs in milliseconds and the size of the text. A linear conversion
// takes a few milliseconds per megabyte on every row.

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "content/html.hpp"

namespace {

struct Shape {
    const char* name;
    std::function<std::string(std::size_t)> make;
};

// `unit` repeated up to `size` octets.
std::string repeat(std::string_view unit, std::size_t size) {
    std::string s;
    s.reserve(size + unit.size());
    while (s.size() < size) {
        s += unit;
    }
    return s;
}

// `open` repeated for half the size, then `close` for the other half.
std::string nested(std::string_view open, std::string_view close, std::size_t size) {
    return repeat(open, size / 2) + repeat(close, size / 2);
}

const std::vector<Shape> k_shapes{
    {"many `<style>` elements", [](std::size_t n) { return repeat("<style>p{}</style>x ", n); }},
    {"many `<script>`, `<head>`, `<title>`",
     [](std::size_t n) { return repeat("<script>1</script><head>h</head><TITLE>t</TITLE>y ", n); }},
    {"many unterminated `<a `", [](std::size_t n) { return repeat("<a ", n); }},
    {"many unterminated `<a<a`", [](std::size_t n) { return repeat("<a", n); }},
    {"unclosed quotes `<a x=\"`", [](std::size_t n) { return repeat("<a x=\"", n); }},
    {"unclosed quotes, mixed", [](std::size_t n) { return repeat("<a x='<b y=\"", n) + ">"; }},
    {"many `&` without `;`", [](std::size_t n) { return repeat("&amp", n); }},
    {"nested links", [](std::size_t n) { return nested("<a href=u>t", "</a>", n); }},
    {"`<br>` runs then paragraphs", [](std::size_t n) { return nested("<br>", "<p>", n); }},
    {"ordinary paragraphs",
     [](std::size_t n) {
         return repeat("<p>We help <b>teams</b> ship &amp; <a href=\"https://x.example/\">more"
                       "</a>.</p>\n",
                       n);
     }},
};

double best_ms(const std::string& html, std::size_t& text_size) {
    double best = 1e18;
    for (int round = 0; round < 3; ++round) {
        const auto start = std::chrono::steady_clock::now();
        const auto text = eq::content::html_to_text(html);
        const std::chrono::duration<double, std::milli> took =
            std::chrono::steady_clock::now() - start;
        best = std::min(best, took.count());
        text_size = text.size();
    }
    return best;
}

} // namespace

int main(int argc, char** argv) {
    std::vector<std::size_t> sizes;
    for (int i = 1; i < argc; ++i) {
        sizes.push_back(static_cast<std::size_t>(std::atol(argv[i])) << 20);
    }
    if (sizes.empty()) {
        sizes = {1 << 20, 4 << 20};
    }
    std::puts("| Input | Size | html_to_text (ms, best of 3) | Text |");
    std::puts("| --- | ---: | ---: | ---: |");
    for (const auto& shape : k_shapes) {
        for (const auto size : sizes) {
            const auto html = shape.make(size);
            std::size_t text_size = 0;
            const double ms = best_ms(html, text_size);
            std::puts(fmt::format("| {} | {:.1f} MB | {:.1f} | {} |", shape.name,
                                  static_cast<double>(html.size()) / (1 << 20), ms, text_size)
                          .c_str());
            std::fflush(stdout);
        }
    }
}
