// Reading JSON, strictly per RFC 8259 (what is refused is listed in util/json.hpp), with
// the place of the first fault in the error. Recursive descent, no deeper than
// Json::k_max_depth, so hostile input cannot exhaust the stack.

#include <fmt/format.h>

#include <cstdlib>

#include "util/json.hpp"
#include "util/utf8.hpp"

namespace eq {

namespace {

class Parser {
public:
    explicit Parser(std::string_view s) : m_s(s) {}

    Expected<Json> run() {
        Json v;
        if (!value(v, 0)) {
            return fail(m_error);
        }
        skip_ws();
        if (m_p != m_s.size()) {
            return fail(
                fmt::format("invalid JSON at offset {}: unexpected text after the value", m_p));
        }
        return v;
    }

private:
    bool error(std::string_view what) {
        m_error = fmt::format("invalid JSON at offset {}: {}", m_p, what);
        return false;
    }
    void skip_ws() {
        while (m_p < m_s.size() &&
               (m_s[m_p] == ' ' || m_s[m_p] == '\t' || m_s[m_p] == '\n' || m_s[m_p] == '\r')) {
            ++m_p;
        }
    }
    bool literal(std::string_view word) {
        if (m_s.substr(m_p, word.size()) != word) {
            return error("unexpected token");
        }
        m_p += word.size();
        return true;
    }
    bool value(Json& out, int depth) {
        if (depth > Json::k_max_depth) {
            return error("nesting too deep");
        }
        skip_ws();
        if (m_p >= m_s.size()) {
            return error("unexpected end of input");
        }
        const char c = m_s[m_p];
        if (c == '{') {
            return object(out, depth);
        }
        if (c == '[') {
            return array(out, depth);
        }
        if (c == '"') {
            std::string s;
            if (!string(s)) {
                return false;
            }
            out = Json(std::move(s));
            return true;
        }
        if (c == 't') {
            out = Json(true);
            return literal("true");
        }
        if (c == 'f') {
            out = Json(false);
            return literal("false");
        }
        if (c == 'n') {
            out = Json(nullptr);
            return literal("null");
        }
        return number(out);
    }
    bool number(Json& out) {
        const std::size_t start = m_p;
        bool is_float = false;
        if (m_p < m_s.size() && m_s[m_p] == '-') {
            ++m_p;
        }
        const std::size_t int_start = m_p;
        while (m_p < m_s.size() && m_s[m_p] >= '0' && m_s[m_p] <= '9') {
            ++m_p;
        }
        if (m_p == int_start) {
            return error("unexpected character");
        }
        if (m_s[int_start] == '0' && m_p - int_start > 1) {
            m_p = int_start;
            return error("leading zero in a number");
        }
        if (m_p < m_s.size() && m_s[m_p] == '.') {
            is_float = true;
            ++m_p;
            const std::size_t frac = m_p;
            while (m_p < m_s.size() && m_s[m_p] >= '0' && m_s[m_p] <= '9') {
                ++m_p;
            }
            if (m_p == frac) {
                return error("bad number");
            }
        }
        if (m_p < m_s.size() && (m_s[m_p] == 'e' || m_s[m_p] == 'E')) {
            is_float = true;
            ++m_p;
            if (m_p < m_s.size() && (m_s[m_p] == '+' || m_s[m_p] == '-')) {
                ++m_p;
            }
            const std::size_t exp = m_p;
            while (m_p < m_s.size() && m_s[m_p] >= '0' && m_s[m_p] <= '9') {
                ++m_p;
            }
            if (m_p == exp) {
                return error("bad number");
            }
        }
        const std::string text(m_s.substr(start, m_p - start));
        if (!is_float && text.size() < 19) {
            out = Json(std::strtoll(text.c_str(), nullptr, 10));
        } else {
            out = Json(std::strtod(text.c_str(), nullptr));
        }
        return true;
    }
    bool hex4(unsigned& cp) {
        if (m_p + 4 > m_s.size()) {
            return error("bad \\u escape");
        }
        cp = 0;
        for (int i = 0; i < 4; ++i) {
            const char h = m_s[m_p++];
            cp <<= 4;
            if (h >= '0' && h <= '9') {
                cp |= static_cast<unsigned>(h - '0');
            } else if (h >= 'a' && h <= 'f') {
                cp |= static_cast<unsigned>(h - 'a' + 10);
            } else if (h >= 'A' && h <= 'F') {
                cp |= static_cast<unsigned>(h - 'A' + 10);
            } else {
                return error("bad \\u escape");
            }
        }
        return true;
    }
    bool string(std::string& out) {
        ++m_p; // opening quote
        while (true) {
            if (m_p >= m_s.size()) {
                return error("unterminated string");
            }
            const char c = m_s[m_p++];
            if (c == '"') {
                return true;
            }
            const auto octet = static_cast<unsigned char>(c);
            if (octet < 0x20) {
                --m_p;
                return error("control character in string");
            }
            if (octet >= 0x80) {
                const auto n = utf8_sequence_length(m_s, m_p - 1);
                if (n == 0) {
                    --m_p;
                    return error("not well-formed UTF-8");
                }
                out.append(m_s.substr(m_p - 1, n));
                m_p += n - 1;
                continue;
            }
            if (c != '\\') {
                out.push_back(c);
                continue;
            }
            if (m_p >= m_s.size()) {
                return error("unterminated string");
            }
            const char e = m_s[m_p++];
            switch (e) {
            case '"':
                out.push_back('"');
                break;
            case '\\':
                out.push_back('\\');
                break;
            case '/':
                out.push_back('/');
                break;
            case 'b':
                out.push_back('\b');
                break;
            case 'f':
                out.push_back('\f');
                break;
            case 'n':
                out.push_back('\n');
                break;
            case 'r':
                out.push_back('\r');
                break;
            case 't':
                out.push_back('\t');
                break;
            case 'u': {
                unsigned cp = 0;
                if (!hex4(cp)) {
                    return false;
                }
                if (cp >= 0xd800 && cp < 0xdc00) {
                    unsigned lo = 0;
                    if (m_s.substr(m_p, 2) != "\\u") {
                        return error("unpaired surrogate");
                    }
                    m_p += 2;
                    if (!hex4(lo) || lo < 0xdc00 || lo > 0xdfff) {
                        return error("unpaired surrogate");
                    }
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                } else if (cp >= 0xdc00 && cp < 0xe000) {
                    return error("unpaired surrogate");
                }
                append_utf8(out, cp);
                break;
            }
            default:
                return error("bad escape");
            }
        }
    }
    bool array(Json& out, int depth) {
        ++m_p;
        out = Json::array();
        skip_ws();
        if (m_p < m_s.size() && m_s[m_p] == ']') {
            ++m_p;
            return true;
        }
        while (true) {
            Json v;
            if (!value(v, depth + 1)) {
                return false;
            }
            out.push(std::move(v));
            skip_ws();
            if (m_p < m_s.size() && m_s[m_p] == ',') {
                ++m_p;
                continue;
            }
            if (m_p < m_s.size() && m_s[m_p] == ']') {
                ++m_p;
                return true;
            }
            return error("expected ',' or ']'");
        }
    }
    bool object(Json& out, int depth) {
        ++m_p;
        out = Json::object();
        skip_ws();
        if (m_p < m_s.size() && m_s[m_p] == '}') {
            ++m_p;
            return true;
        }
        while (true) {
            skip_ws();
            if (m_p >= m_s.size() || m_s[m_p] != '"') {
                return error("expected a string key");
            }
            const std::size_t key_start = m_p;
            std::string key;
            if (!string(key)) {
                return false;
            }
            skip_ws();
            if (m_p >= m_s.size() || m_s[m_p] != ':') {
                return error("expected ':'");
            }
            ++m_p;
            Json v;
            if (!value(v, depth + 1)) {
                return false;
            }
            if (out.find(key) != nullptr) {
                m_p = key_start;
                std::string quoted;
                json_quote(quoted, key);
                return error(fmt::format("repeated key {}", quoted));
            }
            out.insert(std::move(key), std::move(v));
            skip_ws();
            if (m_p < m_s.size() && m_s[m_p] == ',') {
                ++m_p;
                continue;
            }
            if (m_p < m_s.size() && m_s[m_p] == '}') {
                ++m_p;
                return true;
            }
            return error("expected ',' or '}'");
        }
    }

    std::string_view m_s;
    std::size_t m_p = 0;
    std::string m_error;
};

} // namespace

Expected<Json> Json::parse(std::string_view text) {
    return Parser(text).run();
}

} // namespace eq
