#include "net/curl_easy.hpp"

#include <curl/curl.h>

#include <utility>

#include "util/error.hpp"

namespace eq::net {

CurlEasy::CurlEasy() : m_handle(curl_easy_init()) {
    if (m_handle == nullptr) {
        throw Error(ExitCode::internal, "cannot create a libcurl handle");
    }
}

CurlEasy::CurlEasy(CurlEasy&& other) noexcept : m_handle(std::exchange(other.m_handle, nullptr)) {}

CurlEasy& CurlEasy::operator=(CurlEasy&& other) noexcept {
    if (this != &other) {
        if (m_handle != nullptr) {
            curl_easy_cleanup(m_handle);
        }
        m_handle = std::exchange(other.m_handle, nullptr);
    }
    return *this;
}

CurlEasy::~CurlEasy() {
    if (m_handle != nullptr) {
        curl_easy_cleanup(m_handle);
    }
}

} // namespace eq::net
