#include "net/curl_slist.hpp"

#include <curl/curl.h>

#include <utility>

#include "util/error.hpp"

namespace eq::net {

CurlSlist::CurlSlist(CurlSlist&& other) noexcept : m_list(std::exchange(other.m_list, nullptr)) {}

CurlSlist& CurlSlist::operator=(CurlSlist&& other) noexcept {
    if (this != &other) {
        curl_slist_free_all(m_list);
        m_list = std::exchange(other.m_list, nullptr);
    }
    return *this;
}

CurlSlist::~CurlSlist() {
    curl_slist_free_all(m_list);
}

void CurlSlist::append(const std::string& text) {
    curl_slist* grown = curl_slist_append(m_list, text.c_str());
    if (grown == nullptr) {
        throw Error(ExitCode::internal, "out of memory building a libcurl list");
    }
    m_list = grown;
}

} // namespace eq::net
