#pragma once
// The data side of a shadow database: tables copied from the primary with
// COPY streams (in parallel, from one exported snapshot), sequences moved
// forward, and the tables written since a snapshot.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <qail/model/names.hpp>
#include <qail/model/schema.hpp>
#include <qail/pg/connection.hpp>

namespace qail::safety {

/// A table copied one to one (same name and columns on both sides).
struct SyncTable {
    model::QualifiedName name;
    std::vector<std::string> columns; ///< the columns written (generated ones are computed)
    long long rows = 0;               ///< rows copied at the sync
};

/// The tables of `schema` a copy fills, in model order: partitions fill
/// through their parent, generated columns are left out.
std::vector<SyncTable> tables_to_copy(const model::Schema& schema);

/// "a, b, c" with each name quoted.
std::string column_list(const std::vector<std::string>& columns);

/// COPY (`select_sql`) TO STDOUT on `from` streamed into `copy_in_sql` on `to`
/// through a bounded queue. Returns the rows streamed.
long long stream_rows(pg::Connection& from, const std::string& select_sql, pg::Connection& to,
                      const std::string& copy_in_sql);

struct CopyJob {
    std::string primary_conninfo;
    std::string shadow_conninfo;
    std::string snapshot_id; ///< pg_export_snapshot() the copy reads from
    int parallel = 4;
    /// Runs on every connection the copy opens (session settings).
    std::function<void(pg::Connection&)> prepare;
};

/// Copies every table, `parallel` at once, filling each one's `rows`, and
/// checks that the shadow holds as many rows as were streamed. Foreign keys
/// and triggers stay quiet on the shadow (session_replication_role) while
/// tables arrive in any order.
void copy_tables(const CopyJob& job, std::vector<SyncTable>& tables);

/// Every sequence of the shadow that the primary has moves to the primary's
/// position when that is further (a sequence only moves forward).
void sync_sequences(pg::Connection& primary, pg::Connection& shadow);

/// The tables (indexes into `tables`) written since `snapshot`, as `conn`'s
/// current transaction sees them: a row version the snapshot cannot see
/// (insert or update), or another row count than `rows` (delete). `names`
/// gives each table's name in `conn` when it differs (nullopt: gone).
std::vector<size_t> changed_since(pg::Connection& conn, const std::string& snapshot,
                                  const std::vector<SyncTable>& tables,
                                  const std::vector<std::optional<model::QualifiedName>>& names = {});

/// The tables written since `snapshot` (changed_since), as pointers into `tables`.
std::vector<SyncTable*> written_since(pg::Connection& conn, const std::string& snapshot,
                                      std::vector<SyncTable>& tables);

} // namespace qail::safety
