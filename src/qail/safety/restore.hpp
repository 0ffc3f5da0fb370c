#pragma once
// Data rollback (`qail rollback --data <version>`, `migrate down --restore-data`):
// after the schema went back, put back what a migration's backup holds —
// a dropped table's rows, a dropped column's values, a retyped column's
// original values — from _qail_data_snapshots or _qail_snapshots/<version>/,
// in one transaction. Refuses (exit 4) when the schema does not fit: a
// missing table or column, a column of another type than the backed-up one,
// a re-created table that already holds rows.

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
    std::filesystem::path folder; ///< files only
};

/// The backup of `version`: the database's first, else _qail_snapshots/ under `base`.
/// InputError (exit 2) when there is none, listing the versions that have one.
SnapshotSource find_snapshot(pg::Connection& conn, const std::filesystem::path& base,
                             const std::string& version);

/// The most recent backup of either kind; nullopt when there is none.
std::optional<SnapshotSource> newest_snapshot(pg::Connection& conn,
                                              const std::filesystem::path& base);

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
/// transaction holding the migration lock.
RestoreSummary restore_data(pg::Connection& conn, const SnapshotSource& source,
                            bool wait_for_lock = false);

void print_restore_summary(std::ostream& out, const SnapshotSource& source,
                           const RestoreSummary& summary);

} // namespace qail::safety
