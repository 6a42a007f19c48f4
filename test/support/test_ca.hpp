#pragma once

#include <string>

namespace eq::test {

// A certificate authority made for one test with the openssl command-line tool (EC
// P-256 keys, valid for two days), kept in `dir` (a TempDir the test owns).
//
//     TempDir dir;
//     TestCa ca(dir.path());
//     const auto server = ca.issue_server();   // for 127.0.0.1 and localhost
//     // server.cert_file / server.key_file -> the SMTP server;
//     // ca.cert_file() -> the client's ca_file.
//
// A second TestCa in the same test is a CA the client does not trust.
class TestCa {
public:
    explicit TestCa(const std::string& dir, const std::string& name = "ca");

    // The CA certificate (PEM), to trust as a provider's ca_file.
    const std::string& cert_file() const { return m_cert; }

    struct Issued {
        std::string cert_file; // PEM certificate for IP 127.0.0.1 and DNS localhost
        std::string key_file;  // PEM private key, unencrypted
    };
    // A server certificate signed by this CA; `name` keeps several apart in one folder.
    // With a dns_name the certificate is for that name only (not 127.0.0.1): a client
    // reaching the server at 127.0.0.1 sees a certificate for the wrong host.
    Issued issue_server(const std::string& name = "server", const std::string& dns_name = {}) const;

private:
    std::string m_dir;
    std::string m_name;
    std::string m_cert;
    std::string m_key;
};

} // namespace eq::test
