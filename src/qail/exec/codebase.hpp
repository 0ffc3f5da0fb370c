#pragma once
// The contract guard (SPEC §5): before a contract phase drops tables or
// columns, the codebase must not name them any more. Source files of common
// languages and .sql files are searched for the dropped names as whole words
// (case-insensitive); build output and dependency folders are skipped.

#include <filesystem>
#include <string>
#include <vector>

#include <qail/exec/sql_info.hpp>

namespace qail::exec {

struct CodeReference {
    std::filesystem::path file; ///< relative to the scanned folder
    int line = 0;
    DroppedName name; ///< what it names
    std::string text; ///< the line, trimmed and shortened
};

/// Every line under `root` that names a dropped table (its name) or a dropped
/// column (its column name), in file order. Throws InputError when `root` is
/// not a directory.
std::vector<CodeReference> scan_codebase(const std::filesystem::path& root,
                                         const std::vector<DroppedName>& dropped);

/// True for the file types scanned (.py, .ts, .go, .sql, ...).
bool is_scanned_source(const std::filesystem::path& file);

} // namespace qail::exec
