#include "bugsnag/notifier.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <array>

#include "db/connection.hpp"
#include "log/log.hpp"
#include "net/curl_easy.hpp"
#include "net/curl_slist.hpp"
#include "util/error.hpp"
#include "util/time.hpp"

namespace eq::bugsnag {

namespace {

constexpr const char* k_notifier_url = "https://github.com/emailqueue/emailqueue";

std::string cut(const std::string& message) {
    if (message.size() <= k_max_message) {
        return message;
    }
    return message.substr(0, k_max_message - 3) + "...";
}

Timestamp now() {
    return std::chrono::time_point_cast<std::chrono::microseconds>(
        std::chrono::system_clock::now());
}

std::size_t discard(char*, std::size_t size, std::size_t count, void*) {
    return size * count;
}

template <class T> CURLcode set(CURL* h, CURLoption option, T value) {
    return curl_easy_setopt(h, option, value);
}

} // namespace

std::string error_class(const std::exception& e) {
    const auto* err = dynamic_cast<const Error*>(&e);
    if (err == nullptr) {
        return "internal";
    }
    std::string name = "internal";
    for (const auto& info : exit_code_table()) {
        if (info.code == err->code()) {
            name = info.name;
        }
    }
    return dynamic_cast<const db::DbError*>(&e) != nullptr ? "database." + name : name;
}

Json payload(const Settings& settings, const std::vector<Event>& events) {
    Json list = Json::array();
    for (const auto& e : events) {
        const std::string context =
            e.company ? fmt::format("company {}", e.company->str()) : settings.program;
        Json metadata(Json::Object{{"program", settings.program}});
        if (e.company) {
            metadata.set("company", e.company->str());
        }
        list.push(Json(Json::Object{
            {"exceptions",
             Json(Json::Array{Json(Json::Object{{"errorClass", e.error_class},
                                                {"message", cut(log::redact_secrets(e.message))},
                                                {"type", "c"},
                                                {"stacktrace", Json::array()}})})},
            {"context", context},
            {"groupingHash", fmt::format("{} {}", e.error_class, context)},
            {"severity", "error"},
            {"unhandled", e.unhandled},
            {"severityReason",
             Json(Json::Object{{"type", e.unhandled ? "unhandledException" : "handledException"}})},
            {"app", Json(Json::Object{{"version", settings.app_version},
                                      {"releaseStage", settings.release_stage},
                                      {"type", settings.program}})},
            {"device", Json(Json::Object{{"hostname", settings.hostname},
                                         {"time", format_timestamp(now())}})},
            {"metaData", Json(Json::Object{{"emailqueue", metadata}})},
        }));
    }
    return Json(Json::Object{
        {"payloadVersion", "5"},
        {"notifier",
         Json(Json::Object{
             {"name", "emailqueue"}, {"version", settings.app_version}, {"url", k_notifier_url}})},
        {"events", list},
    });
}

Notifier::Notifier(Settings settings) : m_settings(std::move(settings)) {}

Expected<bool> Notifier::notify(const std::vector<Event>& events) {
    if (!enabled() || events.empty()) {
        return false;
    }
    const auto left = m_settings.timeout - m_spent;
    if (left < std::chrono::milliseconds(50)) {
        return fail("not sent: the time allowed for error reports is spent");
    }
    const auto started = std::chrono::steady_clock::now();
    try {
        const std::string body = payload(m_settings, events).dump();
        net::CurlEasy easy;
        net::CurlSlist headers;
        headers.append("Content-Type: application/json");
        headers.append("Bugsnag-Api-Key: " + m_settings.api_key);
        headers.append("Bugsnag-Payload-Version: 5");
        headers.append("Bugsnag-Sent-At: " + format_timestamp(now()));
        std::array<char, CURL_ERROR_SIZE> errbuf{};
        CURL* h = easy.get();
        const auto ms = static_cast<long>(left.count());
        const std::array<CURLcode, 11> set_codes{
            set(h, CURLOPT_URL, m_settings.endpoint.c_str()),
            set(h, CURLOPT_PROTOCOLS_STR, "http,https"),
            set(h, CURLOPT_REDIR_PROTOCOLS_STR, "https"),
            set(h, CURLOPT_NOSIGNAL, 1L),
            set(h, CURLOPT_TIMEOUT_MS, ms),
            set(h, CURLOPT_CONNECTTIMEOUT_MS, ms),
            set(h, CURLOPT_HTTPHEADER, headers.get()),
            set(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size())),
            set(h, CURLOPT_POSTFIELDS, body.c_str()),
            set(h, CURLOPT_WRITEFUNCTION, &discard),
            set(h, CURLOPT_ERRORBUFFER, errbuf.data()),
        };
        for (const auto c : set_codes) {
            if (c != CURLE_OK) {
                return fail(fmt::format("libcurl refused an option: {}", curl_easy_strerror(c)));
            }
        }
        const CURLcode rc = curl_easy_perform(h);
        m_spent += std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - started);
        if (rc != CURLE_OK) {
            return fail(fmt::format("{}: {}", m_settings.endpoint,
                                    errbuf[0] != '\0' ? errbuf.data() : curl_easy_strerror(rc)));
        }
        long status = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        if (status < 200 || status > 299) {
            return fail(fmt::format("{} answered HTTP {}", m_settings.endpoint, status));
        }
        return true;
    } catch (const std::exception& e) {
        m_spent += std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - started);
        return fail(e.what());
    }
}

} // namespace eq::bugsnag
