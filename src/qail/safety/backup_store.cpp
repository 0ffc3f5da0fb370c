#include "backup_store.hpp"

#include <fmt/format.h>

#include <map>

#include <qail/exec/lock.hpp>
#include <qail/safety/capture.hpp>

namespace qail::safety {

namespace {

std::vector<pg::Param> ids(long long a) {
    return {std::to_string(a)};
}

BackupEntryRecord entry_of(const pg::Result& r, int i) {
    BackupEntryRecord e;
    e.id = r.get_int(i, 0);
    e.backup_id = r.get_int(i, 1);
    e.type = r.get_string(i, 2);
    e.table = r.get_string(i, 3);
    e.column = r.get_string(i, 4);
    e.column_type = r.get_string(i, 5);
    e.status = r.get_string(i, 6);
    e.rows = r.get_int(i, 7);
    e.delta_from_id = r.get_int(i, 8);
    e.compacted = r.get_bool(i, 9);
    return e;
}

constexpr const char* k_entry_columns =
    "id, backup_id, snapshot_type, table_name, coalesce(column_name, ''), "
    "coalesce(column_type, ''), status, rows, delta_from_id, compacted";

std::vector<BackupRecord> query_backups(pg::Connection& conn, const std::string& where,
                                        const std::vector<pg::Param>& params) {
    std::vector<BackupRecord> out;
    pg::Result b = conn.exec_params(
        fmt::format("SELECT id, migration_version, mode, coalesce(folder, ''), status, "
                    "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), "
                    "to_char(restored_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') FROM "
                    "public.{} {} ORDER BY id DESC",
                    k_backups_table, where),
        params);
    std::map<long long, size_t> index;
    for (int i = 0; i < b.rows(); ++i) {
        BackupRecord r;
        r.id = b.get_int(i, 0);
        r.version = b.get_string(i, 1);
        r.mode = parse_backup_mode(b.get_string(i, 2)).value_or(BackupMode::db);
        r.folder = b.get_string(i, 3);
        r.status = b.get_string(i, 4);
        r.created_at = b.get_string(i, 5);
        r.restored_at = b.get_optional(i, 6);
        index[r.id] = out.size();
        out.push_back(std::move(r));
    }
    if (out.empty()) {
        return out;
    }
    pg::Result e = conn.exec_params(
        fmt::format("SELECT {} FROM public.{} WHERE backup_id IN (SELECT id FROM public.{} {}) "
                    "ORDER BY id",
                    k_entry_columns, k_backup_entries_table, k_backups_table, where),
        params);
    for (int i = 0; i < e.rows(); ++i) {
        BackupEntryRecord entry = entry_of(e, i);
        auto it = index.find(entry.backup_id);
        if (it != index.end()) {
            out[it->second].entries.push_back(std::move(entry));
        }
    }
    return out;
}

// Rows of _qail_data_snapshots from before backups had an identity: one
// complete backup per migration version, one entry per step.
void adopt_unidentified_rows(pg::Connection& conn) {
    pg::Result any = conn.exec(
        "SELECT EXISTS (SELECT 1 FROM public._qail_data_snapshots WHERE entry_id IS NULL)");
    if (!any.get_bool(0, 0)) {
        return;
    }
    conn.exec(fmt::format(
        "WITH versions AS (SELECT migration_version, min(created_at) AS created_at, min(id) AS "
        "first FROM public._qail_data_snapshots WHERE entry_id IS NULL GROUP BY 1) "
        "INSERT INTO public.{} (migration_version, mode, status, created_at) SELECT "
        "migration_version, 'db', 'complete', coalesce(created_at, now()) FROM versions ORDER BY "
        "first",
        k_backups_table));
    conn.exec(fmt::format(
        "WITH steps AS (SELECT s.migration_version, s.snapshot_type, s.table_name, s.column_name, "
        "max(s.column_type) AS column_type, count(*) AS rows, min(s.id) AS first FROM "
        "public._qail_data_snapshots s WHERE s.entry_id IS NULL GROUP BY 1, 2, 3, 4) "
        "INSERT INTO public.{} (backup_id, snapshot_type, table_name, column_name, column_type, "
        "status, rows, completed_at) SELECT b.id, steps.snapshot_type, steps.table_name, "
        "steps.column_name, steps.column_type, 'complete', steps.rows, b.created_at FROM steps "
        "JOIN public.{} b ON b.migration_version = steps.migration_version AND b.id = (SELECT "
        "max(id) FROM public.{} WHERE migration_version = steps.migration_version) ORDER BY "
        "steps.first",
        k_backup_entries_table, k_backups_table, k_backups_table));
    conn.exec(fmt::format(
        "UPDATE public._qail_data_snapshots s SET backup_id = e.backup_id, entry_id = e.id FROM "
        "public.{} e JOIN public.{} b ON b.id = e.backup_id WHERE s.entry_id IS NULL AND "
        "b.migration_version = s.migration_version AND e.snapshot_type = s.snapshot_type AND "
        "e.table_name = s.table_name AND e.column_name IS NOT DISTINCT FROM s.column_name AND "
        "b.id = (SELECT max(id) FROM public.{} WHERE migration_version = s.migration_version)",
        k_backup_entries_table, k_backups_table, k_backups_table));
}

} // namespace

long long BackupRecord::rows() const {
    long long n = 0;
    for (const BackupEntryRecord& e : entries) {
        n += e.status == "complete" ? e.rows : 0;
    }
    return n;
}

int BackupRecord::complete_entries() const {
    int n = 0;
    for (const BackupEntryRecord& e : entries) {
        n += e.status == "complete" ? 1 : 0;
    }
    return n;
}

bool backup_tables_exist(pg::Connection& conn) {
    return conn.exec(fmt::format("SELECT to_regclass('public.{}') IS NOT NULL AND "
                                 "to_regclass('public.{}') IS NOT NULL",
                                 k_backups_table, k_backup_entries_table))
        .get_bool(0, 0);
}

void ensure_backup_tables(pg::Connection& conn) {
    if (backup_tables_exist(conn) &&
        conn.exec("SELECT count(*) = 2 FROM pg_attribute WHERE attrelid = "
                  "to_regclass('public._qail_data_snapshots') AND attname IN ('backup_id', "
                  "'entry_id') AND NOT attisdropped")
            .get_bool(0, 0) &&
        conn.exec(fmt::format("SELECT to_regclass('public.{}') IS NOT NULL",
                              k_backup_changes_table))
            .get_bool(0, 0)) {
        return;
    }
    pg::Transaction tx(conn);
    conn.exec(fmt::format("CREATE TABLE IF NOT EXISTS public.{} (\n"
                          "    id BIGSERIAL PRIMARY KEY,\n"
                          "    migration_version TEXT NOT NULL,\n"
                          "    mode TEXT NOT NULL,\n"
                          "    folder TEXT,\n"
                          "    status TEXT NOT NULL DEFAULT 'open',\n"
                          "    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),\n"
                          "    restored_at TIMESTAMPTZ\n"
                          ")",
                          k_backups_table));
    conn.exec(fmt::format("CREATE TABLE IF NOT EXISTS public.{} (\n"
                          "    id BIGSERIAL PRIMARY KEY,\n"
                          "    backup_id BIGINT NOT NULL REFERENCES public.{} (id) ON DELETE "
                          "CASCADE,\n"
                          "    snapshot_type TEXT NOT NULL,\n"
                          "    table_name TEXT NOT NULL,\n"
                          "    column_name TEXT,\n"
                          "    column_type TEXT,\n"
                          "    status TEXT NOT NULL DEFAULT 'capturing',\n"
                          "    rows BIGINT NOT NULL DEFAULT 0,\n"
                          "    delta_from_id BIGINT NOT NULL DEFAULT 0,\n"
                          "    compacted BOOLEAN NOT NULL DEFAULT true,\n"
                          "    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),\n"
                          "    completed_at TIMESTAMPTZ\n"
                          ")",
                          k_backup_entries_table, k_backups_table));
    conn.exec(fmt::format("CREATE TABLE IF NOT EXISTS public.{} (id BIGSERIAL PRIMARY KEY, "
                          "entry_id BIGINT NOT NULL, row_id TEXT)",
                          k_backup_changes_table));
    ensure_snapshot_table(conn);
    conn.exec("ALTER TABLE public._qail_data_snapshots ADD COLUMN IF NOT EXISTS backup_id BIGINT, "
              "ADD COLUMN IF NOT EXISTS entry_id BIGINT");
    tx.commit();
    adopt_unidentified_rows(conn);
}

void adopt_old_backups(pg::Connection& conn, bool wait_for_lock) {
    bool snapshots = conn.exec("SELECT to_regclass('public._qail_data_snapshots') IS NOT NULL")
                         .get_bool(0, 0);
    if (!snapshots) {
        return;
    }
    bool identified =
        backup_tables_exist(conn) &&
        conn.exec("SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = "
                  "'public._qail_data_snapshots'::regclass AND attname = 'entry_id' AND NOT "
                  "attisdropped)")
            .get_bool(0, 0);
    if (identified) {
        return;
    }
    exec::MigrationLock lock(conn, wait_for_lock);
    ensure_backup_tables(conn);
}

std::vector<BackupRecord> list_backups(pg::Connection& conn) {
    if (!backup_tables_exist(conn)) {
        return {};
    }
    return query_backups(conn, "", {});
}

std::optional<BackupRecord> find_backup(pg::Connection& conn, long long id) {
    if (!backup_tables_exist(conn)) {
        return std::nullopt;
    }
    std::vector<BackupRecord> found = query_backups(conn, "WHERE id = $1::bigint", ids(id));
    if (found.empty()) {
        return std::nullopt;
    }
    return std::move(found.front());
}

std::optional<BackupEntryRecord> find_entry(pg::Connection& conn, long long entry_id) {
    pg::Result r = conn.exec_params(fmt::format("SELECT {} FROM public.{} WHERE id = $1::bigint",
                                                k_entry_columns, k_backup_entries_table),
                                    ids(entry_id));
    if (r.rows() == 0) {
        return std::nullopt;
    }
    return entry_of(r, 0);
}

long long open_backup(pg::Connection& conn, const std::string& version, BackupMode mode) {
    std::vector<pg::Param> params{version, to_string(mode)};
    pg::Result open = conn.exec_params(
        fmt::format("SELECT id FROM public.{} WHERE migration_version = $1 AND mode = $2 AND "
                    "status = 'open' ORDER BY id DESC LIMIT 1",
                    k_backups_table),
        params);
    if (open.rows() > 0) {
        return open.get_int(0, 0);
    }
    return conn
        .exec_params(fmt::format("INSERT INTO public.{} (migration_version, mode) VALUES ($1, $2) "
                                 "RETURNING id",
                                 k_backups_table),
                     params)
        .get_int(0, 0);
}

void set_backup_folder(pg::Connection& conn, long long backup_id, const std::string& folder) {
    std::vector<pg::Param> params{std::to_string(backup_id), folder};
    conn.exec_params(
        fmt::format("UPDATE public.{} SET folder = $2 WHERE id = $1::bigint", k_backups_table),
        params);
}

void close_backups(pg::Connection& conn, const std::string& version) {
    if (!backup_tables_exist(conn)) {
        return;
    }
    std::vector<pg::Param> params{version};
    conn.exec_params(fmt::format("UPDATE public.{} SET status = 'complete' WHERE "
                                 "migration_version = $1 AND status = 'open'",
                                 k_backups_table),
                     params);
}

void mark_restored(pg::Connection& conn, long long backup_id) {
    conn.exec_params(fmt::format("UPDATE public.{} SET restored_at = now() WHERE id = $1::bigint",
                                 k_backups_table),
                     ids(backup_id));
}

long long add_entry(pg::Connection& conn, long long backup_id, const SnapshotEntry& entry) {
    std::vector<pg::Param> params{std::to_string(backup_id), entry.type, entry.table,
                                  entry.column.empty() ? pg::Param() : pg::Param(entry.column),
                                  entry.column_type.empty() ? pg::Param()
                                                            : pg::Param(entry.column_type)};
    return conn
        .exec_params(fmt::format("INSERT INTO public.{} (backup_id, snapshot_type, table_name, "
                                 "column_name, column_type) VALUES ($1::bigint, $2, $3, $4, $5) "
                                 "RETURNING id",
                                 k_backup_entries_table),
                     params)
        .get_int(0, 0);
}

void set_entry_delta_start(pg::Connection& conn, long long entry_id, long long delta_from_id) {
    std::vector<pg::Param> params{std::to_string(entry_id), std::to_string(delta_from_id)};
    conn.exec_params(fmt::format("UPDATE public.{} SET delta_from_id = $2::bigint WHERE id = "
                                 "$1::bigint",
                                 k_backup_entries_table),
                     params);
}

namespace {

// `extra` sets more columns of the entry in the same UPDATE.
void update_entry_rows(pg::Connection& conn, long long entry_id, long long rows, bool compacted,
                       const char* extra) {
    std::vector<pg::Param> params{std::to_string(entry_id), std::to_string(rows),
                                  compacted ? "true" : "false"};
    conn.exec_params(fmt::format("UPDATE public.{} SET rows = $2::bigint, compacted = "
                                 "$3::boolean{} WHERE id = $1::bigint",
                                 k_backup_entries_table, extra),
                     params);
}

} // namespace

void complete_entry(pg::Connection& conn, long long entry_id, long long rows, bool compacted) {
    update_entry_rows(conn, entry_id, rows, compacted,
                      ", status = 'complete', completed_at = now()");
}

void set_entry_rows(pg::Connection& conn, long long entry_id, long long rows, bool compacted) {
    update_entry_rows(conn, entry_id, rows, compacted, "");
}

void compact_entry(pg::Connection& conn, const BackupEntryRecord& entry) {
    if (entry.compacted) {
        return;
    }
    std::vector<pg::Param> params{std::to_string(entry.id), std::to_string(entry.delta_from_id)};
    pg::Transaction tx(conn);
    // the rows written under the drop's lock (ids above delta_from_id) win
    // over the older rows of their keys; deletion markers have done their job
    conn.exec_params(
        fmt::format("DELETE FROM public._qail_data_snapshots s USING (SELECT row_id, max(id) AS "
                    "keep FROM public._qail_data_snapshots WHERE entry_id = $1::bigint AND id > "
                    "$2::bigint GROUP BY row_id) d WHERE s.entry_id = $1::bigint AND s.row_id = "
                    "d.row_id AND (s.id < d.keep OR s.snapshot_type = '{}')",
                    k_deleted_marker),
        params);
    std::vector<pg::Param> entry_param{std::to_string(entry.id)};
    long long rows = conn.exec_params("SELECT count(*) FROM public._qail_data_snapshots WHERE "
                                      "entry_id = $1::bigint",
                                      entry_param)
                         .get_int(0, 0);
    set_entry_rows(conn, entry.id, rows, true);
    tx.commit();
}

namespace {

void abandon_in_transaction(pg::Connection& conn, long long entry_id) {
    remove_capture(conn, entry_id);
    conn.exec_params("DELETE FROM public._qail_data_snapshots WHERE entry_id = $1::bigint",
                     ids(entry_id));
    conn.exec_params(fmt::format("UPDATE public.{} SET status = 'abandoned' WHERE id = $1::bigint "
                                 "AND status = 'capturing'",
                                 k_backup_entries_table),
                     ids(entry_id));
}

} // namespace

void abandon_entry(pg::Connection& conn, long long entry_id) {
    pg::Transaction tx(conn);
    abandon_in_transaction(conn, entry_id);
    tx.commit();
}

void abandon_dead_captures(pg::Connection& conn) {
    if (!backup_tables_exist(conn)) {
        return;
    }
    pg::Result dead = conn.exec(fmt::format(
        "SELECT id FROM public.{} WHERE status = 'capturing' ORDER BY id", k_backup_entries_table));
    pg::Transaction tx(conn);
    for (int i = 0; i < dead.rows(); ++i) {
        abandon_in_transaction(conn, dead.get_int(i, 0));
    }
    remove_stale_captures(conn);
    tx.commit();
}

} // namespace qail::safety
