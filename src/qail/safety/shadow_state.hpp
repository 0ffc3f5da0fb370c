#pragma once
// What the shadow commands record, and where.
//
//   <db>._qail_shadow_state     one row per shadow made of <db> (pending,
//                               verified, failed, replaced, aborted, promoted)
//   <db>_shadow._qail_shadow_journal
//                               the one row promote works from: the sync
//                               point, the schema files, and the step a
//                               promote is at. It lives in the shadow because
//                               the shadow always accepts connections, so an
//                               interrupted promote can always be read back.
//
// Both commands that change databases (promote, abort) and migrate shadow
// also hold a lock on the maintenance database, keyed by the primary's name:
// it stays reachable while the primary refuses connections.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <qail/base/error.hpp>
#include <qail/exec/runner.hpp>
#include <qail/model/names.hpp>
#include <qail/model/schema.hpp>
#include <qail/pg/connection.hpp>
#include <qail/safety/shadow_copy.hpp>

namespace qail::safety {

inline constexpr const char* k_shadow_state_table = "_qail_shadow_state";
inline constexpr const char* k_shadow_journal_table = "_qail_shadow_journal";

/// Steps of a promote, as the journal records them.
namespace promote_step {
inline constexpr const char* ready = "ready";         ///< made and verified; nothing started
inline constexpr const char* closing = "closing";     ///< closing the primary to new connections
inline constexpr const char* resyncing = "resyncing"; ///< primary closed; copying its last writes
inline constexpr const char* switching = "switching"; ///< about to swap the names (one transaction)
inline constexpr const char* done = "done";           ///< swapped; the shadow serves the name
} // namespace promote_step

struct ShadowJournal {
    std::string primary_name;
    std::string shadow_name;
    long long state_id = 0; ///< the row in the primary's _qail_shadow_state
    std::string from_label;
    std::string to_label;
    std::string from_schema; ///< the old file, printed (hints included)
    std::string to_schema;   ///< the new file, printed
    bool allow_destructive = false;
    /// The primary's schema when the shadow was made (a checksum of its SQL).
    std::string live_checksum;
    /// The primary's snapshot (pg_current_snapshot) the shadow's data is from.
    std::string sync_snapshot;
    /// Tables copied from the primary, named as in the primary.
    std::vector<SyncTable> tables;
    /// Tables the migration itself wrote to (the history, rows written by
    /// triggers): a copy of the primary's rows would drop those writes.
    std::vector<model::QualifiedName> written_by_migration;
    std::string step = promote_step::ready;
    std::string old_name; ///< the primary's name after promote
};

/// Creates the journal table when missing and replaces its one row.
void write_journal(pg::Connection& shadow, const ShadowJournal& journal);
/// nullopt when the database has no journal.
std::optional<ShadowJournal> read_journal(pg::Connection& shadow);
void set_journal_step(pg::Connection& shadow, const std::string& step,
                      const std::string& old_name = {});

struct ShadowStateRow {
    long long id = 0;
    std::string shadow_name;
};

void ensure_state_table(pg::Connection& primary);
/// A new 'pending' row (earlier pending and verified rows become 'replaced').
long long insert_pending_state(pg::Connection& primary, const std::string& shadow_name,
                               const std::string& primary_url, const std::string& from_label,
                               const std::string& to_label);
void finish_state(pg::Connection& primary, long long id, const std::string& status,
                  const std::string& checksum, const std::string& snapshot,
                  const std::vector<SyncTable>& tables);
void set_state_status(pg::Connection& primary, long long id, const std::string& status,
                      const std::string& promoted_as = {});
/// The newest verified shadow of this database.
std::optional<ShadowStateRow> verified_state(pg::Connection& primary);
/// Refuses (exit 4) unless the existing database `shadow_name` is a shadow
/// QAIL made of the primary: its journal names the primary, or the
/// primary's _qail_shadow_state has a row for it (a shadow whose making was
/// cut short before its journal). Another database of that name is never dropped.
void refuse_unless_our_shadow(pg::Connection& maint, pg::Connection& primary,
                              const std::string& shadow_name);
/// Marks every pending, verified or failed row aborted (no-op without the table).
void mark_state_aborted(pg::Connection& primary);

/// The primary's schema with QAIL's own tables (the history, backups, the
/// outbox), without the two that describe shadows themselves: what a shadow
/// copies, and the old shape of every table a re-sync copies again.
model::Schema schema_to_copy(pg::Connection& primary);

/// A checksum of a live schema (of the SQL that creates it): tells whether
/// the primary's schema changed since its shadow was made.
std::string schema_checksum(const model::Schema& schema);

/// <primary>_shadow, shortened to the 63 bytes a name may have (cut as the
/// server would cut it otherwise). Refused when it comes out as the
/// primary's own name (a primary named like a long shadow).
std::string shadow_name_of(const std::string& primary);
/// <primary>_old_<YYYYMMDD>[_<n>] for the n-th candidate (n >= 1), shortened the same way.
std::string old_name_of(const std::string& primary, int n);

/// Session settings for every connection a shadow command opens: the
/// migration settings (lock_timeout, the dead-client check) and TCP
/// keepalives, so that the server ends a session whose client is gone and its
/// locks are freed within seconds, on a dead network too.
void prepare_shadow_session(pg::Connection& conn, const exec::RunSettings& settings);

/// A connection to the server's maintenance database (postgres, else
/// template1), with the options of a connection to another of its databases.
pg::Connection open_maintenance(const pg::Connection& any);
/// The same from a conninfo (for a database that refuses connections).
pg::Connection open_maintenance(const std::string& conninfo);

/// True for the errors of connecting to a database that refuses connections
/// (ALLOW_CONNECTIONS false) or does not exist: what an interrupted promote
/// can leave behind.
bool is_unreachable_database(const DatabaseError& e);

/// Connects to the primary for a command other than promote and abort; a
/// primary closed by an interrupted promote is refused with what to run.
pg::Connection open_primary_for(const std::string& conninfo, const std::string& command);

struct DatabaseInfo {
    bool exists = false;
    bool allows_connections = false;
};
DatabaseInfo database_info(pg::Connection& maint, const std::string& name);

/// One shadow command at a time per primary, held on the maintenance database.
class ShadowLock {
public:
    ShadowLock(pg::Connection& maint, const std::string& primary_name, bool wait);
    ShadowLock(const ShadowLock&) = delete;
    ShadowLock& operator=(const ShadowLock&) = delete;
    ~ShadowLock();

private:
    pg::Connection& m_maint;
    std::string m_primary_name;
};

} // namespace qail::safety
