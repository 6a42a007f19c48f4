#pragma once

#include <string>
#include <utility>
#include <vector>

#include "util/json.hpp"

namespace eq::admin {

// Metrics in the Prometheus text exposition format (version 0.0.4), as node_exporter's
// textfile collector reads them.
struct MetricSample {
    std::vector<std::pair<std::string, std::string>> labels;
    double value = 0;
};

struct MetricFamily {
    std::string name; // [a-zA-Z_:][a-zA-Z0-9_:]*
    std::string help;
    std::string type; // gauge or counter
    std::vector<MetricSample> samples;
};

// "# HELP", "# TYPE" and one line per sample; label values escaped (\\, \", \n).
std::string render_prometheus(const std::vector<MetricFamily>& families);

// {"metrics": [{"name", "type", "help", "samples": [{"labels": {...}, "value"}]}]}
Json metrics_json(const std::vector<MetricFamily>& families);

} // namespace eq::admin
