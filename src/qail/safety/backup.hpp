#pragma once
// Backups before destructive steps. Each one is an application of a
// migration with an identity of its own (backup_store.hpp), in one of two
// kinds:
//   files: _qail_snapshots/<version>.<id>/ — one CSV per dropped table or
//          dropped/retyped column (key columns + values, with a header,
//          written by COPY), a second CSV of the rows that changed while the
//          first was written, and manifest.json (version, backup id, tables,
//          columns, row counts, SHA-256 of each file); 0600 files in a 0700
//          folder.
//   db:    rows of _qail_data_snapshots (the documented columns, plus
//          backup_id and entry_id).
// A backup holds exactly what its step removes: a dropped table's rows, a
// dropped column's non-NULL values, a retyped column's non-NULL original
// values, each with its row's key — as of the moment the drop commits.
// The bulk is copied before the drop's transaction with a change capture
// on (capture.hpp); under the drop's lock only the rows written meanwhile
// are read again.

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include <qail/model/names.hpp>
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
    /// File backups: the rows written while `file` was copied, read under
    /// the drop's lock (key columns, then `columns` values, then qail_present);
    /// empty when nothing changed. They replace `file`'s rows of the same key.
    std::string changes_file;
    std::string changes_sha256;
    long long changes_rows = 0;
    long long entry_id = 0;
    bool complete = true; ///< false while the drop has not committed
};

struct FileSnapshot {
    std::filesystem::path folder;
    std::string version;
    long long backup_id = 0; ///< 0 for folders written before backups had an identity
    std::vector<SnapshotEntry> entries;
    long long rows() const;
};

/// The folder name for a version ("/" becomes "__": folder-layout versions
/// such as 2026..._x/contract.qail stay one folder).
std::string snapshot_folder_name(const std::string& version);

/// Reads and checks a manifest (every file's SHA-256; exit 4 on a mismatch).
FileSnapshot read_file_snapshot(const std::filesystem::path& folder);

/// Creates _qail_data_snapshots when missing (the documented layout, plus column_type).
void ensure_snapshot_table(pg::Connection& conn);

/// Refuses (exit 4), before anything runs, a column backup of a table that
/// has no primary key to tie the values to their rows.
void check_backup_possible(pg::Connection& conn, const std::vector<const plan::Step*>& steps);

/// The backup a step's entry goes into.
struct BackupTarget {
    long long id = 0;
    std::string version;
    BackupMode mode = BackupMode::db;
    std::filesystem::path folder; ///< files: created by create_backup_folder
};

/// files: <base>/_qail_snapshots/<version>.<id>/ (0700; reused when it exists:
/// a resumed application writes on into its own backup).
std::filesystem::path create_backup_folder(const std::filesystem::path& base,
                                           const std::string& version, long long backup_id);

/// One step's part of a backup, between its two halves.
struct PreparedEntry {
    SnapshotEntry entry;
    model::QualifiedName table;
    /// The key's names in the snapshot's row_id (after the contract of a
    /// primary key type change they are the final names).
    std::vector<std::string> json_key;
    /// The bulk was copied with the capture on; false: everything is copied
    /// under the drop's lock (a table without a key, or one that an earlier
    /// step of the same transaction creates or renames).
    bool captured = false;
    /// Database backups: snapshot rows with a larger id were written later.
    long long delta_from_id = 0;
    /// Rows written while the bulk was copied and read again since.
    long long reread = 0;
};

/// Before the drop's transaction, outside any lock of the drop: records the
/// entry, turns the capture on and copies the bulk. Safe to repeat (a retry
/// starts the entry over).
PreparedEntry prepare_backup_entry(pg::Connection& conn, const BackupTarget& target,
                                   const plan::Step& step);

/// Inside the drop's transaction, right before the drop: takes the drop's
/// lock first (ACCESS EXCLUSIVE, within lock_timeout), then writes the rows
/// that changed since the bulk copy (or everything, when nothing was
/// prepared), turns the capture off and completes the entry. Returns the
/// rows it read under the lock.
long long finish_backup_entry(pg::Connection& conn, const BackupTarget& target,
                              PreparedEntry& prepared, const plan::Step& step);

/// files: (re)writes manifest.json of the backup's folder.
void write_manifest(pg::Connection& conn, const BackupTarget& target,
                    const std::vector<SnapshotEntry>& entries);

} // namespace qail::safety
