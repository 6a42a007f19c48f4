#include <catch2/catch.hpp>

#include "util/html.hpp"

using namespace eq;

TEST_CASE("html_escape escapes the five special characters", "[html]") {
    CHECK(html_escape("Tom & Jerry <b>\"hi\" it's</b>") ==
          "Tom &amp; Jerry &lt;b&gt;&quot;hi&quot; it&#39;s&lt;/b&gt;");
    CHECK(html_escape("plain") == "plain");
}

TEST_CASE("the text part keeps the words, paragraphs and link targets", "[html]") {
    const auto text =
        html_to_text("<html><head><title>T</title><style>p{color:red}</style></head><body>\n"
                     "<p>Hi   Ann,</p><p>We build <b>rockets</b> &amp; more.<br>Second line</p>\n"
                     "<ul><li>one</li><li>two</li></ul>"
                     "<p>See <a href=\"https://x.example/a?b=1&amp;c=2\">our site</a> or "
                     "<a href=\"https://x.example\">https://x.example</a>.</p>"
                     "<!-- hidden --><script>alert(1)</script>"
                     "<p>Caf&eacute; &#233; &#x20AC; &nbsp;ok</p>"
                     "<img src=\"x\" width=\"1\" alt=\"\" /></body></html>");
    CHECK(text == "Hi Ann,\n\nWe build rockets & more.\nSecond line\n\n- one\n- two\n\n"
                  "See our site (https://x.example/a?b=1&c=2) or https://x.example.\n\n"
                  "Caf&eacute; \xc3\xa9 \xe2\x82\xac  ok\n");
}

TEST_CASE("the text part of plain text is that text", "[html]") {
    CHECK(html_to_text("Just words\nacross lines") == "Just words across lines\n");
    CHECK(html_to_text("") == "");
    CHECK(html_to_text("a < b and c > d") == "a < b and c > d\n");
    CHECK(html_to_text("<pre>  keep\n    this</pre>") == "  keep\n    this\n");
    CHECK(html_to_text("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>") ==
          "a b\nc\n");
}
