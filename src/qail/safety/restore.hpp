#pragma once
// Data rollback (`qail rollback --data <version>`, `migrate down --restore-data`):
// after the schema went back, put back what a backup holds — a dropped
// table's rows, a dropped column's values, a retyped column's original
// values — from _qail_data_snapshots or _qail_snapshots/<version>.<id>/, in
// one transaction that also marks the backup restored. A restored backup is
// refused the second time (it would overwrite what was written since).
// Refuses (exit 4) when the schema does not fit: a missing table or column,
// a column of another type than the backed-up one, a re-created table that
// already holds rows.

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include <qail/pg/connection.hpp>

namespace qail::safety {

struct SnapshotSource {
    enum class Kind { db, files };
    Kind kind = Kind::db;
    std::string version;
    /// The backup's identity; 0 for a folder that no database records (one
    /// written before backups had an identity, or for another database).
    long long backup_id = 0;
    std::filesystem::path folder; ///< files only
    std::string created_at;
    std::optional<std::string> restored_at;
};

/// The backup of `version` to restore: `backup_id` when given, else the
/// newest. InputError (exit 2) when there is none, listing the backups there are.
SnapshotSource find_snapshot(pg::Connection& conn, const std::filesystem::path& base,
                             const std::string& version,
                             std::optional<long long> backup_id = std::nullopt);

/// The newest backup of either kind that has not been restored, leaving out
/// `skip` (the backups the current run made); nullopt when there is none.
std::optional<SnapshotSource> newest_snapshot(pg::Connection& conn,
                                              const std::filesystem::path& base,
                                              const std::vector<long long>& skip = {});

/// One line of `qail rollback --list`.
struct BackupListing {
    SnapshotSource source;
    int entries = 0;          ///< steps the backup covers
    int complete_entries = 0; ///< of which the drop committed
    long long rows = 0;
    std::string state; ///< complete, incomplete, restored <time>, in progress
};

/// Every backup, newest first: those the database records, then folders it does not.
std::vector<BackupListing> list_all_backups(pg::Connection& conn, const std::filesystem::path& base);

struct RestoredItem {
    std::string type; ///< DROP_TABLE, DROP_COLUMN, ALTER_COLUMN
    std::string target;
    long long rows = 0;     ///< rows inserted or updated
    long long expected = 0; ///< rows in the backup
};

struct RestoreSummary {
    std::vector<RestoredItem> items;
    long long rows() const;
};

/// Restores everything the backup holds (tables, then columns), in one
/// transaction holding the migration lock. Refuses (exit 4) a backup that was
/// restored before, naming when.
RestoreSummary restore_data(pg::Connection& conn, const SnapshotSource& source,
                            bool wait_for_lock = false);

void print_restore_summary(std::ostream& out, const SnapshotSource& source,
                           const RestoreSummary& summary);

} // namespace qail::safety
