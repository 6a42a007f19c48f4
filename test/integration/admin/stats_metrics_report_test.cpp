#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <sys/stat.h>

#include <regex>

#include "integration/admin/admin_fixture.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "util/strings.hpp"

using namespace eq;
using namespace eq::test;

TEST_CASE("stats gives rates, latency, top errors and a bar per hour", "[admin][stats]") {
    AdminFixture f;
    f.add_rows(8, {.status = "sent", .processed_ago = 1800, .created_ago = 3600});
    f.add_rows(2, {.status = "sent", .processed_ago = 1800, .created_ago = 3600, .retry_count = 1});
    f.add_rows(3, {.status = "failed", .processed_ago = 600, .error = "550 user unknown"});
    f.add_row({.status = "failed", .processed_ago = 600, .error = "timeout"});
    f.add_row({.status = "sent", .processed_ago = 5 * 86400});
    const auto j = f.json({"stats", "--since", "24h"});
    CHECK(keys(j) == std::vector<std::string>{"company_id", "since", "until", "bucket", "sent",
                                              "failed", "held", "skipped", "retried",
                                              "failure_rate", "retry_rate", "latency_seconds",
                                              "per_bucket", "top_errors"});
    CHECK(j.find("sent")->as_int() == 10);
    CHECK(j.find("failed")->as_int() == 4);
    CHECK(j.find("bucket")->as_string() == "hour");
    CHECK(j.find("failure_rate")->as_double() == Approx(4.0 / 14));
    CHECK(j.find("retry_rate")->as_double() == Approx(2.0 / 14));
    CHECK(j.find("latency_seconds")->find("median")->as_double() == Approx(1800).margin(5));
    const auto& buckets = j.find("per_bucket")->as_array();
    CHECK(buckets.size() >= 24);
    std::int64_t sent = 0;
    for (const auto& b : buckets) {
        sent += b.find("sent")->as_int();
    }
    CHECK(sent == 10);
    const auto& top = j.find("top_errors")->as_array();
    REQUIRE(top.size() == 2);
    CHECK(top[0].find("message")->as_string() == "550 user unknown");
    CHECK(top[0].find("count")->as_int() == 3);
    const auto week = f.json({"stats", "--since", "7d", "--company", f.company.str()});
    CHECK(week.find("bucket")->as_string() == "day");
    CHECK(week.find("sent")->as_int() == 11);
    const auto text = f.admin({"stats"});
    CHECK(text.out.find("##########") != std::string::npos);
    CHECK(text.out.find("failure rate 28.6%") != std::string::npos);
    CHECK(text.out.find("550 user unknown") != std::string::npos);
    CHECK(f.admin({"stats", "--since", "yesterday"}).exit_code == 64);
    CHECK(f.admin({"stats", "--company", Uuid::random().str()}).exit_code == 66);
}

TEST_CASE("metrics writes the Prometheus text format, atomically to a file", "[admin][metrics]") {
    AdminFixture f;
    f.db.exec(fmt::format("UPDATE companies SET name = 'Quote \"and\" back\\slash' WHERE id = '{}'",
                          f.company.str()));
    f.add_rows(2, {.status = "pending", .scheduled_in = -60});
    f.add_row({.status = "sent", .processed_ago = 60});
    const auto r = f.admin({"metrics"});
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("# TYPE emailqueue_rows gauge\n") != std::string::npos);
    const auto label = fmt::format("company_id=\"{}\",company=\"Quote \\\"and\\\" back\\\\slash\"",
                                   f.company.str());
    CHECK(r.out.find("emailqueue_rows{" + label + ",state=\"due\"} 2\n") != std::string::npos);
    CHECK(r.out.find("emailqueue_sent_last_hour{" + label + "} 1\n") != std::string::npos);
    CHECK(r.out.find("emailqueue_limit_per_hour{" + label + "} 50\n") != std::string::npos);
    CHECK(r.out.find("emailqueue_health_status 2\n") != std::string::npos); // never ran
    // Every line is a comment or "name{labels} value".
    const std::regex sample(R"(^[a-z_]+(\{.*\})? [-+0-9.eEInfa]+$)");
    for (const auto& line : split(r.out, '\n')) {
        if (!line.empty() && line[0] != '#') {
            CHECK(std::regex_match(line, sample));
        }
    }
    TempDir dir;
    const auto path = dir.file("emailqueue.prom");
    CHECK(f.admin({"metrics", "--output", path}).exit_code == 0);
    const auto written = read_file(path);
    CHECK(written.find("# HELP emailqueue_rows ") == 0);
    CHECK(written.find("emailqueue_rows{" + label + ",state=\"due\"} 2\n") != std::string::npos);
    CHECK(written.back() == '\n');
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0644);
    CHECK(run_process({"/bin/sh", "-c", "ls -A " + dir.path()}).out == "emailqueue.prom\n");
    const auto j = f.json({"metrics", "--output", path});
    CHECK(j.find("output")->as_string() == path);
    CHECK(j.find("metrics")->as_array().size() > 5);
    const auto denied = f.admin({"metrics", "--output", dir.file("no/such/dir/x.prom")});
    CHECK(denied.exit_code == 73);
}

TEST_CASE("report writes one self-contained HTML page that Chromium renders", "[admin][report]") {
    AdminFixture f;
    f.db.exec(fmt::format("UPDATE companies SET name = '<script>alert(1)</script>' WHERE id = '{}'",
                          f.company.str()));
    f.add_rows(5, {.status = "sent", .processed_ago = 1800});
    f.add_rows(3, {.status = "pending", .scheduled_in = -60});
    f.add_row({.status = "failed", .processed_ago = 600, .error = "550"});
    TempDir dir;
    const auto path = dir.file("report.html");
    const auto j = f.json({"report", "--output", path});
    CHECK(keys(j) == std::vector<std::string>{"output", "bytes", "companies", "charts"});
    CHECK(j.find("charts")->as_int() == 3);
    const auto html = read_file(path);
    CHECK(html.find("<!DOCTYPE html>") == 0);
    CHECK(html.find("<script") == std::string::npos);
    CHECK(html.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
    for (const char* remote : {"http://", "https://", "src=", "href=", "@import", "url("}) {
        INFO(remote);
        CHECK(html.find(remote) == std::string::npos);
    }

    // Rendered by a real browser, offline, in a profile of its own.
    TempDir profile;
    const std::vector<std::string> chromium{"/usr/bin/chromium",
                                            "--headless",
                                            "--no-sandbox",
                                            "--disable-gpu",
                                            "--disable-quic",
                                            "--no-first-run",
                                            "--disable-background-networking",
                                            "--disable-component-update",
                                            "--disable-sync",
                                            "--user-data-dir=" + profile.path()};
    RunOptions options;
    options.timeout = std::chrono::seconds(120);
    auto dump_args = chromium;
    dump_args.push_back("--dump-dom");
    dump_args.push_back("file://" + path);
    const auto dom = run_process(dump_args, options);
    INFO(dom.err);
    REQUIRE(dom.exit_code == 0);
    CHECK(dom.out.find("<h1>emailqueue report</h1>") != std::string::npos);
    std::size_t svgs = 0;
    for (auto p = dom.out.find("<svg"); p != std::string::npos; p = dom.out.find("<svg", p + 1)) {
        ++svgs;
    }
    CHECK(svgs == 3);
    CHECK(dom.out.find("<polyline") != std::string::npos);
    CHECK(dom.out.find("<table>") != std::string::npos);

    auto shot_args = chromium;
    const auto shot = dir.file("report.png");
    shot_args.push_back("--screenshot=" + shot);
    shot_args.push_back("--window-size=1200,2000");
    shot_args.push_back("file://" + path);
    const auto s = run_process(shot_args, options);
    INFO(s.err);
    REQUIRE(s.exit_code == 0);
    const auto png = read_file(shot);
    REQUIRE(png.size() > 8);
    CHECK(png.substr(1, 3) == "PNG");
    CHECK(png.size() > 10'000); // a blank page compresses to far less

    CHECK(f.admin({"report"}).exit_code == 64);
    CHECK(f.admin({"report", "--output", dir.file("missing/report.html")}).exit_code == 73);
}
