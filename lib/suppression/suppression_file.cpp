#include "suppression/suppression_file.hpp"

#include <fmt/format.h>

#include "message/address.hpp"
#include "util/strings.hpp"

namespace eq::suppression {

std::optional<std::vector<std::string>> split_csv_record(std::string_view line) {
    std::vector<std::string> fields;
    std::string field;
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                field.push_back('"');
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                field.push_back(c);
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            fields.push_back(std::move(field));
            field.clear();
        } else {
            field.push_back(c);
        }
    }
    if (quoted) {
        return std::nullopt;
    }
    fields.push_back(std::move(field));
    return fields;
}

namespace {

struct Columns {
    std::size_t email = 0;
    std::optional<std::size_t> reason;
};

// A header names the email column; a first line that is an address is data.
std::optional<Columns> header_columns(const std::vector<std::string>& fields) {
    Columns cols;
    bool found = false;
    for (std::size_t i = 0; i < fields.size(); ++i) {
        const auto name = to_lower(trim(fields[i]));
        if (!found && (name == "email" || name == "email_address" || name == "address")) {
            cols.email = i;
            found = true;
        } else if (name == "reason") {
            cols.reason = i;
        }
    }
    return found ? std::optional<Columns>(cols) : std::nullopt;
}

std::string excerpt(std::string_view line) {
    return std::string(line.substr(0, 200));
}

} // namespace

ImportFile parse_suppression_file(std::string_view text) {
    ImportFile out;
    if (text.starts_with("\xEF\xBB\xBF")) {
        text.remove_prefix(3);
    }
    Columns cols;
    bool first_record = true;
    std::size_t number = 0;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        std::string_view line = text.substr(start, end - start);
        start = end + 1;
        ++number;
        if (line.ends_with('\r')) {
            line.remove_suffix(1);
        }
        const auto content = trim(line);
        if (content.empty() || content.front() == '#') {
            continue;
        }
        const auto fields = split_csv_record(content);
        if (!fields) {
            out.invalid.push_back({number, excerpt(line), "a quoted field is not closed"});
            first_record = false;
            continue;
        }
        if (first_record) {
            first_record = false;
            if (const auto header = header_columns(*fields)) {
                cols = *header;
                out.has_header = true;
                continue;
            }
        }
        if (cols.email >= fields->size()) {
            out.invalid.push_back({number, excerpt(line),
                                   fmt::format("no field {} (the email column)", cols.email + 1)});
            continue;
        }
        const std::string address(trim((*fields)[cols.email]));
        if (address.empty()) {
            out.invalid.push_back({number, excerpt(line), "the address is empty"});
            continue;
        }
        if (const auto problem = message::address_problem(address)) {
            out.invalid.push_back(
                {number, excerpt(line),
                 fmt::format("invalid address '{}': {}", address.substr(0, 100), *problem)});
            continue;
        }
        ImportEntry entry{number, address, std::nullopt};
        if (cols.reason && *cols.reason < fields->size()) {
            const auto reason = trim((*fields)[*cols.reason]);
            if (!reason.empty()) {
                entry.reason = std::string(reason);
            }
        }
        out.entries.push_back(std::move(entry));
    }
    return out;
}

} // namespace eq::suppression
