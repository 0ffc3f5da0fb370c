#pragma once
// _qail_migrations (SPEC §4): one row per applied delta file or state
// migration. Created on first use; its layout is versioned in the table's
// comment so that a future QAIL can tell an old layout from a new one.

#include <optional>
#include <string>
#include <vector>

#include <qail/pg/connection.hpp>

namespace qail::exec {

inline constexpr const char* k_history_table = "_qail_migrations";
inline constexpr int k_history_layout = 1;

struct HistoryRow {
    long long id = 0;
    std::string version;
    std::string name;
    std::string phase;
    std::string checksum;
    std::string applied_at; ///< "YYYY-MM-DD HH:MM:SS" (UTC)
    long long duration_ms = 0;
    std::string actor;
    std::string qail_version;
    std::string sql_up;
    std::optional<std::string> sql_down;
    /// "applied", or "partial" while a migration with non-transactional steps
    /// is under way (steps_done says how far it got).
    std::string status = "applied";
    int steps_done = 0;
};

class History {
public:
    explicit History(pg::Connection& conn) : m_conn(conn) {}

    /// Creates the table when missing (call it holding the MigrationLock).
    /// Refuses (exit 4) a table whose layout is newer than this QAIL knows, and
    /// adds our columns to a table made by upstream QAIL.
    void ensure();
    /// True when the table exists (read-only commands do not create it).
    bool exists();
    /// Every row, oldest first.
    std::vector<HistoryRow> rows();
    std::optional<HistoryRow> find(const std::string& version);
    /// Inserts a finished row (inside the caller's transaction).
    void record(const HistoryRow& row);
    /// Inserts or updates a partial row: how many non-transactional steps are done.
    void record_progress(const HistoryRow& row);
    void remove(const std::string& version);
    void clear();

private:
    pg::Connection& m_conn;
};

/// "YYYYMMDDHHMMSS" (UTC) now: the version prefix of new migrations and of
/// state-based, reset and generated migrations.
std::string version_timestamp();

/// Who ran the migration: QAIL_ACTOR, else GIT_AUTHOR_NAME, USER, USERNAME, SUDO_USER.
std::string current_actor();

} // namespace qail::exec
