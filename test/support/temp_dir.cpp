#include "support/temp_dir.hpp"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace eq::test {

TempDir::TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/emailqueue-test.XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) {
        throw std::runtime_error("mkdtemp failed");
    }
    m_path = tmpl;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
}

std::string TempDir::write(std::string_view name, std::string_view content, unsigned mode) const {
    // Written beside and renamed over: a program started meanwhile (tests run several at
    // once) reads the old file or the new one, never half of one.
    const std::string path = file(name);
    static std::atomic<unsigned> counter{0};
    const std::string temp = fmt::format("{}.{}.{}.tmp", path, ::getpid(), counter++);
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        out << content;
        out.close();
        if (!out) {
            throw std::runtime_error("cannot write " + temp);
        }
    }
    ::chmod(temp.c_str(), static_cast<mode_t>(mode));
    if (std::rename(temp.c_str(), path.c_str()) != 0) {
        throw std::runtime_error("cannot rename " + temp + " to " + path);
    }
    return path;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot read " + path);
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

} // namespace eq::test
