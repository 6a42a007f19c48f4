#include <catch2/catch.hpp>

#include "config/config.hpp"
#include "content/links.hpp"

using namespace eq;
using namespace eq::content;

namespace {

const Uuid k_log = *Uuid::parse("0f8fad5b-d9cb-469f-a165-70867728950e");

} // namespace

TEST_CASE("the tracking pixel is the web application's", "[links]") {
    CHECK(tracking_pixel("https://app.example.com", k_log) ==
          "<img src=\"https://app.example.com/api/track-email/"
          "0f8fad5b-d9cb-469f-a165-70867728950e\" width=\"1\" height=\"1\" "
          "style=\"display:none\" alt=\"\" />");
}

TEST_CASE("the pixel goes before the last </body>, or at the end", "[links]") {
    const auto pixel = tracking_pixel("https://t.example", k_log);
    CHECK(add_tracking_pixel("<html><body><p>x</p></BODY></html>", "https://t.example", k_log) ==
          "<html><body><p>x</p>" + pixel + "</BODY></html>");
    CHECK(add_tracking_pixel("<p>x</p>", "https://t.example", k_log) == "<p>x</p>" + pixel);
    CHECK(add_tracking_pixel("<p>a</body>b</body>", "https://t.example", k_log) ==
          "<p>a</body>b" + pixel + "</body>");
    CHECK(add_tracking_pixel("<p>x</p>", "", k_log) == "<p>x</p>");
    CHECK(tracking_pixel("https://t.example/?a=1&b=2", k_log).find("?a=1&amp;b=2/api/") !=
          std::string::npos);
}

TEST_CASE("the unsubscribe URL template gets the ids", "[links]") {
    UnsubscribeIds ids{*Uuid::parse("11111111-1111-1111-1111-111111111111"),
                       *Uuid::parse("22222222-2222-2222-2222-222222222222"),
                       *Uuid::parse("33333333-3333-3333-3333-333333333333"), k_log};
    CHECK(unsubscribe_url("https://u.example/u?l={lead_id}&c={company_id}&k={campaign_id}"
                          "&e={email_log_id}",
                          ids) ==
          "https://u.example/u?l=11111111-1111-1111-1111-111111111111"
          "&c=22222222-2222-2222-2222-222222222222&k=33333333-3333-3333-3333-333333333333"
          "&e=0f8fad5b-d9cb-469f-a165-70867728950e");
    CHECK(unsubscribe_url("", ids).empty());
    // Every placeholder the configuration admits is replaced.
    for (const auto p : config::k_unsubscribe_placeholders) {
        CHECK(unsubscribe_url("https://u.example/" + std::string(p), ids).find('{') ==
              std::string::npos);
    }
}
