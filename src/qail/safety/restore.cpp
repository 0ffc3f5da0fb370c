#include "restore.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <ostream>
#include <thread>

#include <qail/base/error.hpp>
#include <qail/base/strings.hpp>
#include <qail/exec/lock.hpp>
#include <qail/exec/runner.hpp>
#include <qail/pg/sqlstate.hpp>
#include <qail/safety/backup.hpp>
#include <qail/safety/backup_store.hpp>
#include <qail/safety/catalog.hpp>
#include <qail/sql/quote.hpp>

namespace qail::safety {

namespace fs = std::filesystem;

namespace {

std::string target_of(const std::string& table, const std::string& column) {
    return column.empty() ? table : table + "." + column;
}

std::string backup_name(const SnapshotSource& source) {
    return source.backup_id > 0 ? fmt::format("backup #{} of {}", source.backup_id, source.version)
                                : fmt::format("the backup of {}", source.version);
}

// The table, refused when the schema does not have it (yet).
LiveTable fitting_table(pg::Connection& conn, const std::string& label, const std::string& what) {
    std::optional<LiveTable> table = describe_table(conn, parse_table_label(label));
    if (!table) {
        throw RefusedError(fmt::format(
            "cannot restore {}: table {} does not exist; roll the schema back first (qail "
            "migrate down new.qail:old.qail, or qail migrate rollback)",
            what, label));
    }
    return *table;
}

void check_empty(pg::Connection& conn, const LiveTable& table, const std::string& what) {
    if (conn.exec(fmt::format("SELECT EXISTS (SELECT 1 FROM {})", qualified_sql(table.name)))
            .get_bool(0, 0)) {
        throw RefusedError(fmt::format(
            "cannot restore {}: table {} already holds rows (the backup's rows go into the "
            "re-created, empty table; was it restored already?)",
            what, table_label(table.name)));
    }
}

void check_column(const LiveTable& table, const std::string& column, const std::string& type,
                  const std::string& snapshot_type, const std::string& what) {
    const LiveColumn* c = table.column(column);
    std::string target = target_of(table_label(table.name), column);
    if (c == nullptr) {
        throw RefusedError(fmt::format(
            "cannot restore {}: column {} does not exist; roll the schema back first", what,
            target));
    }
    if (!type.empty() && c->type != type) {
        throw RefusedError(fmt::format(
            "cannot restore {}: column {} is {} but the backup holds {} values{}", what, target,
            c->type, type,
            snapshot_type == "ALTER_COLUMN" ? " (roll the type change back first)" : ""));
    }
}

void check_key(const LiveTable& table, const std::vector<std::string>& key, const std::string& what) {
    for (const std::string& k : key) {
        if (table.column(k) == nullptr) {
            throw RefusedError(fmt::format("cannot restore {}: key column {}.{} does not exist",
                                           what, table_label(table.name), k));
        }
    }
}

std::string key_match(const std::vector<std::string>& left_key, const std::string& left,
                      const std::vector<std::string>& right_key, const std::string& right) {
    std::string out;
    for (size_t i = 0; i < left_key.size(); ++i) {
        out += fmt::format("{}{}.{} = {}.{}", out.empty() ? "" : " AND ", left,
                           sql::quote_ident(left_key[i]), right, sql::quote_ident(right_key[i]));
    }
    return out;
}

// Serial and identity sequences move past the restored keys.
void advance_sequences(pg::Connection& conn, const LiveTable& table) {
    for (const LiveColumn& c : table.columns) {
        std::vector<pg::Param> params{qualified_sql(table.name), c.name};
        pg::Result seq = conn.exec_params("SELECT pg_get_serial_sequence($1, $2)", params);
        if (seq.rows() == 0 || seq.is_null(0, 0)) {
            continue;
        }
        std::vector<pg::Param> seq_param{seq.get_string(0, 0)};
        conn.exec_params(fmt::format("SELECT setval($1::regclass, max({})) FROM {} HAVING "
                                     "max({}) IS NOT NULL",
                                     sql::quote_ident(c.name), qualified_sql(table.name),
                                     sql::quote_ident(c.name)),
                         seq_param);
    }
}

std::vector<std::string> writable_columns(const LiveTable& table,
                                          const std::vector<std::string>& wanted,
                                          const std::string& what) {
    std::vector<std::string> out;
    for (const std::string& name : wanted) {
        const LiveColumn* c = table.column(name);
        if (c == nullptr) {
            throw RefusedError(fmt::format(
                "cannot restore {}: the backup has column {} that table {} lacks", what, name,
                table_label(table.name)));
        }
        if (!c->generated) {
            out.push_back(name);
        }
    }
    return out;
}

std::string column_list(const std::vector<std::string>& columns, const std::string& prefix = "") {
    std::string out;
    for (const std::string& c : columns) {
        out += (out.empty() ? "" : ", ") + prefix + sql::quote_ident(c);
    }
    return out;
}

std::string overriding(const LiveTable& table) {
    bool always = std::any_of(table.columns.begin(), table.columns.end(),
                              [](const LiveColumn& c) { return c.identity_always; });
    return always ? "OVERRIDING SYSTEM VALUE " : "";
}

// ---------------------------------------------------------------- database

std::vector<pg::Param> entry_param(const BackupEntryRecord& e) {
    return {std::to_string(e.id)};
}

RestoredItem restore_db_table(pg::Connection& conn, const BackupEntryRecord& e,
                              const std::string& what) {
    LiveTable table = fitting_table(conn, e.table, what);
    check_empty(conn, table, what);
    pg::Result keys = conn.exec_params(
        "SELECT DISTINCT k FROM public._qail_data_snapshots s CROSS JOIN LATERAL "
        "jsonb_object_keys(s.value_json) k WHERE s.entry_id = $1::bigint ORDER BY 1",
        entry_param(e));
    std::vector<std::string> wanted;
    for (int i = 0; i < keys.rows(); ++i) {
        wanted.push_back(keys.get_string(i, 0));
    }
    std::vector<std::string> columns = writable_columns(table, wanted, what);
    long long rows = 0;
    if (!columns.empty()) {
        std::string sql = fmt::format(
            "INSERT INTO {} ({}) {}SELECT {} FROM public._qail_data_snapshots s CROSS JOIN "
            "LATERAL jsonb_populate_record(NULL::{}, s.value_json) qail_r WHERE s.entry_id = "
            "$1::bigint",
            qualified_sql(table.name), column_list(columns), overriding(table),
            column_list(columns, "qail_r."), qualified_sql(table.name));
        rows = conn.exec_params(sql, entry_param(e)).affected_rows();
    }
    advance_sequences(conn, table);
    return RestoredItem{e.type, e.table, rows, e.rows};
}

RestoredItem restore_db_column(pg::Connection& conn, const BackupEntryRecord& e,
                               const std::string& what) {
    LiveTable table = fitting_table(conn, e.table, what);
    check_column(table, e.column, e.column_type, e.type, what);
    pg::Result first = conn.exec_params(
        "SELECT s.row_id FROM public._qail_data_snapshots s WHERE s.entry_id = $1::bigint LIMIT 1",
        entry_param(e));
    std::vector<std::string> key;
    if (first.rows() > 0) {
        nlohmann::json row_id = nlohmann::json::parse(first.get_string(0, 0));
        for (const auto& [k, v] : row_id.items()) {
            key.push_back(k);
        }
    }
    if (key.empty()) {
        return RestoredItem{e.type, target_of(e.table, e.column), 0, e.rows};
    }
    check_key(table, key, what);
    std::string column = sql::quote_ident(e.column);
    std::vector<pg::Param> params{std::to_string(e.id), e.column};
    std::string sql = fmt::format(
        "UPDATE {} AS qail_t SET {} = qail_r.{} FROM (SELECT qail_p.* FROM "
        "public._qail_data_snapshots s CROSS JOIN LATERAL jsonb_populate_record(NULL::{}, "
        "s.row_id::jsonb || jsonb_build_object($2::text, s.value_json)) qail_p WHERE s.entry_id = "
        "$1::bigint) qail_r WHERE {}",
        qualified_sql(table.name), column, column, qualified_sql(table.name),
        key_match(key, "qail_t", key, "qail_r"));
    long long rows = conn.exec_params(sql, params).affected_rows();
    return RestoredItem{e.type, target_of(e.table, e.column), rows, e.rows};
}

// ------------------------------------------------------------------- files

void copy_file_in(pg::Connection& conn, const std::string& copy_sql, const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw RefusedError(fmt::format("cannot read backup file {}", path.string()));
    }
    conn.copy_in(copy_sql, [&](std::string& buffer) {
        buffer.resize(1 << 16);
        in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        buffer.resize(static_cast<size_t>(in.gcount()));
        return buffer.size() > 0 || static_cast<bool>(in);
    });
}

std::string column_defs(const std::vector<std::string>& names, const std::vector<std::string>& types) {
    std::string defs;
    for (size_t i = 0; i < names.size(); ++i) {
        defs += fmt::format("{}{} {}", i == 0 ? "" : ", ", sql::quote_ident(names[i]), types.at(i));
    }
    return defs;
}

std::vector<std::string> numbered_keys(size_t n) {
    std::vector<std::string> out;
    for (size_t i = 1; i <= n; ++i) {
        out.push_back(fmt::format("qail_key_{}", i));
    }
    return out;
}

// The entry's rows in a temporary table `temp` (the CSV's columns), with the
// rows that changed while it was copied put in place of the older ones.
void load_entry(pg::Connection& conn, const fs::path& folder, const SnapshotEntry& e,
                const std::string& temp) {
    conn.exec(fmt::format("CREATE TEMP TABLE {} ({}) ON COMMIT DROP", temp,
                          column_defs(e.columns, e.column_types)));
    copy_file_in(conn,
                 fmt::format("COPY {} ({}) FROM STDIN WITH (FORMAT csv, HEADER)", temp,
                             column_list(e.columns)),
                 folder / e.file);
    if (e.changes_file.empty()) {
        return;
    }
    std::vector<std::string> keys = numbered_keys(e.key.size());
    std::vector<std::string> values;
    std::vector<std::string> value_types;
    if (e.type == "DROP_TABLE") {
        values = e.columns;
        value_types = e.column_types;
    } else {
        values = {e.column};
        value_types = {e.column_type};
    }
    std::vector<std::string> names = keys;
    names.insert(names.end(), values.begin(), values.end());
    names.push_back("qail_present");
    std::vector<std::string> types = e.key_types;
    types.insert(types.end(), value_types.begin(), value_types.end());
    types.push_back("boolean");
    std::string changes = temp + "_changes";
    conn.exec(fmt::format("CREATE TEMP TABLE {} ({}, qail_seq bigserial) ON COMMIT DROP", changes,
                          column_defs(names, types)));
    copy_file_in(conn,
                 fmt::format("COPY {} ({}) FROM STDIN WITH (FORMAT csv, HEADER)", changes,
                             column_list(names)),
                 folder / e.changes_file);
    // rounds of catching up appended: a key's last row is its value
    conn.exec(fmt::format("DELETE FROM {} qail_a USING {} qail_b WHERE {} AND qail_a.qail_seq < "
                          "qail_b.qail_seq",
                          changes, changes, key_match(keys, "qail_a", keys, "qail_b")));
    conn.exec(fmt::format("DELETE FROM {} qail_r USING {} qail_c WHERE {}", temp, changes,
                          key_match(e.key, "qail_r", keys, "qail_c")));
    std::vector<std::string> kept = e.type == "DROP_TABLE" ? values : keys;
    if (e.type != "DROP_TABLE") {
        kept.push_back(e.column);
    }
    conn.exec(fmt::format("INSERT INTO {} ({}) SELECT {} FROM {} WHERE qail_present", temp,
                          column_list(e.columns), column_list(kept), changes));
}

RestoredItem restore_file_entry(pg::Connection& conn, const fs::path& folder,
                                const SnapshotEntry& e, int n, const std::string& what) {
    LiveTable table = fitting_table(conn, e.table, what);
    std::string temp = fmt::format("qail_restore_{}", n);
    if (e.type == "DROP_TABLE") {
        check_empty(conn, table, what);
        std::vector<std::string> columns = writable_columns(table, e.columns, what);
        load_entry(conn, folder, e, temp);
        long long rows = conn.exec(fmt::format("INSERT INTO {} ({}) {}SELECT {} FROM {}",
                                               qualified_sql(table.name), column_list(columns),
                                               overriding(table), column_list(columns), temp))
                             .affected_rows();
        advance_sequences(conn, table);
        return RestoredItem{e.type, e.table, rows, rows};
    }
    check_column(table, e.column, e.column_type, e.type, what);
    check_key(table, e.key, what);
    load_entry(conn, folder, e, temp);
    long long expected = conn.exec("SELECT count(*) FROM " + temp).get_int(0, 0);
    std::string column = sql::quote_ident(e.column);
    long long rows =
        conn.exec(fmt::format("UPDATE {} AS qail_t SET {} = qail_r.{} FROM {} qail_r WHERE {}",
                              qualified_sql(table.name), column, column, temp,
                              key_match(e.key, "qail_t", e.key, "qail_r")))
            .affected_rows();
    return RestoredItem{e.type, target_of(e.table, e.column), rows, expected};
}

// ----------------------------------------------------------------- finding

int pass_of(const std::string& type) {
    return type == "DROP_TABLE" ? 0 : type == "DROP_COLUMN" ? 1 : 2;
}

SnapshotSource source_of(const BackupRecord& b) {
    SnapshotSource s;
    s.kind = b.mode == BackupMode::files ? SnapshotSource::Kind::files : SnapshotSource::Kind::db;
    s.version = b.version;
    s.backup_id = b.id;
    s.folder = b.folder;
    s.created_at = b.created_at;
    s.restored_at = b.restored_at;
    return s;
}

struct Folder {
    FileSnapshot manifest;
    long long created_at = 0;
};

// Folders under <base>/_qail_snapshots/ with a manifest (unreadable ones are not ours).
std::vector<Folder> folders(const fs::path& base) {
    std::vector<Folder> out;
    std::error_code ec;
    fs::path root = base / k_snapshot_dir;
    if (!fs::is_directory(root, ec)) {
        return out;
    }
    for (const fs::directory_entry& d : fs::directory_iterator(root, ec)) {
        std::ifstream in(d.path() / "manifest.json");
        if (!in) {
            continue;
        }
        try {
            nlohmann::json m = nlohmann::json::parse(in);
            Folder f;
            f.manifest.folder = d.path();
            f.manifest.version = m.at("version").get<std::string>();
            f.manifest.backup_id = m.value("backup_id", 0LL);
            f.created_at = m.value("created_at", 0LL);
            out.push_back(std::move(f));
        } catch (const nlohmann::json::exception&) { // NOLINT(bugprone-empty-catch): not ours
        }
    }
    std::sort(out.begin(), out.end(),
              [](const Folder& a, const Folder& b) { return a.created_at > b.created_at; });
    return out;
}

std::string absolute_text(const fs::path& path) {
    std::error_code ec;
    fs::path absolute = fs::weakly_canonical(path, ec);
    return (ec ? fs::absolute(path) : absolute).string();
}

// A folder the database does not record: written before backups had an
// identity, or restored from another database. Matched by its path.
bool recorded(const std::vector<BackupRecord>& backups, const Folder& f) {
    std::string path = absolute_text(f.manifest.folder);
    return std::any_of(backups.begin(), backups.end(), [&](const BackupRecord& b) {
        return (f.manifest.backup_id > 0 && b.id == f.manifest.backup_id &&
                b.mode == BackupMode::files) ||
               (!b.folder.empty() && absolute_text(b.folder) == path);
    });
}

SnapshotSource folder_source(const Folder& f) {
    SnapshotSource s;
    s.kind = SnapshotSource::Kind::files;
    s.version = f.manifest.version;
    s.folder = f.manifest.folder;
    return s;
}

std::vector<BackupRecord> usable(std::vector<BackupRecord> backups) {
    // a backup with no complete entry holds nothing a drop removed
    backups.erase(std::remove_if(backups.begin(), backups.end(),
                                 [](const BackupRecord& b) { return b.complete_entries() == 0; }),
                  backups.end());
    return backups;
}

// Registers a folder no database recorded, as restored (so it is not restored twice).
void record_folder_restored(pg::Connection& conn, const SnapshotSource& source) {
    ensure_backup_tables(conn);
    std::vector<pg::Param> params{source.version, absolute_text(source.folder)};
    conn.exec_params(fmt::format("INSERT INTO public.{} (migration_version, mode, folder, status, "
                                 "restored_at) VALUES ($1, 'files', $2, 'complete', now())",
                                 k_backups_table),
                     params);
}

template <typename F>
void with_lock_retries(F&& attempt) {
    for (int n = 1;; ++n) {
        try {
            attempt();
            return;
        } catch (const DatabaseError& e) {
            if (!pg::is_transient(pg::classify(e.sqlstate())) || n >= 5) {
                throw;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(500LL << (n - 1)));
        }
    }
}

} // namespace

long long RestoreSummary::rows() const {
    long long n = 0;
    for (const RestoredItem& i : items) {
        n += i.rows;
    }
    return n;
}

std::vector<BackupListing> list_all_backups(pg::Connection& conn, const fs::path& base) {
    std::vector<BackupListing> out;
    std::vector<BackupRecord> backups = list_backups(conn);
    for (const BackupRecord& b : backups) {
        BackupListing l;
        l.source = source_of(b);
        l.entries = static_cast<int>(b.entries.size());
        l.complete_entries = b.complete_entries();
        l.rows = b.rows();
        if (b.restored_at) {
            l.state = "restored " + *b.restored_at;
        } else if (b.status == "open") {
            l.state = "in progress or interrupted";
        } else if (l.complete_entries < l.entries) {
            l.state = "incomplete";
        } else {
            l.state = "complete";
        }
        out.push_back(std::move(l));
    }
    for (const Folder& f : folders(base)) {
        if (recorded(backups, f)) {
            continue;
        }
        BackupListing l;
        l.source = folder_source(f);
        try {
            FileSnapshot snapshot = read_file_snapshot(f.manifest.folder);
            for (const SnapshotEntry& e : snapshot.entries) {
                ++l.entries;
                l.complete_entries += e.complete ? 1 : 0;
                l.rows += e.complete ? e.rows + e.changes_rows : 0;
            }
            l.state = "not recorded in this database";
        } catch (const Error& e) {
            std::string message = e.what();
            l.state = "damaged: " + message.substr(0, message.find('\n'));
        }
        out.push_back(std::move(l));
    }
    return out;
}

SnapshotSource find_snapshot(pg::Connection& conn, const fs::path& base, const std::string& version,
                             std::optional<long long> backup_id) {
    std::vector<BackupRecord> backups = usable(list_backups(conn));
    if (backup_id) {
        for (const BackupRecord& b : backups) {
            if (b.id == *backup_id) {
                if (b.version != version) {
                    throw InputError(fmt::format("backup #{} is a backup of {}, not of {}", b.id,
                                                 b.version, version));
                }
                return source_of(b);
            }
        }
        throw InputError(fmt::format("no backup #{} (see qail rollback --list)", *backup_id));
    }
    for (const BackupRecord& b : backups) { // newest first
        if (b.version == version) {
            return source_of(b);
        }
    }
    std::vector<BackupRecord> all = list_backups(conn);
    for (const Folder& f : folders(base)) {
        if (f.manifest.version == version && !recorded(all, f)) {
            return folder_source(f);
        }
    }
    std::vector<std::string> known;
    for (const BackupRecord& b : backups) {
        if (std::find(known.begin(), known.end(), b.version) == known.end()) {
            known.push_back(b.version);
        }
    }
    throw InputError(fmt::format("no backup of version {} in _qail_data_snapshots or {}/{}", version,
                                 k_snapshot_dir,
                                 known.empty() ? std::string()
                                               : "; backups exist for: " + join(known, ", ") +
                                                     " (qail rollback --list shows them all)"));
}

std::optional<SnapshotSource> newest_snapshot(pg::Connection& conn, const fs::path& base,
                                              const std::vector<long long>& skip) {
    std::vector<BackupRecord> all = list_backups(conn);
    for (const BackupRecord& b : usable(all)) {
        if (!b.restored_at && std::find(skip.begin(), skip.end(), b.id) == skip.end()) {
            return source_of(b);
        }
    }
    for (const Folder& f : folders(base)) {
        if (!recorded(all, f)) {
            return folder_source(f);
        }
    }
    return std::nullopt;
}

RestoreSummary restore_data(pg::Connection& conn, const SnapshotSource& source, bool wait_for_lock) {
    exec::MigrationLock lock(conn, wait_for_lock);
    exec::prepare_session(conn, exec::RunSettings{});
    RestoreSummary summary;
    std::string what = backup_name(source);
    std::optional<BackupRecord> record;
    if (source.backup_id > 0) {
        record = find_backup(conn, source.backup_id);
        if (!record) {
            throw InputError(fmt::format("no backup #{} (see qail rollback --list)",
                                         source.backup_id));
        }
        if (record->restored_at) {
            throw RefusedError(fmt::format(
                "{} was restored already, at {} UTC; restoring it again would overwrite what was "
                "written since (qail rollback --list shows every backup)",
                what, *record->restored_at));
        }
        for (const BackupEntryRecord& e : record->entries) {
            if (e.status == "complete") {
                compact_entry(conn, e);
            }
        }
        record = find_backup(conn, source.backup_id);
    }
    auto complete_in_record = [&](long long entry_id) {
        return std::any_of(record->entries.begin(), record->entries.end(),
                           [&](const BackupEntryRecord& e) {
                               return e.id == entry_id && e.status == "complete";
                           });
    };

    if (source.kind == SnapshotSource::Kind::files) {
        FileSnapshot snapshot = read_file_snapshot(source.folder);
        with_lock_retries([&] {
            summary.items.clear();
            pg::Transaction tx(conn);
            int n = 0;
            for (int pass = 0; pass < 3; ++pass) {
                for (const SnapshotEntry& e : snapshot.entries) {
                    // the database knows which drops committed; the manifest alone, where it does not
                    bool complete = record ? complete_in_record(e.entry_id) : e.complete;
                    if (complete && pass_of(e.type) == pass) {
                        summary.items.push_back(
                            restore_file_entry(conn, source.folder, e, ++n, what));
                    }
                }
            }
            if (record) {
                mark_restored(conn, record->id);
            } else {
                record_folder_restored(conn, source);
            }
            tx.commit();
        });
        return summary;
    }
    if (!record) {
        throw InternalError(fmt::format("{} has no identity in {}", what, k_backups_table));
    }
    with_lock_retries([&] {
        summary.items.clear();
        pg::Transaction tx(conn);
        for (int pass = 0; pass < 3; ++pass) {
            for (const BackupEntryRecord& e : record->entries) {
                if (e.status != "complete" || pass_of(e.type) != pass) {
                    continue;
                }
                summary.items.push_back(e.type == "DROP_TABLE" ? restore_db_table(conn, e, what)
                                                               : restore_db_column(conn, e, what));
            }
        }
        mark_restored(conn, record->id);
        tx.commit();
    });
    return summary;
}

void print_restore_summary(std::ostream& out, const SnapshotSource& source,
                           const RestoreSummary& summary) {
    std::string where = source.kind == SnapshotSource::Kind::db ? std::string(k_snapshot_table)
                                                                : source.folder.string();
    out << fmt::format("\n♻️  Data Rollback: {} (from {}{})\n", source.version, where,
                       source.backup_id > 0 ? fmt::format(", backup #{}", source.backup_id)
                                            : std::string());
    for (const RestoredItem& i : summary.items) {
        const char* verb = i.type == "DROP_TABLE"    ? "rows restored into"
                           : i.type == "DROP_COLUMN" ? "values restored in"
                                                     : "original values restored in";
        out << fmt::format("  ✓ {} {} {}", with_commas(i.rows), verb, i.target);
        if (i.rows != i.expected) {
            out << fmt::format(" (the backup holds {}; the other rows no longer exist)",
                               with_commas(i.expected));
        }
        out << "\n";
    }
    out << fmt::format("✓ Restored {} row{} from the backup of {}\n", with_commas(summary.rows()),
                       summary.rows() == 1 ? "" : "s", source.version);
}

} // namespace qail::safety
