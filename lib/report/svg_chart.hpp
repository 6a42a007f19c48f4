#pragma once

#include <string>
#include <vector>

namespace eq::report {

// One series of a chart: bars, or a line (dashed for limits).
struct Series {
    enum class Kind { bars, line };
    std::string name;
    std::vector<double> values; // one per x label
    std::string colour;         // a CSS colour, e.g. "#3b7dd8"
    Kind kind = Kind::bars;
    bool dashed = false;
};

struct Chart {
    std::string title;
    std::vector<std::string> x_labels; // shown below the axis, thinned to fit
    std::vector<Series> series;        // bar series are stacked in order
    int width = 520;
    int height = 200;
};

// An inline <svg> element (with role="img", a <title> and a legend) drawing the chart.
// Every text is escaped; the y axis starts at 0 and ends at a round number above the
// largest stacked bar or line value.
std::string render_svg_chart(const Chart& chart);

// The smallest 1, 2 or 5 times a power of ten at or above v (1 for v <= 0).
double nice_ceiling(double v);

} // namespace eq::report
