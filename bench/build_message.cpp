// bench_build_message [COUNT]
//
// What queue-process does in its own process for every message of the throughput
// benchmark (bench/process.sh 1), without a database or an SMTP server: render the
// benchmark's campaign template for a lead, add the tracking pixel and build the MIME
// message (headers, text and HTML parts, quoted-printable). Prints
// "messages N bytes B microseconds_per_message U" (the best of five rounds).

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "config/config.hpp"
#include "content/compose.hpp"
#include "content/links.hpp"
#include "message/address.hpp"
#include "message/message.hpp"
#include "util/error.hpp"
#include "util/uuid.hpp"

namespace {

std::string bench_template() {
    // The template bench/process.sh gives its campaigns.
    std::string t = "Subject: Hello {{lead.first_name}}\n\n<html><body><p>Hi {{lead.name}},</p>";
    for (int i = 0; i < 12; ++i) {
        t += "<p>We help teams like {{lead.company}} ship outreach that respects every "
             "limit.</p>";
    }
    return t + "</body></html>";
}

int run(int argc, char** argv) {
    using namespace eq;
    const long count = argc > 1 ? std::stol(argv[1]) : 20000;
    const config::Config::Content settings;
    const std::string tmpl = bench_template();
    const std::string account = "sender@c1.example";
    std::size_t bytes = 0;
    double best = 0;
    for (int round = 0; round < 5; ++round) {
        const auto start = std::chrono::steady_clock::now();
        for (long i = 0; i < count; ++i) {
            const std::string to = fmt::format("lead{}@c1.example", i);
            content::Records records;
            records.lead = {{"name", fmt::format("Lead {}", i)},
                            {"email", to},
                            {"company", "Globex"},
                            {"job_title", "CTO"}};
            records.company = {{"name", "Company 1"}, {"account_email", account}};
            records.campaign = {{"name", "Bench"}};
            auto composed =
                content::compose_content(settings, {std::nullopt, std::nullopt, tmpl, records});
            const auto& c = std::get<content::Content>(composed);
            const Uuid log_id = Uuid::random();
            message::OutgoingMessage m;
            m.date = std::chrono::time_point_cast<std::chrono::microseconds>(
                std::chrono::system_clock::now());
            m.from = {message::display_name_for(account, "Company 1"), account};
            m.to = {*records.lead["name"], to};
            m.reply_to = *message::reply_to_address(account, log_id);
            m.subject = c.subject;
            m.message_id = *message::make_message_id(account);
            m.html_body = content::add_tracking_pixel(c.html_body, "", log_id);
            const auto built = message::build_message(m);
            if (!built) {
                throw Error(ExitCode::internal, built.error());
            }
            bytes = built->size();
        }
        const std::chrono::duration<double, std::micro> took =
            std::chrono::steady_clock::now() - start;
        const double per = took.count() / static_cast<double>(count);
        best = round == 0 ? per : std::min(best, per);
    }
    fmt::print("messages {} bytes {} microseconds_per_message {:.2f}\n", count, bytes, best);
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_build_message: %s\n", e.what());
        return 1;
    }
}
