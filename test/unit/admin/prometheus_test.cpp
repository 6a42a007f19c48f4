#include <catch2/catch.hpp>

#include "admin/prometheus.hpp"
#include "admin/terminal.hpp"

using namespace eq::admin;

TEST_CASE("the exposition format escapes label values and help", "[prometheus]") {
    const std::vector<MetricFamily> f{
        {"emailqueue_rows",
         "Rows\\by state\nline",
         "gauge",
         {{{{"company", "A \"B\" \\ C\nD"}, {"state", "due"}}, 3}, {{}, 1.5}}}};
    CHECK(render_prometheus(f) ==
          "# HELP emailqueue_rows Rows\\\\by state\\nline\n"
          "# TYPE emailqueue_rows gauge\n"
          "emailqueue_rows{company=\"A \\\"B\\\" \\\\ C\\nD\",state=\"due\"} 3\n"
          "emailqueue_rows 1.5\n");
    const auto j = metrics_json(f);
    CHECK(j.find("metrics")->as_array()[0].find("samples")->as_array().size() == 2);
}

TEST_CASE("terminal helpers fit text and draw bars", "[terminal]") {
    CHECK(fit("abcdef", 4) == "abc~");
    CHECK(fit("ab", 4) == "ab  ");
    CHECK(fit("ab", 4, false) == "ab");
    CHECK(progress_bar(5, 2, 1, 2, 10, 10) == "[#####xx-..]");
    CHECK(progress_bar(0, 0, 0, 0, 0, 4) == "[    ]");
    CHECK(progress_bar(1, 0, 0, 0, 4, 8) == "[##      ]");
    CHECK(bar(5, 10, 20) == std::string(10, '#'));
    CHECK(bar(0.01, 10, 20) == "#");
    CHECK(bar(0, 10, 20).empty());
}

TEST_CASE("wrap breaks at spaces and indents every line", "[terminal]") {
    CHECK(wrap("one two three four", 14, 2) == "  one two\n  three four\n");
    CHECK(wrap("", 20, 2) == "  \n");
    CHECK(wrap("abcdefghijklmnopqrstuvwxyz", 14, 2) == "  abcdefghijkl\n  mnopqrstuvwx\n  yz\n");
}
