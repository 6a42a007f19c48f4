#include "report/svg_chart.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "report/html.hpp"

namespace eq::report {

double nice_ceiling(double v) {
    if (!(v > 0)) {
        return 1;
    }
    const double p = std::pow(10.0, std::floor(std::log10(v)));
    for (const double m : {1.0, 2.0, 5.0, 10.0}) {
        if (m * p >= v) {
            return m * p;
        }
    }
    return 10 * p;
}

std::string render_svg_chart(const Chart& c) {
    constexpr double left = 44, right = 10, top = 26, bottom = 40;
    const double w = c.width, h = c.height;
    const double plot_w = w - left - right, plot_h = h - top - bottom;
    const std::size_t n = c.x_labels.size();

    double max_v = 0;
    for (std::size_t i = 0; i < n; ++i) {
        double stacked = 0;
        for (const auto& s : c.series) {
            const double v = i < s.values.size() ? std::max(0.0, s.values[i]) : 0;
            if (s.kind == Series::Kind::bars) {
                stacked += v;
            } else {
                max_v = std::max(max_v, v);
            }
        }
        max_v = std::max(max_v, stacked);
    }
    const double top_v = nice_ceiling(max_v);
    const auto y = [&](double v) { return top + plot_h - v / top_v * plot_h; };
    const double slot = n ? plot_w / static_cast<double>(n) : plot_w;

    std::string out = fmt::format("<svg role=\"img\" width=\"{0}\" height=\"{1}\" "
                                  "viewBox=\"0 0 {0} {1}\">\n<title>{2}</title>\n",
                                  c.width, c.height, html_escape(c.title));
    out += fmt::format("<text x=\"{}\" y=\"14\" font-weight=\"bold\">{}</text>\n", left,
                       html_escape(c.title));
    // Axes and grid: 0, half, top.
    for (const double frac : {0.0, 0.5, 1.0}) {
        const double v = top_v * frac;
        out += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" "
                           "stroke=\"#ddd\"/>\n",
                           left, y(v), left + plot_w, y(v));
        out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{:g}</text>\n",
                           left - 4, y(v) + 4, v);
    }
    // Stacked bars.
    std::vector<double> base(n, 0.0);
    for (const auto& s : c.series) {
        if (s.kind != Series::Kind::bars) {
            continue;
        }
        for (std::size_t i = 0; i < n && i < s.values.size(); ++i) {
            const double v = std::max(0.0, s.values[i]);
            if (v <= 0) {
                continue;
            }
            const double x = left + slot * static_cast<double>(i) + slot * 0.1;
            out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
                               "fill=\"{}\"><title>{}: {:g}</title></rect>\n",
                               x, y(base[i] + v), slot * 0.8, y(base[i]) - y(base[i] + v),
                               html_escape(s.colour), html_escape(c.x_labels[i] + " " + s.name), v);
            base[i] += v;
        }
    }
    // Lines.
    for (const auto& s : c.series) {
        if (s.kind != Series::Kind::line || s.values.empty()) {
            continue;
        }
        std::string points;
        for (std::size_t i = 0; i < n && i < s.values.size(); ++i) {
            points += fmt::format("{:.1f},{:.1f} ", left + slot * (static_cast<double>(i) + 0.5),
                                  y(std::max(0.0, s.values[i])));
        }
        out += fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\"{} "
                           "points=\"{}\"><title>{}</title></polyline>\n",
                           html_escape(s.colour), s.dashed ? " stroke-dasharray=\"5,4\"" : "",
                           points, html_escape(s.name));
    }
    // X labels, thinned to at most about eight.
    const std::size_t step = std::max<std::size_t>(1, (n + 7) / 8);
    for (std::size_t i = 0; i < n; i += step) {
        out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n",
                           left + slot * (static_cast<double>(i) + 0.5), top + plot_h + 14,
                           html_escape(c.x_labels[i]));
    }
    // Legend.
    double lx = left;
    for (const auto& s : c.series) {
        out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"10\" height=\"10\" "
                           "fill=\"{}\"/>\n<text x=\"{:.1f}\" y=\"{:.1f}\">{}</text>\n",
                           lx, h - 14, html_escape(s.colour), lx + 14, h - 5, html_escape(s.name));
        lx += 24 + 7 * static_cast<double>(s.name.size());
    }
    out += "</svg>";
    return out;
}

} // namespace eq::report
