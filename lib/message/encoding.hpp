#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace eq::message {

// Every line break (CRLF, bare LF, bare CR) as CRLF, as SMTP requires. libcurl
// dot-stuffs "CRLF." but leaves bare LF and CR alone, so the whole message goes through
// this first (it also closes SMTP smuggling, CVE-2023-51764/5/6).
std::string normalize_crlf(std::string_view text);

// Quoted-printable (RFC 2045 6.7) of text whose line breaks are CRLF: line breaks stay
// hard breaks; '=', controls, octets >= 0x80 and white space at the end of a line are
// encoded; lines are soft-broken so none exceeds 76 octets.
std::string quoted_printable(std::string_view crlf_text);

// Length in octets of the longest line (without its CRLF).
std::size_t longest_line(std::string_view text);

// True when every CR is followed by LF, every LF preceded by CR, and there is no NUL.
bool is_clean_crlf(std::string_view text);

} // namespace eq::message
