#include "restore.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <ostream>

#include <qail/base/error.hpp>
#include <qail/base/strings.hpp>
#include <qail/exec/lock.hpp>
#include <qail/safety/backup.hpp>
#include <qail/safety/catalog.hpp>
#include <qail/sql/quote.hpp>

namespace qail::safety {

namespace fs = std::filesystem;

namespace {

bool snapshot_table_exists(pg::Connection& conn) {
    return conn.exec("SELECT to_regclass('public._qail_data_snapshots') IS NOT NULL").get_bool(0, 0);
}

std::string target_of(const std::string& table, const std::string& column) {
    return column.empty() ? table : table + "." + column;
}

// The table, refused when the schema does not have it (yet).
LiveTable fitting_table(pg::Connection& conn, const std::string& label, const std::string& version) {
    std::optional<LiveTable> table = describe_table(conn, parse_table_label(label));
    if (!table) {
        throw RefusedError(fmt::format(
            "cannot restore the backup of {}: table {} does not exist; roll the schema back "
            "first (qail migrate down new.qail:old.qail, or qail migrate rollback)",
            version, label));
    }
    return *table;
}

void check_empty(pg::Connection& conn, const LiveTable& table, const std::string& version) {
    if (conn.exec(fmt::format("SELECT EXISTS (SELECT 1 FROM {})", qualified_sql(table.name)))
            .get_bool(0, 0)) {
        throw RefusedError(fmt::format(
            "cannot restore the backup of {}: table {} already holds rows (the backup's rows go "
            "into the re-created, empty table; was it restored already?)",
            version, table_label(table.name)));
    }
}

void check_column(const LiveTable& table, const std::string& column, const std::string& type,
                  const std::string& snapshot_type, const std::string& version) {
    const LiveColumn* c = table.column(column);
    std::string target = target_of(table_label(table.name), column);
    if (c == nullptr) {
        throw RefusedError(fmt::format(
            "cannot restore the backup of {}: column {} does not exist; roll the schema back "
            "first",
            version, target));
    }
    if (!type.empty() && c->type != type) {
        throw RefusedError(fmt::format(
            "cannot restore the backup of {}: column {} is {} but the backup holds {} values{}",
            version, target, c->type, type,
            snapshot_type == "ALTER_COLUMN" ? " (roll the type change back first)" : ""));
    }
}

void check_key(const LiveTable& table, const std::vector<std::string>& key,
               const std::string& version) {
    for (const std::string& k : key) {
        if (table.column(k) == nullptr) {
            throw RefusedError(fmt::format(
                "cannot restore the backup of {}: key column {}.{} does not exist", version,
                table_label(table.name), k));
        }
    }
}

std::string key_match(const std::vector<std::string>& key, const std::string& left,
                      const std::string& right) {
    std::string out;
    for (const std::string& k : key) {
        out += fmt::format("{}{}.{} = {}.{}", out.empty() ? "" : " AND ", left,
                           sql::quote_ident(k), right, sql::quote_ident(k));
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
                                          const std::string& version) {
    std::vector<std::string> out;
    for (const std::string& name : wanted) {
        const LiveColumn* c = table.column(name);
        if (c == nullptr) {
            throw RefusedError(fmt::format(
                "cannot restore the backup of {}: the backup has column {} that table {} lacks",
                version, name, table_label(table.name)));
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

bool has_identity_always(const LiveTable& table) {
    for (const LiveColumn& c : table.columns) {
        if (c.identity_always) {
            return true;
        }
    }
    return false;
}

// ---------------------------------------------------------------- database

struct DbEntry {
    std::string type;
    std::string table;
    std::string column;
    std::string column_type;
    long long rows = 0;
};

std::vector<DbEntry> db_entries(pg::Connection& conn, const std::string& version) {
    std::vector<pg::Param> params{version};
    pg::Result r = conn.exec_params(
        "SELECT snapshot_type, table_name, coalesce(column_name, ''), coalesce(column_type, ''), "
        "count(*) FROM public._qail_data_snapshots WHERE migration_version = $1 "
        "GROUP BY 1, 2, 3, 4 ORDER BY min(id)",
        params);
    std::vector<DbEntry> out;
    for (int i = 0; i < r.rows(); ++i) {
        out.push_back(DbEntry{r.get_string(i, 0), r.get_string(i, 1), r.get_string(i, 2),
                              r.get_string(i, 3), r.get_int(i, 4)});
    }
    return out;
}

const char* k_entry_filter = "s.migration_version = $1 AND s.table_name = $2 AND "
                             "s.snapshot_type = $3 AND coalesce(s.column_name, '') = $4";

RestoredItem restore_db_table(pg::Connection& conn, const std::string& version, const DbEntry& e) {
    LiveTable table = fitting_table(conn, e.table, version);
    check_empty(conn, table, version);
    std::vector<pg::Param> params{version, e.table, e.type, e.column};
    pg::Result keys = conn.exec_params(
        std::string("SELECT DISTINCT k FROM public._qail_data_snapshots s CROSS JOIN LATERAL "
                    "jsonb_object_keys(s.value_json) k WHERE ") +
            k_entry_filter + " ORDER BY 1",
        params);
    std::vector<std::string> wanted;
    for (int i = 0; i < keys.rows(); ++i) {
        wanted.push_back(keys.get_string(i, 0));
    }
    std::vector<std::string> columns = writable_columns(table, wanted, version);
    std::string sql = fmt::format(
        "INSERT INTO {} ({}) {}SELECT {} FROM public._qail_data_snapshots s CROSS JOIN LATERAL "
        "jsonb_populate_record(NULL::{}, s.value_json) qail_r WHERE {}",
        qualified_sql(table.name), column_list(columns),
        has_identity_always(table) ? "OVERRIDING SYSTEM VALUE " : "", column_list(columns, "qail_r."),
        qualified_sql(table.name), k_entry_filter);
    long long rows = conn.exec_params(sql, params).affected_rows();
    advance_sequences(conn, table);
    return RestoredItem{e.type, e.table, rows, e.rows};
}

RestoredItem restore_db_column(pg::Connection& conn, const std::string& version, const DbEntry& e) {
    LiveTable table = fitting_table(conn, e.table, version);
    check_column(table, e.column, e.column_type, e.type, version);
    std::vector<pg::Param> params{version, e.table, e.type, e.column};
    pg::Result first = conn.exec_params(
        std::string("SELECT s.row_id FROM public._qail_data_snapshots s WHERE ") + k_entry_filter +
            " LIMIT 1",
        params);
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
    check_key(table, key, version);
    std::string column = sql::quote_ident(e.column);
    std::string sql = fmt::format(
        "UPDATE {} AS qail_t SET {} = qail_r.{} FROM (SELECT qail_p.* FROM "
        "public._qail_data_snapshots s CROSS JOIN LATERAL jsonb_populate_record(NULL::{}, "
        "s.row_id::jsonb || jsonb_build_object($4::text, s.value_json)) qail_p WHERE {}) qail_r "
        "WHERE {}",
        qualified_sql(table.name), column, column, qualified_sql(table.name), k_entry_filter,
        key_match(key, "qail_t", "qail_r"));
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
        return static_cast<bool>(in);
    });
}

RestoredItem restore_file_entry(pg::Connection& conn, const SnapshotSource& source,
                                const SnapshotEntry& e, int n) {
    LiveTable table = fitting_table(conn, e.table, source.version);
    fs::path path = source.folder / e.file;
    if (e.type == "DROP_TABLE") {
        check_empty(conn, table, source.version);
        writable_columns(table, e.columns, source.version);
        copy_file_in(conn,
                     fmt::format("COPY {} ({}) FROM STDIN WITH (FORMAT csv, HEADER)",
                                 qualified_sql(table.name), column_list(e.columns)),
                     path);
        advance_sequences(conn, table);
        return RestoredItem{e.type, e.table, e.rows, e.rows};
    }
    check_column(table, e.column, e.column_type, e.type, source.version);
    check_key(table, e.key, source.version);
    std::string temp = fmt::format("qail_restore_{}", n);
    std::string defs;
    for (size_t i = 0; i < e.columns.size(); ++i) {
        defs += fmt::format("{}{} {}", i == 0 ? "" : ", ", sql::quote_ident(e.columns[i]),
                            e.column_types.at(i));
    }
    conn.exec(fmt::format("CREATE TEMP TABLE {} ({}) ON COMMIT DROP", temp, defs));
    copy_file_in(conn,
                 fmt::format("COPY {} ({}) FROM STDIN WITH (FORMAT csv, HEADER)", temp,
                             column_list(e.columns)),
                 path);
    std::string column = sql::quote_ident(e.column);
    long long rows =
        conn.exec(fmt::format("UPDATE {} AS qail_t SET {} = qail_r.{} FROM {} qail_r WHERE {}",
                              qualified_sql(table.name), column, column, temp,
                              key_match(e.key, "qail_t", "qail_r")))
            .affected_rows();
    return RestoredItem{e.type, target_of(e.table, e.column), rows, e.rows};
}

std::vector<std::string> db_versions(pg::Connection& conn) {
    std::vector<std::string> out;
    if (!snapshot_table_exists(conn)) {
        return out;
    }
    pg::Result r = conn.exec("SELECT migration_version FROM public._qail_data_snapshots GROUP BY 1 "
                             "ORDER BY max(id)");
    for (int i = 0; i < r.rows(); ++i) {
        out.push_back(r.get_string(i, 0));
    }
    return out;
}

struct FileVersion {
    std::string version;
    fs::path folder;
    long long created_at = 0;
};

std::vector<FileVersion> file_versions(const fs::path& base) {
    std::vector<FileVersion> out;
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
            out.push_back(FileVersion{m.at("version").get<std::string>(), d.path(),
                                      m.at("created_at").get<long long>()});
        } catch (const nlohmann::json::exception&) { // NOLINT(bugprone-empty-catch): not ours
        }
    }
    return out;
}

} // namespace

long long RestoreSummary::rows() const {
    long long n = 0;
    for (const RestoredItem& i : items) {
        n += i.rows;
    }
    return n;
}

SnapshotSource find_snapshot(pg::Connection& conn, const fs::path& base, const std::string& version) {
    std::vector<std::string> in_db = db_versions(conn);
    for (const std::string& v : in_db) {
        if (v == version) {
            return SnapshotSource{SnapshotSource::Kind::db, version, {}};
        }
    }
    std::vector<FileVersion> in_files = file_versions(base);
    for (const FileVersion& f : in_files) {
        if (f.version == version) {
            return SnapshotSource{SnapshotSource::Kind::files, version, f.folder};
        }
    }
    std::vector<std::string> known = in_db;
    for (const FileVersion& f : in_files) {
        known.push_back(f.version + " (files)");
    }
    throw InputError(fmt::format("no backup of version {} in _qail_data_snapshots or {}/{}", version,
                                 k_snapshot_dir,
                                 known.empty() ? std::string()
                                               : "; backups exist for: " + join(known, ", ")));
}

std::optional<SnapshotSource> newest_snapshot(pg::Connection& conn, const fs::path& base) {
    std::optional<SnapshotSource> best;
    long long best_time = -1;
    if (snapshot_table_exists(conn)) {
        pg::Result r = conn.exec("SELECT migration_version, extract(epoch FROM max(created_at))::bigint "
                                 "FROM public._qail_data_snapshots GROUP BY 1 ORDER BY max(id) DESC "
                                 "LIMIT 1");
        if (r.rows() > 0) {
            best = SnapshotSource{SnapshotSource::Kind::db, r.get_string(0, 0), {}};
            best_time = r.get_int(0, 1);
        }
    }
    for (const FileVersion& f : file_versions(base)) {
        if (f.created_at > best_time) {
            best = SnapshotSource{SnapshotSource::Kind::files, f.version, f.folder};
            best_time = f.created_at;
        }
    }
    return best;
}

RestoreSummary restore_data(pg::Connection& conn, const SnapshotSource& source, bool wait_for_lock) {
    exec::MigrationLock lock(conn, wait_for_lock);
    RestoreSummary summary;
    if (source.kind == SnapshotSource::Kind::files) {
        FileSnapshot snapshot = read_file_snapshot(source.folder);
        pg::Transaction tx(conn);
        int n = 0;
        for (const char* pass : {"DROP_TABLE", "DROP_COLUMN", "ALTER_COLUMN"}) {
            for (const SnapshotEntry& e : snapshot.entries) {
                if (e.type == pass) {
                    summary.items.push_back(restore_file_entry(conn, source, e, ++n));
                }
            }
        }
        tx.commit();
        return summary;
    }
    pg::Transaction tx(conn);
    std::vector<DbEntry> entries = db_entries(conn, source.version);
    for (const char* pass : {"DROP_TABLE", "DROP_COLUMN", "ALTER_COLUMN"}) {
        for (const DbEntry& e : entries) {
            if (e.type != pass) {
                continue;
            }
            summary.items.push_back(e.type == "DROP_TABLE"
                                        ? restore_db_table(conn, source.version, e)
                                        : restore_db_column(conn, source.version, e));
        }
    }
    tx.commit();
    return summary;
}

void print_restore_summary(std::ostream& out, const SnapshotSource& source,
                           const RestoreSummary& summary) {
    out << fmt::format("\n♻️  Data Rollback: {} (from {})\n", source.version,
                       source.kind == SnapshotSource::Kind::db ? "_qail_data_snapshots"
                                                               : source.folder.string());
    for (const RestoredItem& i : summary.items) {
        const char* what = i.type == "DROP_TABLE"    ? "rows restored into"
                           : i.type == "DROP_COLUMN" ? "values restored in"
                                                     : "original values restored in";
        out << fmt::format("  ✓ {} {} {}", with_commas(i.rows), what, i.target);
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
