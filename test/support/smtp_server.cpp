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
    for (const auto& [address, reply] : o.rcpt_replies) {
        argv.insert(argv.end(), {"--rcpt-reply", address + "=" + reply});
    }
    for (const auto& [address, reply] : o.data_replies_for) {
        argv.insert(argv.end(), {"--data-reply-for", address + "=" + reply});
    }
    auto server =
        start_python_server(argv, m_dir.path() + "/server.log", "the aiosmtpd test server");
    m_process = std::move(server.process);
    m_port = server.port;
}

config::Provider SmtpServer::provider(config::Security security, const std::string& ca_file) const {
    return config::Provider{"127.0.0.1", m_port, security, true, ca_file};
}

std::string SmtpServer::log() const {
    return read_log(m_dir.path() + "/server.log");
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
