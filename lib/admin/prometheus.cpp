#include "admin/prometheus.hpp"

#include <fmt/format.h>

#include <cmath>

namespace eq::admin {

namespace {

std::string escape_label(const std::string& v) {
    std::string out;
    for (const char c : v) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out.push_back(c);
        }
    }
    return out;
}

std::string escape_help(const std::string& v) {
    std::string out;
    for (const char c : v) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out.push_back(c);
        }
    }
    return out;
}

std::string number(double v) {
    if (std::isnan(v)) {
        return "NaN";
    }
    if (std::isinf(v)) {
        return v > 0 ? "+Inf" : "-Inf";
    }
    if (v == std::floor(v) && std::fabs(v) < 1e15) {
        return fmt::format("{}", static_cast<long long>(v));
    }
    return fmt::format("{}", v);
}

} // namespace

std::string render_prometheus(const std::vector<MetricFamily>& families) {
    std::string out;
    for (const auto& f : families) {
        out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", f.name, escape_help(f.help), f.name,
                           f.type);
        for (const auto& s : f.samples) {
            out += f.name;
            if (!s.labels.empty()) {
                out += '{';
                for (std::size_t i = 0; i < s.labels.size(); ++i) {
                    out += fmt::format("{}{}=\"{}\"", i ? "," : "", s.labels[i].first,
                                       escape_label(s.labels[i].second));
                }
                out += '}';
            }
            out += ' ' + number(s.value) + '\n';
        }
    }
    return out;
}

Json metrics_json(const std::vector<MetricFamily>& families) {
    Json list = Json::array();
    for (const auto& f : families) {
        Json samples = Json::array();
        for (const auto& s : f.samples) {
            Json labels = Json::object();
            for (const auto& [k, v] : s.labels) {
                labels.set(k, v);
            }
            samples.push(Json(Json::Object{{"labels", std::move(labels)}, {"value", s.value}}));
        }
        list.push(Json(Json::Object{{"name", f.name},
                                    {"type", f.type},
                                    {"help", f.help},
                                    {"samples", std::move(samples)}}));
    }
    return Json(Json::Object{{"metrics", std::move(list)}});
}

} // namespace eq::admin
