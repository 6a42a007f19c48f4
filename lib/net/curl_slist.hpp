#pragma once

#include <string>

struct curl_slist;

namespace eq::net {

// Owns one libcurl string list (curl_slist_append / curl_slist_free_all). Move-only.
class CurlSlist {
public:
    CurlSlist() = default;
    CurlSlist(const CurlSlist&) = delete;
    CurlSlist& operator=(const CurlSlist&) = delete;
    CurlSlist(CurlSlist&& other) noexcept;
    CurlSlist& operator=(CurlSlist&& other) noexcept;
    ~CurlSlist();

    // Appends a copy of text; throws eq::Error(internal) when out of memory.
    void append(const std::string& text);
    curl_slist* get() const { return m_list; }

private:
    curl_slist* m_list = nullptr;
};

} // namespace eq::net
