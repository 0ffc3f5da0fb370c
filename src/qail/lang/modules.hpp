#pragma once
// The modules of a modular schema directory, in load order.

#include <filesystem>
#include <string>
#include <vector>

namespace qail::lang {

struct Module {
    std::filesystem::path file; ///< the directory joined with `relative`
    std::string relative;       ///< "auth/users.qail"
};

struct ModuleList {
    std::vector<Module> modules;
    bool strict = false; ///< strict manifest in force
};

/// Every *.qail below `dir` (hidden entries, `_order.qail` and symlinks that
/// leave the directory skipped), those listed in `_order.qail` first in listed
/// order, the rest in lexical order. Strict mode (`-- qail: strict-manifest`,
/// `!strict`, QAIL_SCHEMA_STRICT_MANIFEST, `[project] schema_strict_manifest`)
/// makes an unlisted module an error. Throws InputError.
ModuleList resolve_modules(const std::filesystem::path& dir);

/// Strict mode from QAIL_SCHEMA_STRICT_MANIFEST (1/true/yes/on; any other value
/// turns it off), else from the nearest qail.toml at or above `root`.
bool strict_manifest_from_environment(const std::filesystem::path& root);

} // namespace qail::lang
