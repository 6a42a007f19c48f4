#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <regex>
#include <set>

#include "support/programs.hpp"
#include "support/temp_dir.hpp"
#include "util/strings.hpp"

using namespace eq;
using namespace eq::test;

namespace {

std::string man_source(const std::string& page) {
    return read_file(std::string(EQ_SOURCE_DIR) + "/man/" + page);
}

// The page as a reader sees the words: roff's "\-" is a hyphen, font changes vanish.
std::string man_words(const std::string& page) {
    std::string text = man_source(page);
    text = std::regex_replace(text, std::regex(R"(\\f[BIRP])"), "");
    text = std::regex_replace(text, std::regex(R"(\\-)"), "-");
    return text;
}

std::string help_of(const std::string& program, std::vector<std::string> words) {
    words.push_back("--help");
    const auto r = run_program_without_db(program, words);
    INFO(program << " " << join(words, " ") << "\n" << r.err);
    REQUIRE(r.exit_code == 0);
    return r.out;
}

std::set<std::string> options_in(const std::string& help) {
    std::set<std::string> out;
    static const std::regex k_option(R"((^|[\s,])(--[a-z][a-z0-9-]*))");
    for (std::sregex_iterator it(help.begin(), help.end(), k_option), end; it != end; ++it) {
        out.insert((*it)[2]);
    }
    return out;
}

// The subcommands a --help lists (CLI11: a "SUBCOMMANDS:" heading, one per line).
std::vector<std::string> subcommands_in(const std::string& help) {
    std::vector<std::string> out;
    bool in_list = false;
    for (const auto& line : split(help, '\n')) {
        if (to_lower(trim(line)) == "subcommands:") {
            in_list = true;
            continue;
        }
        if (in_list) {
            if (trim(line).empty() || (!line.empty() && line[0] != ' ')) {
                in_list = false;
                continue;
            }
            out.push_back(split(std::string(trim(line)), ' ').front());
        }
    }
    return out;
}

// Every option of the program and of each subcommand, with where it was found.
void collect(const std::string& program, const std::vector<std::string>& path,
             std::vector<std::pair<std::string, std::string>>& options,
             std::vector<std::string>& commands) {
    const auto help = help_of(program, path);
    for (const auto& o : options_in(help)) {
        options.emplace_back(join(path, " "), o);
    }
    for (const auto& sub : subcommands_in(help)) {
        auto deeper = path;
        deeper.push_back(sub);
        commands.push_back(join(deeper, " "));
        collect(program, deeper, options, commands);
    }
}

} // namespace

TEST_CASE("every option the programs accept is documented in their man pages", "[docs]") {
    for (const std::string program : {"queue-enqueue", "queue-process", "queue-admin"}) {
        INFO(program);
        const auto page = man_words(program + ".1");
        std::vector<std::pair<std::string, std::string>> options;
        std::vector<std::string> commands;
        collect(program, {}, options, commands);
        CHECK(options.size() >= 6);
        for (const auto& [where, option] : options) {
            INFO(where << " " << option);
            CHECK(page.find(option) != std::string::npos);
        }
        for (const auto& command : commands) {
            INFO(command);
            // Each subcommand has a heading of its own: ".SS run list", ".SS run pause ...".
            const auto words = split(command, ' ');
            CHECK(std::regex_search(page, std::regex("\n\\.SS [^\n]*" + words.back())));
        }
        if (program == "queue-admin") {
            CHECK(commands.size() >= 20);
        }
    }
}

TEST_CASE("the man pages have the required sections", "[docs]") {
    const std::vector<std::string> command_sections{"NAME",    "SYNOPSIS",    "DESCRIPTION",
                                                    "OPTIONS", "EXIT STATUS", "ENVIRONMENT",
                                                    "FILES",   "EXAMPLES",    "SEE ALSO"};
    for (const std::string page : {"queue-enqueue.1", "queue-process.1", "queue-admin.1"}) {
        const auto text = man_source(page);
        std::size_t last = 0;
        for (const auto& section : command_sections) {
            INFO(page << ": " << section);
            const auto at = text.find("\n.SH " + section + "\n");
            REQUIRE(at != std::string::npos);
            CHECK(at >= last); // in the usual order
            last = at;
        }
    }
    const auto config = man_source("emailqueue.yaml.5");
    for (const std::string section :
         {"NAME", "SYNOPSIS", "DESCRIPTION", "ENVIRONMENT", "FILES", "EXAMPLES", "SEE ALSO"}) {
        INFO("emailqueue.yaml.5: " << section);
        CHECK(config.find("\n.SH " + section + "\n") != std::string::npos);
    }
}

TEST_CASE("the man pages render without warnings", "[docs]") {
    for (const std::string page :
         {"queue-enqueue.1", "queue-process.1", "queue-admin.1", "emailqueue.yaml.5"}) {
        INFO(page);
        const auto path = std::string(EQ_SOURCE_DIR) + "/man/" + page;
        const auto groff = run_process({"/usr/bin/groff", "-ww", "-z", "-man", path});
        CHECK(groff.exit_code == 0);
        CHECK(groff.err.empty());
        RunOptions o;
        o.env = {{"MANWIDTH", "80"}, {"MAN_KEEP_FORMATTING", ""}, {"PAGER", "cat"}};
        const auto man = run_process({"/usr/bin/man", "--warnings", "-l", path}, o);
        CHECK(man.exit_code == 0);
        CHECK(man.err.empty());
        CHECK(man.out.size() > 1000);
    }
}
