#pragma once
// Where backups are recorded in the database. Every backup — one per
// application of a migration, of either kind — is a row of _qail_backups;
// each destructive step it covers is an entry in _qail_backup_entries.
// The values of database backups are rows of _qail_data_snapshots (the
// documented layout plus backup_id and entry_id); file backups keep theirs
// in _qail_snapshots/<version>.<id>/. While a table's backup is copied, the
// keys of rows that writers change are logged to _qail_backup_changes
// (capture.hpp), so that the backup can be finished under the drop's lock.
//
// An entry is 'capturing' until the transaction of its drop commits, which
// also makes it 'complete' (one transaction: a complete entry's drop
// happened, a capturing entry's did not). Entries left 'capturing' by a run
// that died are 'abandoned' by the next guarded run.

#include <optional>
#include <string>
#include <vector>

#include <qail/pg/connection.hpp>
#include <qail/safety/backup.hpp>

namespace qail::safety {

inline constexpr const char* k_backups_table = "_qail_backups";
inline constexpr const char* k_backup_entries_table = "_qail_backup_entries";
inline constexpr const char* k_backup_changes_table = "_qail_backup_changes";

/// Snapshot rows of this type mark a key whose row was deleted (or whose
/// value became NULL) while the backup was being copied; the newest row of
/// a key wins (see compact_entry).
inline constexpr const char* k_deleted_marker = "DELETED";

struct BackupEntryRecord {
    long long id = 0;
    long long backup_id = 0;
    std::string type;   ///< DROP_TABLE, DROP_COLUMN, ALTER_COLUMN
    std::string table;  ///< table_label()
    std::string column; ///< empty for DROP_TABLE
    std::string column_type;
    std::string status; ///< capturing, complete, abandoned
    long long rows = 0; ///< rows (or values) the entry holds
    /// Database backups: snapshot rows with a larger id were written under
    /// the drop's lock and supersede older rows of the same key.
    long long delta_from_id = 0;
    bool compacted = true;
};

struct BackupRecord {
    long long id = 0;
    std::string version;
    BackupMode mode = BackupMode::db;
    std::string folder; ///< files: the folder, relative to where qail ran
    std::string status; ///< open (the application is under way), complete
    std::string created_at;
    std::optional<std::string> restored_at;
    std::vector<BackupEntryRecord> entries;

    long long rows() const;    ///< of the complete entries
    int complete_entries() const;
};

/// True when the backup tables exist (read-only commands create nothing).
bool backup_tables_exist(pg::Connection& conn);

/// Creates the backup tables when missing, and gives backups made before
/// backups had an identity (rows of _qail_data_snapshots without a
/// backup_id) one per migration version. Call it holding the migration lock.
void ensure_backup_tables(pg::Connection& conn);

/// Backups written before backups had an identity get one, taking the
/// migration lock for it, the first time a command looks for backups.
void adopt_old_backups(pg::Connection& conn, bool wait_for_lock);

/// Every backup, newest first, with its entries.
std::vector<BackupRecord> list_backups(pg::Connection& conn);
std::optional<BackupRecord> find_backup(pg::Connection& conn, long long id);

/// The backup this application of `version` writes into: the newest one of
/// `version` still open (an interrupted application resumed), else a new one.
long long open_backup(pg::Connection& conn, const std::string& version, BackupMode mode);
void set_backup_folder(pg::Connection& conn, long long backup_id, const std::string& folder);
/// Every backup of `version` that is open becomes complete (inside the
/// transaction that records the migration as applied).
void close_backups(pg::Connection& conn, const std::string& version);
void mark_restored(pg::Connection& conn, long long backup_id);

std::optional<BackupEntryRecord> find_entry(pg::Connection& conn, long long entry_id);

/// A new 'capturing' entry; returns its id.
long long add_entry(pg::Connection& conn, long long backup_id, const SnapshotEntry& entry);
void set_entry_delta_start(pg::Connection& conn, long long entry_id, long long delta_from_id);
/// Inside the drop's transaction.
void complete_entry(pg::Connection& conn, long long entry_id, long long rows, bool compacted);
void set_entry_rows(pg::Connection& conn, long long entry_id, long long rows, bool compacted);

/// Gives up an entry whose drop did not happen: its capture, its logged
/// keys and its rows go; it becomes 'abandoned'. In its own transaction.
void abandon_entry(pg::Connection& conn, long long entry_id);

/// Database backups: removes the snapshot rows that newer rows of the same
/// key supersede, and the deletion markers; records the entry's row count.
/// Idempotent; runs outside the drop's lock.
void compact_entry(pg::Connection& conn, const BackupEntryRecord& entry);

/// What runs that died left behind: entries still 'capturing' lose their
/// capture triggers and their partial rows and become 'abandoned'. Call it
/// holding the migration lock, before a guarded run starts.
void abandon_dead_captures(pg::Connection& conn);

} // namespace qail::safety
