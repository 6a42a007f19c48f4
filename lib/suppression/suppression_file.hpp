#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace eq::suppression {

// One address read from an import file, with the line it came from.
struct ImportEntry {
    std::size_t line = 0;
    std::string address;
    std::optional<std::string> reason; // from a "reason" column, when the file has one
};

// A line that holds no usable address: its number, its text (cut to 200 octets) and why.
struct InvalidLine {
    std::size_t line = 0;
    std::string text;
    std::string error;
};

struct ImportFile {
    std::vector<ImportEntry> entries;
    std::vector<InvalidLine> invalid;
    bool has_header = false;
};

// Reads a suppression list: one address per line, or CSV. A CSV file may start with a
// header naming an "email" column (also "email_address" or "address") and optionally a
// "reason" column; without a header the first field of each line is the address and the
// other fields are ignored. Blank lines and lines starting with '#' are skipped; CRLF
// line ends and a UTF-8 byte order mark are accepted. Every address is checked with
// message::address_problem(); surrounding spaces are trimmed. Line numbers count from 1.
ImportFile parse_suppression_file(std::string_view text);

// Splits one CSV record (RFC 4180 quoting, "" inside quotes). Nothing when a quote is
// not closed.
std::optional<std::vector<std::string>> split_csv_record(std::string_view line);

} // namespace eq::suppression
