#pragma once

typedef void CURL;

namespace eq::net {

// Owns one libcurl easy handle (curl_easy_init / curl_easy_cleanup). Move-only.
// curl_global_init must have run (cli::run does it once per process).
class CurlEasy {
public:
    // Throws eq::Error(internal) when libcurl cannot allocate a handle.
    CurlEasy();
    CurlEasy(const CurlEasy&) = delete;
    CurlEasy& operator=(const CurlEasy&) = delete;
    CurlEasy(CurlEasy&& other) noexcept;
    CurlEasy& operator=(CurlEasy&& other) noexcept;
    ~CurlEasy();

    CURL* get() const { return m_handle; }

private:
    CURL* m_handle = nullptr;
};

} // namespace eq::net
