// The --json shapes of the man pages' JSON OUTPUT sections against what the programs
// print: every object's keys, in the documented order, at every level the page shows, and
// the page's literal example byte for byte.

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cctype>
#include <map>
#include <optional>
#include <regex>

#include "integration/admin/admin_fixture.hpp"
#include "support/process_fixture.hpp"
#include "support/temp_dir.hpp"
#include "util/strings.hpp"

using namespace eq;
using namespace eq::test;

namespace {

// A documented shape: an object's keys in order (with the shapes of their values), an
// array's element shapes (one of which each element has), or a plain value. An object
// the page gives no keys for ({S: S, ...}) is free-form.
struct Shape {
    enum Kind { value, object, array };
    Kind kind = value;
    std::vector<std::pair<std::string, Shape>> members;
    std::vector<Shape> elements;
};

// Reads the shapes of a page's example block: quoted words followed by ':' are keys;
// braces and brackets give the structure; everything else (N, S, T, ID|null, "...", ...)
// stands for a value.
class ShapeReader {
public:
    explicit ShapeReader(std::string text) : m_text(std::move(text)) {}

    std::vector<Shape> all() {
        std::vector<Shape> out;
        while (skip_to_structure()) {
            out.push_back(read());
        }
        return out;
    }

private:
    // Moves to the next '{' or '['; false at the end.
    bool skip_to_structure() {
        while (m_p < m_text.size() && m_text[m_p] != '{' && m_text[m_p] != '[') {
            ++m_p;
        }
        return m_p < m_text.size();
    }
    Shape read() {
        Shape s;
        const char open = m_text[m_p++];
        const char close = open == '{' ? '}' : ']';
        s.kind = open == '{' ? Shape::object : Shape::array;
        std::optional<std::string> key;
        while (m_p < m_text.size() && m_text[m_p] != close) {
            const char c = m_text[m_p];
            if (c == '{' || c == '[') {
                auto inner = read();
                if (s.kind == Shape::array) {
                    s.elements.push_back(std::move(inner));
                } else if (key) {
                    s.members.back().second = std::move(inner);
                }
                continue;
            }
            if (c == '"') {
                const auto end = m_text.find('"', m_p + 1);
                REQUIRE(end != std::string::npos);
                const auto word = m_text.substr(m_p + 1, end - m_p - 1);
                m_p = end + 1;
                while (m_p < m_text.size() &&
                       std::isspace(static_cast<unsigned char>(m_text[m_p]))) {
                    ++m_p;
                }
                if (s.kind == Shape::object && m_p < m_text.size() && m_text[m_p] == ':') {
                    ++m_p;
                    key = word;
                    s.members.emplace_back(word, Shape{});
                }
                continue;
            }
            ++m_p;
        }
        ++m_p;
        return s;
    }

    std::string m_text;
    std::size_t m_p = 0;
};

// The text of a page's JSON OUTPUT section as a reader sees it.
std::string json_section(const std::string& page) {
    auto text = read_file(std::string(EQ_SOURCE_DIR) + "/man/" + page);
    const auto start = text.find(".SH JSON OUTPUT");
    REQUIRE(start != std::string::npos);
    text = text.substr(start, text.find("\n.SH ", start + 1) - start);
    text = std::regex_replace(text, std::regex(R"(\\f[BIRP])"), "");
    text = std::regex_replace(text, std::regex(R"(\\\(dq)"), "\"");
    return std::regex_replace(text, std::regex(R"(\\-)"), "-");
}

// The example blocks (.nf ... .fi) of a JSON OUTPUT section, each with the paragraph
// before it (the commands it is about).
std::vector<std::pair<std::string, std::string>> blocks(const std::string& section) {
    std::vector<std::pair<std::string, std::string>> out;
    std::string paragraph;
    std::string block;
    bool inside = false;
    for (const auto& line : split(section, '\n')) {
        if (line == ".nf") {
            inside = true;
            block.clear();
        } else if (line == ".fi") {
            inside = false;
            out.emplace_back(paragraph, block);
        } else if (inside) {
            block += line + "\n";
        } else if (line == ".PP") {
            paragraph.clear();
        } else {
            paragraph += line + "\n";
        }
    }
    return out;
}

std::vector<std::string> keys_of(const Shape& shape) {
    std::vector<std::string> out;
    for (const auto& [k, v] : shape.members) {
        out.push_back(k);
    }
    return out;
}

// Checks value against shape; where names the place for the failure message.
void check_shape(const Shape& shape, const Json& value, const std::string& where) {
    INFO(where);
    if (shape.kind == Shape::object && !shape.members.empty()) {
        if (value.is_null()) {
            return; // documented as "... | null" where it can be
        }
        REQUIRE(value.is_object());
        CHECK(keys(value) == keys_of(shape));
        for (const auto& [key, inner] : shape.members) {
            if (const auto* v = value.find(key)) {
                check_shape(inner, *v, where + "." + key);
            }
        }
    } else if (shape.kind == Shape::array) {
        REQUIRE((value.is_array() || value.is_null()));
        if (value.is_null() || shape.elements.empty()) {
            return;
        }
        for (const auto& element : value.as_array()) {
            // The element shape with the same keys (the page lists the variants, as the
            // kinds of hold do), else the first.
            const Shape* match = &shape.elements.front();
            for (const auto& e : shape.elements) {
                if (element.is_object() && keys(element) == keys_of(e)) {
                    match = &e;
                }
            }
            check_shape(*match, element, where + "[]");
        }
    }
}

Json printed(const ProcessResult& r, const std::string& command) {
    INFO(command << "\n" << r.err << "\n" << r.out);
    REQUIRE(!r.out.empty());
    REQUIRE(r.out.find('\n') == r.out.size() - 1); // one line
    auto j = Json::parse(r.out);
    REQUIRE(j.ok());
    return *j;
}

} // namespace

TEST_CASE("queue-admin prints the --json shapes its man page documents, in order", "[docs]") {
    AdminFixture f;
    const auto row = f.add_row({.status = "failed", .processed_ago = 60, .error = "timed out"});
    f.add_row();
    const auto held = f.add_row({.status = "held", .processed_ago = 30});
    TempDir dir;
    const auto csv = dir.write("list.csv", "email,reason\nann@example.com,asked\nbad,x\n");
    const auto id = f.company.str();
    const auto run = f.run.str();
    using Args = std::vector<std::string>;
    // Per example block of the page, in order: a word its heading has, and the command
    // (or commands, for a block of several objects) it documents.
    const std::vector<std::pair<std::string, std::vector<Args>>> commands{
        {"db migrate", {{"db", "migrate"}}},
        {"db status", {{"db", "status"}}},
        {"throttle show", {{"throttle", "show", id}}},
        {"status", {{"status"}}},
        {"run show", {{"run", "show", run}}},
        {"run pause", {{"run", "pause", run}}},
        {"priority", {{"priority", run, "--set", "5"}}},
        {"retry", {{"retry"}}},
        {"mark", {{"mark-sent", held.str()}}},
        {"purge", {{"purge", "--older-than", "30d", "--dry-run"}}},
        {"suppress",
         {{"suppress", "add", "carl@example.com"},
          {"suppress", "remove", "carl@example.com"},
          {"suppress", "import", csv},
          {"suppress", "list"}}},
        {"explain", {{"explain", row.str()}}},
        {"stats", {{"stats", "--since", "24h"}}},
        {"health", {{"health"}}},
        {"metrics", {{"metrics", "--output", dir.file("metrics.prom")}}},
        {"report", {{"report", "--output", dir.file("report.html")}}},
    };
    const auto documented = blocks(json_section("queue-admin.1"));
    REQUIRE(documented.size() == commands.size());
    for (std::size_t i = 0; i < commands.size(); ++i) {
        const auto& [heading, block] = documented[i];
        INFO(heading);
        REQUIRE(heading.find(commands[i].first) != std::string::npos);
        const auto shapes = ShapeReader(block).all();
        REQUIRE(shapes.size() == commands[i].second.size());
        for (std::size_t k = 0; k < shapes.size(); ++k) {
            auto args = commands[i].second[k];
            args.push_back("--json");
            const auto command = join(args, " ");
            const auto r = f.admin(args);
            check_shape(shapes[k], printed(r, command), command);
        }
    }
}

TEST_CASE("queue-enqueue and queue-process print the --json shapes their man pages document",
          "[docs]") {
    AdminFixture f;
    f.add_row();
    {
        const auto documented = blocks(json_section("queue-enqueue.1"));
        REQUIRE(documented.size() == 1);
        const auto shapes = ShapeReader(documented[0].second).all();
        REQUIRE(shapes.size() == 1);
        const auto r =
            run_program("queue-enqueue", {"--run", f.run.str(), "--dry-run", "--json"}, f.db);
        const auto j = printed(r, "queue-enqueue --dry-run");
        REQUIRE(j.find("runs")->as_array().size() == 1);
        check_shape(shapes[0], j, "queue-enqueue");
    }
    const auto section = json_section("queue-process.1");
    const auto documented = blocks(section);
    REQUIRE(documented.size() == 1);
    const auto shapes = ShapeReader(documented[0].second).all();
    REQUIRE(shapes.size() == 1);
    const std::map<std::string, std::string> secrets{
        {"ENCRYPTION_KEY", ProcessFixture::k_encryption_key},
        {"ENCRYPTION_SALT", ProcessFixture::k_encryption_salt}};
    const auto r = run_program("queue-process", {"--dry-run", "--json"}, f.db, secrets);
    check_shape(shapes[0], printed(r, "queue-process --dry-run"), "queue-process");

    // The one literal example: what --single prints when another run holds the lock.
    const std::regex k_literal(R"(\.B (\{"skipped".*\})\.?)");
    std::smatch m;
    REQUIRE(std::regex_search(section, m, k_literal));
    auto other = f.db.connect();
    other.run("SELECT pg_advisory_lock_shared(111520460139632)", "hold"); // 0x656d61696c70
    const auto single = run_program("queue-process", {"--single", "--json"}, f.db, secrets);
    other.run("SELECT pg_advisory_unlock_all()", "release");
    CHECK(single.exit_code == 0);
    CHECK(single.out == m[1].str() + "\n");
}
