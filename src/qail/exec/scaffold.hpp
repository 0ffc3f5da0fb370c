#pragma once
// Files the CLI writes: `qail migrate new <name>` (an empty, commented delta
// folder) and `qail sync generate` (a phased delta folder with the outbox
// triggers of the [[sync]] rules).

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <qail/lang/config.hpp>

namespace qail::exec {

/// deltas/<YYYYMMDDHHMMSS>_<name>/{expand,backfill,contract,down}.qail, each
/// with a comment header saying what belongs there. Creates `migrations_dir`
/// when missing. Returns the folder. InputError for a bad name or an
/// existing folder.
std::filesystem::path create_migration(const std::filesystem::path& migrations_dir,
                                       const std::string& name);

/// The same, with the files `files_for_key(key)` returns (name, text), e.g.
/// the phases of `qail migrate new --from A --to B`.
std::filesystem::path create_migration(
    const std::filesystem::path& migrations_dir, const std::string& name,
    const std::function<std::vector<std::pair<std::string, std::string>>(const std::string&)>&
        files_for_key);

/// The four files' texts for a migration folder named `key`.
std::vector<std::pair<std::string, std::string>> migration_templates(const std::string& key);

struct SyncMigration {
    std::string key;     ///< folder name: <ts>_qail_sync_triggers
    std::string expand;  ///< queue table (when missing), functions, triggers
    std::string down;    ///< undoes expand
    bool up_to_date = false; ///< the newest sync migration already says this
    std::vector<std::string> tables; ///< watched tables, in order
};

/// Plans `qail sync generate` for `rules` in `migrations_dir` (which may hold
/// earlier sync migrations: a new one replaces their triggers and its down
/// file restores them). Rules are validated (InputError at their qail.toml line).
SyncMigration plan_sync_migration(const lang::ProjectConfig& config,
                                  const std::filesystem::path& migrations_dir);

/// Writes `m` as migrations_dir/<key>/{expand,down}.qail; returns the folder.
std::filesystem::path write_sync_migration(const std::filesystem::path& migrations_dir,
                                           const SyncMigration& m);

} // namespace qail::exec
