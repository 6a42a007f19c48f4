#include "support/test_ca.hpp"

#include <fstream>
#include <stdexcept>

#include "support/process.hpp"

namespace eq::test {

namespace {

void openssl(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"/usr/bin/openssl"};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto r = run_process(argv);
    if (r.exit_code != 0) {
        throw std::runtime_error("openssl " + args.front() + " failed: " + r.err);
    }
}

} // namespace

TestCa::TestCa(const std::string& dir, const std::string& name)
    : m_dir(dir), m_name(name), m_cert(dir + "/" + name + ".pem"),
      m_key(dir + "/" + name + ".key") {
    openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", m_key, "-out", m_cert, "-days", "2", "-subj", "/CN=emailqueue test " + name,
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
             "keyUsage=critical,keyCertSign,cRLSign"});
}

TestCa::Issued TestCa::issue_server(const std::string& name, const std::string& dns_name) const {
    const std::string base = m_dir + "/" + m_name + "-" + name;
    Issued out{base + ".pem", base + ".key"};
    const std::string csr = base + ".csr";
    const std::string ext = base + ".ext";
    const auto alt_names =
        dns_name.empty() ? std::string("IP:127.0.0.1,DNS:localhost") : "DNS:" + dns_name;
    std::ofstream(ext) << "subjectAltName=" << alt_names << "\n"
                       << "basicConstraints=CA:FALSE\n"
                          "keyUsage=critical,digitalSignature\n"
                          "extendedKeyUsage=serverAuth\n";
    openssl({"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", out.key_file, "-out", csr, "-subj",
             "/CN=" + (dns_name.empty() ? std::string("localhost") : dns_name)});
    openssl({"x509", "-req", "-in", csr, "-CA", m_cert, "-CAkey", m_key, "-CAcreateserial", "-out",
             out.cert_file, "-days", "2", "-extfile", ext});
    return out;
}

} // namespace eq::test
