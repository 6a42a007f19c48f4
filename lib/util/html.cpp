// HTML to plain text: the contract is in util/html.hpp.

#include "util/html.hpp"

#include <cctype>
#include <cstdint>
#include <vector>

#include "util/strings.hpp"

namespace eq {

namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

struct Tag {
    std::string name; // lowercase
    bool closing = false;
    bool self_closing = false;
    std::string href;
    std::string alt;
};

// Where tag scans have been: per octet, one bit per scanner state. Scanning from a given
// octet in a given state always ends the same way, and a scan that succeeded is never
// looked at again (the text goes on after its '>'), so a scan that comes to a place an
// earlier scan has been fails as that one did, at once. Every octet is thus scanned at
// most once per state, and a body of unterminated '<' stays linear.
class TagScans {
public:
    enum State : std::uint8_t {
        between = 1,
        name = 2,
        after_equals = 4,
        unquoted = 8,
        double_quoted = 16,
        single_quoted = 32,
    };
    explicit TagScans(std::size_t size) : m_seen(size, 0) {}
    // Whether a scan was here before (then this one fails); marks it otherwise.
    bool seen(std::size_t pos, State state) {
        const bool was = (m_seen[pos] & state) != 0;
        m_seen[pos] |= state;
        return was;
    }

private:
    std::vector<std::uint8_t> m_seen;
};

// Parses the tag starting at html[pos] ('<'); on success sets pos past its '>'.
bool parse_tag(std::string_view html, std::size_t& pos, Tag& tag, TagScans& scans) {
    std::size_t p = pos + 1;
    if (p < html.size() && html[p] == '/') {
        tag.closing = true;
        ++p;
    }
    const std::size_t name_start = p;
    while (p < html.size() && std::isalnum(static_cast<unsigned char>(html[p]))) {
        ++p;
    }
    if (p == name_start) {
        return false;
    }
    tag.name = to_lower(html.substr(name_start, p - name_start));
    while (p < html.size() && html[p] != '>') {
        if (scans.seen(p, TagScans::between)) {
            return false;
        }
        if (is_space(html[p]) || html[p] == '/') {
            tag.self_closing = html[p] == '/';
            ++p;
            continue;
        }
        const std::size_t attr_start = p;
        while (p < html.size() && !is_space(html[p]) && html[p] != '=' && html[p] != '>' &&
               html[p] != '/') {
            if (scans.seen(p, TagScans::name)) {
                return false;
            }
            ++p;
        }
        const auto attr = to_lower(html.substr(attr_start, p - attr_start));
        std::string value;
        if (p < html.size() && html[p] == '=') {
            ++p;
            if (p < html.size() && scans.seen(p, TagScans::after_equals)) {
                return false;
            }
            if (p < html.size() && (html[p] == '"' || html[p] == '\'')) {
                const char quote = html[p++];
                const auto state = quote == '"' ? TagScans::double_quoted : TagScans::single_quoted;
                auto end = p;
                while (end < html.size() && html[end] != quote) {
                    if (scans.seen(end, state)) {
                        return false;
                    }
                    ++end;
                }
                if (end == html.size()) {
                    return false;
                }
                value = html.substr(p, end - p);
                p = end + 1;
            } else {
                const std::size_t v = p;
                while (p < html.size() && !is_space(html[p]) && html[p] != '>') {
                    if (scans.seen(p, TagScans::unquoted)) {
                        return false;
                    }
                    ++p;
                }
                value = html.substr(v, p - v);
            }
        }
        tag.self_closing = false;
        if (attr == "href") {
            tag.href = decode_entities(trim(value));
        } else if (attr == "alt") {
            tag.alt = decode_entities(value);
        }
    }
    if (p >= html.size()) {
        return false;
    }
    pos = p + 1;
    return true;
}

bool one_of(std::string_view name, std::initializer_list<std::string_view> names) {
    for (const auto n : names) {
        if (n == name) {
            return true;
        }
    }
    return false;
}

class TextWriter {
public:
    void text(std::string_view s, bool preformatted) {
        for (const char c : s) {
            if (preformatted) {
                if (c == '\r') {
                    continue;
                }
                m_out.push_back(c);
                m_space = false;
            } else if (is_space(c)) {
                m_space = true;
            } else {
                if (m_space && !m_out.empty() && m_out.back() != '\n' && m_out.back() != ' ') {
                    m_out.push_back(' ');
                }
                m_space = false;
                m_out.push_back(c);
            }
        }
    }
    // Text that keeps its spaces (a decoded entity such as &nbsp;), after any pending
    // collapsed space.
    void literal(std::string_view s) {
        if (m_space && !m_out.empty() && m_out.back() != '\n' && m_out.back() != ' ') {
            m_out.push_back(' ');
        }
        m_space = false;
        m_out += s;
    }
    // Ends the current line so that at least `count` line breaks separate it from what
    // follows (1: a new line, 2: a blank line between paragraphs).
    void break_lines(int count) {
        trim_trailing_spaces();
        m_space = false;
        if (m_out.empty()) {
            return;
        }
        int have = 0; // (counted no further than needed: a run of <br> can be long)
        for (auto it = m_out.rbegin(); it != m_out.rend() && *it == '\n' && have < count; ++it) {
            ++have;
        }
        for (; have < count; ++have) {
            m_out.push_back('\n');
        }
    }
    void line_break() {
        trim_trailing_spaces();
        m_space = false;
        m_out.push_back('\n');
    }
    std::size_t size() const { return m_out.size(); }
    std::string_view since(std::size_t pos) const { return std::string_view(m_out).substr(pos); }
    void raw(std::string_view s) { m_out += s; }

    std::string finish() {
        std::string out;
        int newlines = 0;
        for (const char c : m_out) {
            if (c == '\n') {
                while (!out.empty() && out.back() == ' ') {
                    out.pop_back();
                }
                if (out.empty() || ++newlines > 2) {
                    continue;
                }
            } else {
                newlines = 0;
            }
            out.push_back(c);
        }
        while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) {
            out.pop_back();
        }
        if (!out.empty()) {
            out.push_back('\n');
        }
        return out;
    }

private:
    void trim_trailing_spaces() {
        while (!m_out.empty() && m_out.back() == ' ') {
            m_out.pop_back();
        }
    }
    std::string m_out;
    bool m_space = false;
};

// Skips from pos past the matching "</name ...>" (in any case), or to the end. Reads
// the text in place: the search ends where the next one starts, so it stays linear.
void skip_element(std::string_view html, std::size_t& pos, std::string_view name) {
    std::size_t end = pos;
    while (true) {
        end = html.find("</", end);
        if (end == std::string_view::npos) {
            pos = html.size();
            return;
        }
        const auto candidate = html.substr(end + 2, name.size());
        if (candidate.size() == name.size() && to_lower(candidate) == name) {
            break;
        }
        end += 2;
    }
    const auto close = html.find('>', end);
    pos = close == std::string_view::npos ? html.size() : close + 1;
}

} // namespace

std::string html_to_text(std::string_view html) {
    TextWriter w;
    struct Link {
        std::string href;
        std::size_t start;
    };
    std::vector<Link> links;
    TagScans scans(html.size());
    int pre = 0;
    std::size_t i = 0;
    while (i < html.size()) {
        const char c = html[i];
        if (c == '&') {
            w.literal(decode_entity(html, i));
            continue;
        }
        if (c != '<') {
            // (find_first_of would search the two-octet set once per octet.)
            std::size_t end = i;
            while (end < html.size() && html[end] != '<' && html[end] != '&') {
                ++end;
            }
            w.text(html.substr(i, end - i), pre > 0);
            i = end;
            continue;
        }
        if (html.substr(i, 4) == "<!--") {
            const auto end = html.find("-->", i + 4);
            i = end == std::string_view::npos ? html.size() : end + 3;
            continue;
        }
        if (html.substr(i, 2) == "<!" || html.substr(i, 2) == "<?") {
            const auto end = html.find('>', i);
            i = end == std::string_view::npos ? html.size() : end + 1;
            continue;
        }
        Tag tag;
        std::size_t after = i;
        if (!parse_tag(html, after, tag, scans)) {
            w.text("<", pre > 0);
            ++i;
            continue;
        }
        i = after;
        const auto& n = tag.name;
        if (!tag.closing && !tag.self_closing &&
            one_of(n, {"script", "style", "head", "title", "noscript", "template"})) {
            skip_element(html, i, n);
            continue;
        }
        if (n == "br") {
            w.line_break();
        } else if (one_of(n, {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table",
                              "blockquote", "hr", "dl"})) {
            w.break_lines(2);
        } else if (n == "pre") {
            w.break_lines(2);
            pre += tag.closing ? (pre > 0 ? -1 : 0) : 1;
        } else if (n == "li") {
            w.break_lines(1);
            if (!tag.closing) {
                w.raw("- ");
            }
        } else if (one_of(n, {"div", "tr", "dt", "dd", "section", "article", "header", "footer",
                              "address", "center", "form", "body"})) {
            w.break_lines(1);
        } else if (n == "td" || n == "th") {
            if (tag.closing) {
                w.text(" ", false);
            }
        } else if (n == "img" && !tag.closing) {
            w.text(tag.alt, false);
        } else if (n == "a") {
            if (!tag.closing) {
                links.push_back({tag.href, w.size()});
            } else if (!links.empty()) {
                const auto link = links.back();
                links.pop_back();
                // A view, not a copy: nested links would copy their text once each.
                const auto label = trim(w.since(link.start));
                auto target = std::string_view(link.href);
                if (target.starts_with("mailto:")) {
                    target.remove_prefix(7);
                }
                if (!link.href.empty() && !link.href.starts_with('#') && label != target &&
                    label != link.href) {
                    w.text(label.empty() ? link.href : " (" + link.href + ")", false);
                }
            }
        }
    }
    return w.finish();
}

} // namespace eq
