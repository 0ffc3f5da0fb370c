#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace qail::testing {

/// A fresh directory under $TMPDIR, removed with everything in it at scope end.
class TempDir {
public:
    TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir();
    const std::filesystem::path& path() const { return m_path; }
    /// Writes `text` to path()/relative (creating folders) and returns the full path.
    std::filesystem::path write(const std::string& relative, std::string_view text) const;
    std::string read(const std::string& relative) const;

private:
    std::filesystem::path m_path;
};

std::string read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, std::string_view text);

} // namespace qail::testing
