#include "codebase.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <string_view>

#include <qail/base/error.hpp>
#include <qail/base/strings.hpp>

namespace qail::exec {

namespace fs = std::filesystem;

namespace {

constexpr std::array<std::string_view, 45> k_extensions = {
    ".rs",   ".ts",  ".tsx", ".js",   ".jsx",  ".mjs",   ".cjs",  ".mts",   ".cts",
    ".py",   ".pyi", ".rb",  ".go",   ".java", ".kt",    ".kts",  ".scala", ".groovy",
    ".cs",   ".fs",  ".vb",  ".php",  ".swift", ".m",    ".mm",   ".c",     ".h",
    ".cc",   ".cpp", ".cxx", ".hpp",  ".hh",   ".hxx",   ".ex",   ".exs",   ".erl",
    ".clj",  ".dart", ".lua", ".pl",  ".r",    ".sql",   ".prisma", ".graphql", ".vue"};

constexpr std::array<std::string_view, 14> k_skipped_dirs = {
    "node_modules", "target", "vendor", "__pycache__", "dist", "build", ".git", ".hg",
    ".svn", ".venv", "venv", ".tox", ".next", ".cache"};

bool is_word(char c) {
    auto u = static_cast<unsigned char>(c);
    return std::isalnum(u) || c == '_' || u >= 0x80;
}

// Case-insensitive whole-word search of `word` in `line`.
bool names(std::string_view line_lower, std::string_view word_lower) {
    if (word_lower.empty()) {
        return false;
    }
    size_t pos = 0;
    while ((pos = line_lower.find(word_lower, pos)) != std::string_view::npos) {
        bool left = pos == 0 || !is_word(line_lower[pos - 1]);
        size_t end = pos + word_lower.size();
        bool right = end >= line_lower.size() || !is_word(line_lower[end]);
        if (left && right) {
            return true;
        }
        pos = end;
    }
    return false;
}

} // namespace

bool is_scanned_source(const fs::path& file) {
    std::string ext = to_lower(file.extension().string());
    return std::find(k_extensions.begin(), k_extensions.end(), ext) != k_extensions.end();
}

std::vector<CodeReference> scan_codebase(const fs::path& root,
                                         const std::vector<DroppedName>& dropped) {
    std::error_code ec;
    if (!fs::is_directory(root, ec)) {
        throw InputError(fmt::format("--codebase {}: not a directory", root.string()));
    }
    std::vector<fs::path> files;
    for (auto it = fs::recursive_directory_iterator(
             root, fs::directory_options::skip_permission_denied, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) {
            break;
        }
        std::string name = it->path().filename().string();
        if (it->is_directory(ec)) {
            if (std::find(k_skipped_dirs.begin(), k_skipped_dirs.end(), name) !=
                k_skipped_dirs.end()) {
                it.disable_recursion_pending();
            }
            continue;
        }
        if (it->is_regular_file(ec) && is_scanned_source(it->path())) {
            files.push_back(it->path());
        }
    }
    std::sort(files.begin(), files.end());

    std::vector<CodeReference> found;
    for (const fs::path& file : files) {
        std::ifstream in(file, std::ios::binary);
        std::string line;
        int number = 0;
        while (std::getline(in, line)) {
            ++number;
            std::string lower = to_lower(line);
            for (const DroppedName& d : dropped) {
                std::string word = to_lower(d.column.empty() ? d.table.name : d.column);
                if (names(lower, word)) {
                    std::string text(trim(line));
                    if (text.size() > 120) {
                        text = text.substr(0, 117) + "...";
                    }
                    found.push_back(
                        CodeReference{fs::relative(file, root, ec), number, d, std::move(text)});
                    break;
                }
            }
        }
    }
    return found;
}

} // namespace qail::exec
