#include "support/smtp_server.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <stdexcept>
#include <thread>

#include "support/json_lines.hpp"

namespace eq::test {

SmtpServer::SmtpServer(const SmtpServerOptions& o) {
    const std::string dump = m_dir.path() + "/messages";
    ::mkdir(dump.c_str(), 0700);
    std::vector<std::string> argv{
        k_system_python, std::string(EQ_SOURCE_DIR) + "/test/support/smtp_server.py",
        "--dump-dir",    dump,
        "--events",      m_dir.path() + "/events.jsonl"};
    switch (o.tls) {
    case SmtpServerOptions::Tls::none:
        argv.insert(argv.end(), {"--tls", "none"});
        break;
    case SmtpServerOptions::Tls::implicit:
        argv.insert(argv.end(), {"--tls", "implicit"});
        break;
    case SmtpServerOptions::Tls::starttls:
        argv.insert(argv.end(), {"--tls", "starttls"});
        break;
    }
    if (o.tls != SmtpServerOptions::Tls::none) {
        argv.insert(argv.end(),
                    {"--cert", o.certificate.cert_file, "--key", o.certificate.key_file});
    }
    if (o.require_starttls) {
        argv.push_back("--require-starttls");
    }
    if (o.auth) {
        argv.insert(argv.end(),
                    {"--auth-user", o.auth->username, "--auth-password", o.auth->password});
    }
    if (!o.auth_mechanisms.empty()) {
        argv.insert(argv.end(), {"--auth-mechanisms", o.auth_mechanisms});
    }
    if (o.auth_required) {
        argv.push_back("--auth-required");
    }
    if (o.data_delay.count() > 0) {
        argv.insert(argv.end(),
                    {"--data-delay",
                     fmt::format("{:.3f}", static_cast<double>(o.data_delay.count()) / 1000.0)});
    }
    if (!o.data_reply.empty()) {
        argv.insert(argv.end(), {"--data-reply", o.data_reply});
    }
    const auto log_path = m_dir.path() + "/server.log";
    m_port = start_on_free_port([&](int port) {
        auto with_port = argv;
        with_port.insert(with_port.end(), {"--port", std::to_string(port)});
        m_process = std::make_unique<BackgroundProcess>(with_port, log_path);
        return wait_until_ready(
            *m_process, log_path, [&] { return log_has(log_path, "READY"); },
            "the aiosmtpd test server");
    });
}

config::Provider SmtpServer::provider(config::Security security, const std::string& ca_file) const {
    return config::Provider{"127.0.0.1", m_port, security, true, ca_file};
}

std::string SmtpServer::log() const {
    try {
        return read_file(m_dir.path() + "/server.log");
    } catch (const std::exception&) {
        return {};
    }
}

std::vector<Json> SmtpServer::events(std::string_view kind) const {
    std::vector<Json> out;
    for (auto& event : read_json_lines(m_dir.path() + "/events.jsonl", "the test server")) {
        const Json* name = event.find("event");
        if (kind.empty() || (name != nullptr && name->as_string() == kind)) {
            out.push_back(std::move(event));
        }
    }
    return out;
}

std::vector<std::string> SmtpServer::messages() const {
    std::vector<std::string> out;
    for (const auto& e : events("message")) {
        const Json* file = e.find("file");
        if (file != nullptr && file->is_string()) {
            out.push_back(read_file(file->as_string()));
        }
    }
    return out;
}

} // namespace eq::test
