#pragma once
// Backups before destructive steps (seed: data-safe-migrations, SPEC §5):
//   files: _qail_snapshots/<version>/ — one CSV per dropped table or
//          dropped/retyped column (key columns + values, with a header,
//          written by COPY), and manifest.json (version, tables, columns,
//          row counts, SHA-256 of each file); 0600 files in a 0700 folder.
//   db:    rows of _qail_data_snapshots (the seed's columns), filled by one
//          INSERT ... SELECT per step inside the step's own transaction.

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include <qail/pg/connection.hpp>
#include <qail/plan/plan.hpp>

namespace qail::safety {

inline constexpr const char* k_snapshot_table = "_qail_data_snapshots";
inline constexpr const char* k_snapshot_dir = "_qail_snapshots";

enum class BackupMode { none, files, db };

std::optional<BackupMode> parse_backup_mode(const std::string& text); ///< none, files, db
const char* to_string(BackupMode mode);

/// What a step's backup holds (DROP_TABLE, DROP_COLUMN, ALTER_COLUMN), or
/// nullopt when the step loses nothing a backup could bring back (SET NOT NULL).
std::optional<std::string> snapshot_type(const plan::Step& step);

/// One snapshot of one step: what the manifest (or the table) records.
struct SnapshotEntry {
    std::string type;   ///< DROP_TABLE, DROP_COLUMN, ALTER_COLUMN
    std::string table;  ///< table_label()
    std::string column; ///< empty for DROP_TABLE
    /// The column's type when backed up (columns) — restore checks it.
    std::string column_type;
    std::vector<std::string> key;            ///< primary key columns
    std::vector<std::string> key_types;      ///< their types
    std::vector<std::string> columns;        ///< file: the CSV header
    std::vector<std::string> column_types;   ///< file: types of the CSV columns
    std::string file;   ///< file backups: the CSV's name inside the folder
    std::string sha256; ///< file backups
    long long rows = 0;
};

struct FileSnapshot {
    std::filesystem::path folder;
    std::vector<SnapshotEntry> entries;
    long long rows() const;
};

/// The folder name for a version ("/" becomes "__": folder-layout versions
/// such as 2026..._x/contract.qail stay one folder).
std::string snapshot_folder_name(const std::string& version);

/// Writes _qail_snapshots/<version>/ under `base` for every backed-up step.
/// Refuses (exit 4) a column backup of a table without a primary key, and a
/// folder that already exists.
FileSnapshot write_file_snapshot(pg::Connection& conn, const std::filesystem::path& base,
                                 const std::string& version,
                                 const std::vector<const plan::Step*>& steps);

/// Reads and checks a manifest (every file's SHA-256; exit 4 on a mismatch).
FileSnapshot read_file_snapshot(const std::filesystem::path& folder);

/// Creates _qail_data_snapshots when missing (seed layout, plus column_type).
void ensure_snapshot_table(pg::Connection& conn);

/// Inside the transaction of `step`, right before it runs: copies what it
/// would lose into _qail_data_snapshots. Returns the rows stored (0 when the
/// step loses nothing that can be backed up).
long long snapshot_step_to_db(pg::Connection& conn, const std::string& version,
                              const plan::Step& step);

} // namespace qail::safety
