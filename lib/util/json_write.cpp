// Writing JSON: compact (dump) and indented (pretty), objects in insertion order. The
// contract is in util/json.hpp.

#include <fmt/format.h>

#include <cmath>

#include "util/json.hpp"

namespace eq {

void json_quote(std::string& out, std::string_view s) {
    out.push_back('"');
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\f':
            out += "\\f";
            break;
        default:
            if (c < 0x20 || c == 0x7f) {
                out += fmt::format("\\u{:04x}", c);
            } else {
                out.push_back(ch);
            }
        }
    }
    out.push_back('"');
}

void Json::write(std::string& out, int indent, int depth) const {
    const auto newline = [&](int d) {
        if (indent > 0) {
            out.push_back('\n');
            out.append(static_cast<std::size_t>(indent * d), ' ');
        }
    };
    switch (m_v.index()) {
    case 0:
        out += "null";
        break;
    case 1:
        out += std::get<bool>(m_v) ? "true" : "false";
        break;
    case 2:
        out += fmt::format("{}", std::get<std::int64_t>(m_v));
        break;
    case 3: {
        const double d = std::get<double>(m_v);
        out += std::isfinite(d) ? fmt::format("{}", d) : "null";
        break;
    }
    case 4:
        json_quote(out, std::get<std::string>(m_v));
        break;
    case 5: {
        const auto& arr = std::get<Array>(m_v);
        out.push_back('[');
        for (std::size_t i = 0; i < arr.size(); ++i) {
            if (i) {
                out.push_back(',');
            }
            newline(depth + 1);
            arr[i].write(out, indent, depth + 1);
        }
        if (!arr.empty()) {
            newline(depth);
        }
        out.push_back(']');
        break;
    }
    case 6: {
        const auto& obj = std::get<Members>(m_v).items();
        out.push_back('{');
        for (std::size_t i = 0; i < obj.size(); ++i) {
            if (i) {
                out.push_back(',');
            }
            newline(depth + 1);
            json_quote(out, obj[i].first);
            out += indent > 0 ? ": " : ":";
            obj[i].second.write(out, indent, depth + 1);
        }
        if (!obj.empty()) {
            newline(depth);
        }
        out.push_back('}');
        break;
    }
    }
}

std::string Json::dump() const {
    std::string out;
    write(out, 0, 0);
    return out;
}

std::string Json::pretty() const {
    std::string out;
    write(out, 2, 0);
    return out;
}

} // namespace eq
