#pragma once
// qail.toml: the project file. Found by walking up from the current
// directory; the nearest one wins. `${VAR}` and `${VAR:-default}` are expanded
// from the environment before parsing (`$$` is a literal `$`), and
// DATABASE_URL overrides [postgres] url.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace qail::lang {

/// One [[sync]] rule: which table's changes go to the outbox.
struct SyncRule {
    std::string source_table;
    std::string target_collection;
    std::optional<std::string> trigger_column;
    std::optional<std::string> embedding_model;
    int line = 0; ///< where the rule starts in qail.toml
};

struct ProjectConfig {
    std::filesystem::path file; ///< the qail.toml itself
    std::filesystem::path dir;  ///< its directory; relative paths resolve against it
    std::optional<std::string> name;
    std::optional<std::string> mode;          ///< postgres | qdrant | hybrid
    std::optional<std::filesystem::path> schema;         ///< [project] schema, resolved
    std::optional<std::filesystem::path> migrations_dir; ///< [project] migrations_dir, resolved
    std::optional<bool> schema_strict_manifest;
    std::optional<std::string> postgres_url; ///< after DATABASE_URL override
    std::vector<SyncRule> sync;
};

/// The nearest qail.toml at or above `start` (default: the current directory),
/// parsed; nullopt when there is none. A file that does not parse is an
/// InputError with its line and column.
std::optional<ProjectConfig> find_project_config(
    const std::filesystem::path& start = std::filesystem::current_path());

ProjectConfig load_project_config(const std::filesystem::path& file);

/// ${VAR}, ${VAR:-default} and $$ expansion. A ${VAR} that is unset is an error
/// naming the variable.
std::string expand_env(const std::string& text, const std::filesystem::path& file);

/// The migrations folder: [project] migrations_dir of the nearest qail.toml,
/// else deltas/ beside it, else ./deltas.
std::filesystem::path migrations_dir(const std::optional<ProjectConfig>& config);

} // namespace qail::lang
