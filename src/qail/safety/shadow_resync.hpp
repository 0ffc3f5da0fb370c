#pragma once
// Bringing tables of a migrated shadow up to date with the primary: each
// table written on the primary since the sync is copied again in its old
// shape into a staging schema of the shadow, the migration's own plan
// (restricted to those tables, moved into the staging schema) runs there, and
// the result replaces the shadow table's rows, all in one transaction. The
// rows then are what `migrate up` would have made of them; what cannot be
// re-synced that way is refused, naming the table and why.

#include <optional>
#include <string>
#include <vector>

#include <qail/model/schema.hpp>
#include <qail/pg/connection.hpp>
#include <qail/safety/shadow_copy.hpp>

namespace qail::safety {

/// The name a table of the primary has in the shadow after the migration
/// from -> to (table renames followed); nullopt when the migration drops it.
std::optional<model::QualifiedName> migrated_name(const model::Schema& from,
                                                  const model::Schema& to,
                                                  const model::QualifiedName& table);

struct ResyncRequest {
    /// The primary's schema now, QAIL's own tables included: the tables' old shape.
    const model::Schema* live = nullptr;
    const model::Schema* from = nullptr; ///< the old schema file
    const model::Schema* to = nullptr;   ///< the new schema file
    /// Tables the migration wrote to in the shadow (they cannot be re-copied).
    std::vector<model::QualifiedName> written_by_migration;
};

/// Re-copies `tables` (named as in the primary) from the primary, as
/// `primary`'s current transaction sees them, into the shadow, updating each
/// one's `rows`. All or nothing; a RefusedError names what cannot be re-synced.
void resync_tables(pg::Connection& primary, pg::Connection& shadow, const ResyncRequest& request,
                   const std::vector<SyncTable*>& tables);

} // namespace qail::safety
