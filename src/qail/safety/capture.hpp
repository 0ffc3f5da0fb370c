#pragma once
// Change capture for backups taken while the application writes. A backup
// copies the bulk of a table before the drop's transaction, without holding
// the drop's lock; a trigger installed first logs the key of every row
// written from then on to _qail_backup_changes. Under the drop's lock the
// backup re-reads just those rows, so that it holds every committed write
// while writers wait only for the few rows changed during the copy.
//
// Why a trigger sees every write the copy misses: CREATE TRIGGER takes SHARE
// ROW EXCLUSIVE, which waits for every transaction that has written the
// table, and every later writer sees the trigger. A write either committed
// before the trigger (and the copy, which starts after, sees it) or fires it.

#include <string>
#include <vector>

#include <qail/model/names.hpp>
#include <qail/pg/connection.hpp>

namespace qail::safety {

/// "_qail_capture_<entry>": the trigger's and its function's name.
std::string capture_name(long long entry_id);

/// Installs the capture of `table` for `entry_id` in a transaction of its
/// own (its lock waits at most the session's lock_timeout). `key` is the
/// primary key; the logged keys are key_json_sql() of the row, under the
/// column names. A TRUNCATE logs a NULL key (everything changed). The
/// function runs as its owner, so writers need no privilege on our tables,
/// and fires with session_replication_role = replica too.
void install_capture(pg::Connection& conn, long long entry_id, const model::QualifiedName& table,
                     const std::vector<std::string>& key);

/// Inside the caller's transaction: the trigger, its function and the keys
/// it logged go. Finds the trigger by name, wherever its table is now.
void remove_capture(pg::Connection& conn, long long entry_id);

/// Triggers and functions of captures whose entry no longer captures (a run
/// that died): removed, each in the caller's transaction.
void remove_stale_captures(pg::Connection& conn);

} // namespace qail::safety
