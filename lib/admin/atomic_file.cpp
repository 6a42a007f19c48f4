#include "admin/atomic_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "util/error.hpp"

namespace eq::admin {

namespace {

[[noreturn]] void cannot(const std::string& path, int err) {
    throw Error(ExitCode::cant_create,
                fmt::format("cannot write {}: {}", path, std::strerror(err)));
}

} // namespace

void write_file_atomically(const std::string& path, std::string_view content) {
    const auto slash = path.rfind('/');
    const std::string dir =
        slash == std::string::npos ? "." : path.substr(0, std::max<std::size_t>(slash, 1));
    const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
    if (base.empty()) {
        throw Error(ExitCode::usage,
                    fmt::format("output path '{}' names a folder, not a file", path));
    }
    // A dot name keeps the textfile collector from reading the half-written file.
    std::string tmpl = dir + "/." + base + ".XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    const int fd = ::mkstemp(buf.data());
    if (fd < 0) {
        cannot(path, errno);
    }
    const std::string tmp(buf.data());
    const auto fail = [&](int err) {
        ::close(fd);
        ::unlink(tmp.c_str());
        cannot(path, err);
    };
    std::size_t done = 0;
    while (done < content.size()) {
        const auto n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            fail(errno);
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fchmod(fd, 0644) != 0 || ::fsync(fd) != 0) {
        fail(errno);
    }
    if (::close(fd) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        cannot(path, err);
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        cannot(path, err);
    }
}

} // namespace eq::admin
