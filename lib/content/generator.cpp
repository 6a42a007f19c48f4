#include "content/generator.hpp"

#include <fmt/format.h>

#include <array>
#include <vector>

#include "util/strings.hpp"
#include "util/subprocess.hpp"

extern char** environ;

namespace eq::content {

namespace {

constexpr std::size_t k_max_stdout = 4 * 1024 * 1024;
constexpr std::size_t k_stderr_kept = 1000;

// Variables the generator must not see: emailqueue's own secrets.
constexpr std::array<std::string_view, 5> k_hidden_env{
    "ENCRYPTION_KEY", "ENCRYPTION_SALT", "BUGSNAG_API_KEY", "DATABASE_URL", "PGPASSWORD"};

std::vector<std::string> child_environment() {
    std::vector<std::string> out;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        const std::string_view entry(*e);
        const auto name = entry.substr(0, entry.find('='));
        bool hidden = false;
        for (const auto h : k_hidden_env) {
            hidden = hidden || name == h;
        }
        if (!hidden) {
            out.emplace_back(entry);
        }
    }
    return out;
}

std::string stderr_note(const std::string& err) {
    std::string tail = err.size() > k_stderr_kept ? err.substr(err.size() - k_stderr_kept) : err;
    for (auto& c : tail) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
            c = ' ';
        }
    }
    const auto t = trim(tail);
    return t.empty() ? std::string{} : fmt::format("; stderr: {}", t);
}

std::string describe(std::chrono::milliseconds d) {
    if (d.count() % 1000 == 0) {
        return fmt::format("{}s", d.count() / 1000);
    }
    return fmt::format("{}ms", d.count());
}

} // namespace

Json generator_input(const Records& records, const TemplateColumns& columns) {
    const auto section = [](const Fields& fields, const std::vector<std::string>& known,
                            bool derive_first_name) {
        Json obj = Json::object();
        for (const auto& column : known) {
            const auto it = fields.find(column);
            if (it != fields.end()) {
                obj.set(column, it->second ? Json(*it->second) : Json());
            } else if (derive_first_name && column == "first_name") {
                const auto name = fields.find("name");
                obj.set(column, name == fields.end() || !name->second
                                    ? Json()
                                    : Json(first_name(name->second)));
            }
        }
        return obj;
    };
    Json input = Json::object();
    input.set("lead", section(records.lead, columns.lead, true));
    input.set("campaign", section(records.campaign, columns.campaign, false));
    input.set("company", section(records.company, columns.company, false));
    return input;
}

namespace {

// The generator's reply: the JSON object it wrote, and the note on its stderr.
struct Reply {
    Json json;
    std::string note;
};

Expected<Reply> run_for_reply(const std::string& command, const Json& input,
                              std::chrono::milliseconds timeout) {
    // Its own process group, so a timeout kills everything it started; nothing but its
    // standard streams crosses (not the database connections, not another worker's SMTP
    // socket): util::run_subprocess.
    util::SubprocessOptions options;
    options.argv = {"/bin/sh", "-c", command};
    options.env = child_environment();
    options.stdin_text = input.dump() + "\n";
    options.timeout = timeout;
    options.max_stdout = k_max_stdout;
    options.stderr_kept = k_stderr_kept;
    const auto run = util::run_subprocess(options);
    if (!run) {
        return fail("content generator: " + run.error());
    }
    const auto note = stderr_note(run->err);
    switch (run->end) {
    case util::SubprocessEnd::timed_out:
        return fail(fmt::format("content generator timed out after {} and was killed{}",
                                describe(timeout), note));
    case util::SubprocessEnd::too_much_output:
        return fail(fmt::format("content generator wrote more than {} MiB and was killed{}",
                                k_max_stdout / (1024 * 1024), note));
    case util::SubprocessEnd::signalled:
        return fail(fmt::format("content generator was killed by signal {}{}", run->signal, note));
    case util::SubprocessEnd::exited:
        break;
    }
    if (run->exit_status != 0) {
        return fail(
            fmt::format("content generator exited with status {}{}", run->exit_status, note));
    }
    auto reply = Json::parse(run->out);
    if (!reply) {
        return fail(
            fmt::format("content generator's output is not JSON ({}){}", reply.error(), note));
    }
    return Reply{std::move(reply).value(), note};
}

} // namespace

Expected<Content> run_generator(const std::string& command, const Json& input,
                                std::chrono::milliseconds timeout) {
    auto run = run_for_reply(command, input, timeout);
    if (!run) {
        return fail(run.error());
    }
    const Json* reply = &run->json;
    const auto& note = run->note;
    const Json* subject = reply->find("subject");
    const Json* body = reply->find("body");
    if (!reply->is_object() || subject == nullptr || !subject->is_string() || body == nullptr ||
        !body->is_string()) {
        return fail(fmt::format("content generator's output is not an object with string "
                                "fields \"subject\" and \"body\"{}",
                                note));
    }
    if (trim(subject->as_string()).empty()) {
        return fail(fmt::format("content generator returned an empty subject{}", note));
    }
    return Content{std::string(trim(subject->as_string())), body->as_string()};
}

Expected<std::string> run_call_script_generator(const std::string& command, Json input,
                                                std::chrono::milliseconds timeout) {
    input.set("request", "call");
    auto run = run_for_reply(command, input, timeout);
    if (!run) {
        return fail(run.error());
    }
    const Json* script = run->json.find("script");
    if (!run->json.is_object() || script == nullptr || !script->is_string() ||
        trim(script->as_string()).empty()) {
        return fail(fmt::format("content generator's output for a call is not an object with a "
                                "non-empty string field \"script\"{}",
                                run->note));
    }
    return script->as_string();
}

} // namespace eq::content
