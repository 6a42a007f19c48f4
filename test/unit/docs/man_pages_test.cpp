#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "support/temp_dir.hpp"
#include "util/exit_code.hpp"

using namespace eq;

TEST_CASE("every command's man page lists the whole exit status table", "[docs]") {
    for (const char* page : {"queue-admin.1", "queue-enqueue.1", "queue-process.1"}) {
        INFO(page);
        const auto text = test::read_file(std::string(EQ_SOURCE_DIR) + "/man/" + page);
        const auto start = text.find(".SH EXIT STATUS");
        REQUIRE(start != std::string::npos);
        const auto end = text.find(".SH ", start + 4);
        const auto section = text.substr(start, end - start);
        for (const auto& e : exit_code_table()) {
            INFO(to_int(e.code));
            CHECK(section.find(fmt::format(".B {}\n", to_int(e.code))) != std::string::npos);
        }
    }
}
