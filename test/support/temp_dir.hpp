#pragma once

#include <string>
#include <string_view>

namespace eq::test {

// A fresh folder under $TMPDIR, removed with everything in it when destroyed.
class TempDir {
public:
    TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir();

    const std::string& path() const { return m_path; }
    // Writes a file (mode as given) and returns its full path.
    std::string write(std::string_view name, std::string_view content, unsigned mode = 0600) const;
    std::string file(std::string_view name) const { return m_path + "/" + std::string(name); }

private:
    std::string m_path;
};

std::string read_file(const std::string& path);

} // namespace eq::test
