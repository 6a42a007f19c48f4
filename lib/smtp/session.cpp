#include "smtp/session.hpp"

#include <curl/curl.h>
#include <fmt/format.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <vector>

#include "message/address.hpp"
#include "message/encoding.hpp"
#include "net/curl_slist.hpp"
#include "util/base64.hpp"
#include "util/error.hpp"
#include "util/strings.hpp"

namespace eq::smtp {

namespace {

constexpr std::size_t k_max_reply_text = 500;
constexpr std::size_t k_max_line = 998;

bool is_enhanced_status(std::string_view s) {
    // [245].<1-3 digits>.<1-3 digits>
    if (s.size() < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.') {
        return false;
    }
    std::size_t i = 2;
    for (int part = 0; part < 2; ++part) {
        const std::size_t start = i;
        while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
            ++i;
        }
        if (i == start || i - start > 3) {
            return false;
        }
        if (part == 0) {
            if (i >= s.size() || s[i] != '.') {
                return false;
            }
            ++i;
        }
    }
    return i == s.size();
}

std::string printable(std::string_view s) {
    std::string out;
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        out.push_back(u < 0x20 || u == 0x7f ? ' ' : c);
    }
    return out;
}

bool valid_ehlo_name(std::string_view s) {
    return !s.empty() && s.size() <= 253 && std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
    });
}

template <class T> void set(CURL* h, CURLoption option, T value) {
    if (const CURLcode rc = curl_easy_setopt(h, option, value); rc != CURLE_OK) {
        throw Error(ExitCode::internal,
                    fmt::format("libcurl refused an option: {}", curl_easy_strerror(rc)));
    }
}

} // namespace

Timeouts Timeouts::from_config(const config::Config::Smtp& smtp) {
    return Timeouts{smtp.connect_timeout, smtp.reply_timeout, smtp.message_timeout};
}

// Everything libcurl's callbacks touch; it lives on the heap so the Session can move.
struct Session::State {
    SessionOptions options;
    std::string url;
    std::vector<std::string> secrets; // the password as AUTH may carry it
    std::array<char, CURL_ERROR_SIZE> errbuf{};

    // The message being sent.
    std::string_view body;
    std::size_t offset = 0;
    bool body_done = false;

    // Replies, as libcurl hands every server line to the header callback.
    int current_code = 0;
    std::string current_text;
    std::string current_enhanced;
    bool in_reply = false;
    std::optional<SmtpReply> last_reply;
    int replies = 0;
    bool last_failed = false; // the next send opens a fresh connection

    ~State() {
        OPENSSL_cleanse(options.password.data(), options.password.size());
        for (auto& s : secrets) {
            OPENSSL_cleanse(s.data(), s.size());
        }
    }

    std::string redact(std::string text) const {
        for (const auto& s : secrets) {
            for (auto pos = text.find(s); pos != std::string::npos; pos = text.find(s, pos)) {
                text.replace(pos, s.size(), "[redacted]");
                pos += 10;
            }
        }
        return text;
    }

    void on_line(std::string_view line) {
        while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
            line.remove_suffix(1);
        }
        if (line.size() < 3 || !std::all_of(line.begin(), line.begin() + 3, [](char c) {
                return std::isdigit(static_cast<unsigned char>(c));
            })) {
            return;
        }
        const int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
        const bool more = line.size() > 3 && line[3] == '-';
        auto text = trim(line.size() > 4 ? line.substr(4) : std::string_view{});
        if (!in_reply) {
            in_reply = true;
            current_code = code;
            current_text.clear();
            current_enhanced.clear();
            const auto space = text.find(' ');
            const auto first = text.substr(0, space);
            if (is_enhanced_status(first)) {
                current_enhanced = std::string(first);
                text = space == std::string_view::npos ? std::string_view{}
                                                       : trim(text.substr(space + 1));
            }
        } else if (!current_enhanced.empty() && text.starts_with(current_enhanced)) {
            text = trim(text.substr(current_enhanced.size()));
        }
        if (current_text.size() < k_max_reply_text) {
            if (!current_text.empty() && !text.empty()) {
                current_text.push_back(' ');
            }
            // Redacted before anything is cut or rewritten, so no part of a secret stays.
            current_text += printable(redact(std::string(text)));
        }
        if (!more) {
            in_reply = false;
            if (current_text.size() > k_max_reply_text) {
                current_text.resize(k_max_reply_text);
            }
            ++replies;
            // 221 only ever answers QUIT, which libcurl sends after a failure: the reply
            // that explains the failure is the one before it.
            if (current_code != 221 || !last_reply) {
                last_reply = SmtpReply{current_code, current_enhanced, current_text};
            }
        }
    }

    static size_t on_header(char* buffer, size_t size, size_t count, void* user) {
        static_cast<State*>(user)->on_line(std::string_view(buffer, size * count));
        return size * count;
    }

    static size_t on_read(char* buffer, size_t size, size_t count, void* user) {
        auto* st = static_cast<State*>(user);
        const std::size_t n = std::min(size * count, st->body.size() - st->offset);
        std::memcpy(buffer, st->body.data() + st->offset, n);
        st->offset += n;
        if (n == 0) {
            st->body_done = true;
        }
        return n;
    }

    void start(std::string_view message) {
        body = message;
        offset = 0;
        body_done = false;
        in_reply = false;
        last_reply.reset();
        replies = 0;
        errbuf[0] = '\0';
    }
};

Session::Session(SessionOptions options) : m_state(std::make_unique<State>()) {
    State& st = *m_state;
    st.options = std::move(options);
    const auto& p = st.options.provider;
    std::string ehlo = st.options.ehlo_name;
    if (ehlo.empty() && message::is_valid_address(st.options.username)) {
        ehlo = std::string(message::domain_of(st.options.username));
    }
    if (!valid_ehlo_name(ehlo)) {
        ehlo = "localhost";
    }
    const bool implicit_tls = p.security == config::Security::tls;
    const std::string host = p.host.find(':') != std::string::npos && !p.host.starts_with('[')
                                 ? "[" + p.host + "]"
                                 : p.host;
    st.url = fmt::format("{}://{}:{}/{}", implicit_tls ? "smtps" : "smtp", host, p.port, ehlo);

    const auto& pw = st.options.password;
    if (pw.size() >= 3) {
        const auto& user = st.options.username;
        st.secrets = {pw, base64_encode(pw), base64_encode(std::string(1, '\0') + user + '\0' + pw),
                      base64_encode(user + '\0' + user + '\0' + pw)};
    }

    CURL* h = m_easy.get();
    set(h, CURLOPT_URL, st.url.c_str());
    set(h, CURLOPT_PROTOCOLS_STR, implicit_tls ? "smtps" : "smtp");
    set(h, CURLOPT_REDIR_PROTOCOLS_STR, implicit_tls ? "smtps" : "smtp");
    set(h, CURLOPT_USE_SSL,
        static_cast<long>(p.security == config::Security::none ? CURLUSESSL_NONE : CURLUSESSL_ALL));
    set(h, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
    set(h, CURLOPT_SSL_VERIFYPEER, p.verify_peer ? 1L : 0L);
    set(h, CURLOPT_SSL_VERIFYHOST, p.verify_peer ? 2L : 0L);
    if (!p.ca_file.empty()) {
        set(h, CURLOPT_CAINFO, p.ca_file.c_str());
    }
    if (!st.options.username.empty()) {
        set(h, CURLOPT_USERNAME, st.options.username.c_str());
        set(h, CURLOPT_PASSWORD, st.options.password.c_str());
    }
    set(h, CURLOPT_NOSIGNAL, 1L);
    set(h, CURLOPT_VERBOSE, 0L);
    set(h, CURLOPT_MAXCONNECTS, 1L);
    set(h, CURLOPT_TCP_KEEPALIVE, 1L);
    const auto& t = st.options.timeouts;
    set(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(t.connect.count() * 1000));
    set(h, CURLOPT_SERVER_RESPONSE_TIMEOUT, static_cast<long>(t.reply.count()));
    set(h, CURLOPT_TIMEOUT_MS, static_cast<long>(t.message.count() * 1000));
    set(h, CURLOPT_ERRORBUFFER, st.errbuf.data());
    set(h, CURLOPT_HEADERFUNCTION, &State::on_header);
    set(h, CURLOPT_HEADERDATA, m_state.get());
    set(h, CURLOPT_READFUNCTION, &State::on_read);
    set(h, CURLOPT_READDATA, m_state.get());
    set(h, CURLOPT_UPLOAD, 1L);
}

Session::Session(Session&& other) noexcept = default;

Session& Session::operator=(Session&& other) noexcept {
    if (this != &other) {
        // Close this handle while the state its callbacks use is still alive.
        m_easy = std::move(other.m_easy);
        m_state = std::move(other.m_state);
    }
    return *this;
}

Session::~Session() = default;

const std::string& Session::url() const {
    return m_state->url;
}

SendOutcome Session::attempt(std::string_view from, std::string_view to, std::string_view message,
                             bool fresh_connection) {
    State& st = *m_state;
    CURL* h = m_easy.get();
    st.start(message);
    net::CurlSlist recipients;
    recipients.append(fmt::format("<{}>", to));
    const std::string mail_from = fmt::format("<{}>", from);
    set(h, CURLOPT_MAIL_FROM, mail_from.c_str());
    set(h, CURLOPT_MAIL_RCPT, recipients.get());
    set(h, CURLOPT_FRESH_CONNECT, fresh_connection ? 1L : 0L);

    const CURLcode rc = curl_easy_perform(h);
    set(h, CURLOPT_MAIL_RCPT, static_cast<curl_slist*>(nullptr));

    SendOutcome out;
    out.curl_code = static_cast<int>(rc);
    if (rc != CURLE_OK) {
        out.curl_error = printable(st.redact(st.errbuf[0] != '\0' ? std::string(st.errbuf.data())
                                                                  : curl_easy_strerror(rc)));
    }
    out.last_reply = st.last_reply;
    out.replies_received = st.replies;
    out.body_handed_over = st.body_done;
    long connects = 0;
    curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &connects);
    out.new_connections = connects;

    const std::string_view err = out.curl_error;
    if (rc == CURLE_OK) {
        out.stage = SmtpStage::unknown;
    } else if (st.body_done) {
        out.stage = SmtpStage::after_body;
    } else if (err.starts_with("MAIL failed")) {
        out.stage = SmtpStage::mail_from;
    } else if (err.starts_with("RCPT failed")) {
        out.stage = SmtpStage::rcpt_to;
    } else if (err.starts_with("DATA failed")) {
        out.stage = SmtpStage::data;
    } else {
        switch (rc) {
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_CONNECT:
        case CURLE_WEIRD_SERVER_REPLY:
        case CURLE_LOGIN_DENIED:
        case CURLE_AUTH_ERROR:
        case CURLE_USE_SSL_FAILED:
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CIPHER:
            out.stage = SmtpStage::session;
            break;
        default:
            out.stage = SmtpStage::unknown;
        }
    }
    return out;
}

SendOutcome Session::send(std::string_view from, std::string_view to, std::string_view message) {
    SendOutcome refused;
    refused.curl_code = -1;
    if (const auto p = message::address_problem(from)) {
        refused.local_error = "invalid sender address: " + *p;
        return refused;
    }
    if (const auto p = message::address_problem(to)) {
        refused.local_error = "invalid recipient address: " + *p;
        return refused;
    }
    if (message.empty() || !message::is_clean_crlf(message) ||
        message::longest_line(message) > k_max_line) {
        refused.local_error = "the message breaks SMTP line rules (bare CR or LF, NUL, or a "
                              "line over 998 octets)";
        return refused;
    }
    SendOutcome out = attempt(from, to, message, m_state->last_failed);
    if (out.curl_code != CURLE_OK && out.new_connections == 0 && out.replies_received == 0 &&
        !out.body_handed_over &&
        (out.curl_code == CURLE_SEND_ERROR || out.curl_code == CURLE_RECV_ERROR ||
         out.curl_code == CURLE_GOT_NOTHING)) {
        // The reused connection was already closed (an idle timeout on the server).
        SendOutcome again = attempt(from, to, message, true);
        again.new_connections += out.new_connections;
        out = std::move(again);
    }
    m_state->last_failed = out.curl_code != CURLE_OK;
    return out;
}

} // namespace eq::smtp
