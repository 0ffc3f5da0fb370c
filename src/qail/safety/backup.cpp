#include "backup.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include <qail/base/error.hpp>
#include <qail/base/strings.hpp>
#include <qail/exec/failpoint.hpp>
#include <qail/exec/phasing.hpp>
#include <qail/safety/backup_store.hpp>
#include <qail/safety/capture.hpp>
#include <qail/safety/catalog.hpp>
#include <qail/safety/impact.hpp>
#include <qail/sql/quote.hpp>

namespace qail::safety {

namespace fs = std::filesystem;
using Kind = plan::DataAtRisk::Kind;

namespace {

class Sha256 {
public:
    Sha256() : m_ctx(EVP_MD_CTX_new()) { EVP_DigestInit_ex(m_ctx.get(), EVP_sha256(), nullptr); }
    void update(std::string_view data) { EVP_DigestUpdate(m_ctx.get(), data.data(), data.size()); }
    std::string hex() {
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int length = 0;
        EVP_DigestFinal_ex(m_ctx.get(), digest, &length);
        std::string out;
        for (unsigned int i = 0; i < length; ++i) {
            out += fmt::format("{:02x}", digest[i]);
        }
        return out;
    }

private:
    struct Free {
        void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
    };
    std::unique_ptr<EVP_MD_CTX, Free> m_ctx;
};

// Counts CSV records: a newline outside quotes ends one ("" inside quotes
// toggles twice, so it needs no special case).
class CsvRecordCounter {
public:
    void update(std::string_view data) {
        for (char c : data) {
            if (c == '"') {
                m_quoted = !m_quoted;
            } else if (c == '\n' && !m_quoted) {
                ++m_records;
            }
        }
    }
    long long records() const { return m_records; }

private:
    bool m_quoted = false;
    long long m_records = 0;
};

class PrivateFile {
public:
    /// Replaces a file of that name (a retried step writes its file again),
    /// or with `append` writes on at its end; never follows a link planted there.
    explicit PrivateFile(const fs::path& path, bool append = false) : m_path(path) {
        if (append) {
            m_fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
        } else {
            ::unlink(path.c_str());
            m_fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        }
        if (m_fd < 0) {
            throw InputError(fmt::format("cannot create {}: {}", path.string(), std::strerror(errno)));
        }
        ::fchmod(m_fd, 0600);
    }
    PrivateFile(const PrivateFile&) = delete;
    PrivateFile& operator=(const PrivateFile&) = delete;
    ~PrivateFile() {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
    }
    void write(std::string_view data) {
        while (!data.empty()) {
            ssize_t n = ::write(m_fd, data.data(), data.size());
            if (n < 0) {
                if (errno == EINTR) {
                    continue;
                }
                throw InputError(
                    fmt::format("cannot write {}: {}", m_path.string(), std::strerror(errno)));
            }
            data.remove_prefix(static_cast<size_t>(n));
        }
    }
    void close() {
        if (::fsync(m_fd) != 0 || ::close(m_fd) != 0) {
            m_fd = -1;
            throw InputError(fmt::format("cannot write {}: {}", m_path.string(), std::strerror(errno)));
        }
        m_fd = -1;
    }

private:
    fs::path m_path;
    int m_fd = -1;
};

std::string safe_file_part(std::string text) {
    for (char& c : text) {
        if (c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
            c = '_';
        }
    }
    return text;
}

LiveTable require_table(pg::Connection& conn, const model::QualifiedName& name) {
    std::optional<LiveTable> table = describe_table(conn, name);
    if (!table) {
        throw RefusedError(fmt::format("cannot back up {}: the table does not exist",
                                       table_label(name)));
    }
    return *table;
}

const LiveColumn& require_column(const LiveTable& table, const std::string& column) {
    const LiveColumn* c = table.column(column);
    if (c == nullptr) {
        throw RefusedError(fmt::format("cannot back up {}.{}: the column does not exist",
                                       table_label(table.name), column));
    }
    return *c;
}

void require_key(const LiveTable& table, const std::string& column) {
    if (table.primary_key.empty()) {
        throw RefusedError(fmt::format(
            "cannot back up {}.{}: the table has no primary key to tie the values to their "
            "rows; add one first, or choose --backup=none with a backup of your own",
            table_label(table.name), column));
    }
}

std::string select_list(const std::vector<std::string>& columns, const std::string& alias = "") {
    std::string out;
    for (const std::string& c : columns) {
        out += (out.empty() ? "" : ", ") + (alias.empty() ? "" : alias + ".") + sql::quote_ident(c);
    }
    return out;
}

nlohmann::json to_json(const SnapshotEntry& e) {
    return {{"type", e.type},
            {"table", e.table},
            {"column", e.column},
            {"column_type", e.column_type},
            {"key", e.key},
            {"key_types", e.key_types},
            {"columns", e.columns},
            {"column_types", e.column_types},
            {"file", e.file},
            {"sha256", e.sha256},
            {"rows", e.rows},
            {"changes_file", e.changes_file},
            {"changes_sha256", e.changes_sha256},
            {"changes_rows", e.changes_rows},
            {"entry_id", e.entry_id},
            {"status", e.complete ? "complete" : "capturing"}};
}

SnapshotEntry entry_from_json(const nlohmann::json& j) {
    SnapshotEntry e;
    e.type = j.at("type").get<std::string>();
    e.table = j.at("table").get<std::string>();
    e.column = j.at("column").get<std::string>();
    e.column_type = j.at("column_type").get<std::string>();
    e.key = j.at("key").get<std::vector<std::string>>();
    e.key_types = j.at("key_types").get<std::vector<std::string>>();
    e.columns = j.at("columns").get<std::vector<std::string>>();
    e.column_types = j.at("column_types").get<std::vector<std::string>>();
    e.file = j.at("file").get<std::string>();
    e.sha256 = j.at("sha256").get<std::string>();
    e.rows = j.at("rows").get<long long>();
    // manifests written before backups had an identity lack these
    e.changes_file = j.value("changes_file", "");
    e.changes_sha256 = j.value("changes_sha256", "");
    e.changes_rows = j.value("changes_rows", 0LL);
    e.entry_id = j.value("entry_id", 0LL);
    e.complete = j.value("status", "complete") == "complete";
    return e;
}

std::string file_sha256(const fs::path& path) {
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        throw RefusedError(fmt::format("backup file {} is missing", path.string()));
    }
    Sha256 hash;
    std::string buffer(1 << 16, '\0');
    while (file.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) ||
           file.gcount() > 0) {
        hash.update(std::string_view(buffer.data(), static_cast<size_t>(file.gcount())));
    }
    return hash.hex();
}

void verify_file(const fs::path& folder, const std::string& name, const std::string& expected) {
    std::string actual = file_sha256(folder / name);
    if (actual != expected) {
        throw RefusedError(fmt::format(
            "backup file {} changed since it was written (SHA-256 {} in the manifest, {} now)",
            (folder / name).string(), expected, actual));
    }
}

// The key as it is named once the migration is done: in a phased key type
// change the backup runs after the key moved to exec::retype_temp_column(),
// which the same transaction then renames to the dropped column's name; the
// rows must be found by that name when the backup is restored.
std::vector<std::string> names_after_contract(const std::vector<std::string>& key,
                                              const std::string& dropped_column) {
    std::string temp = exec::retype_temp_column(dropped_column);
    std::vector<std::string> out;
    for (const std::string& k : key) {
        out.push_back(k == temp ? dropped_column : k);
    }
    return out;
}

bool is_table_entry(const SnapshotEntry& e) {
    return e.type == "DROP_TABLE";
}

// What the entry holds of `table` (names, types, the CSV's columns), from the catalog.
void describe_entry(SnapshotEntry& e, const LiveTable& table, const std::string& column) {
    e.key = table.primary_key;
    e.key_types.clear();
    for (const std::string& k : e.key) {
        e.key_types.push_back(require_column(table, k).type);
    }
    e.columns.clear();
    e.column_types.clear();
    if (is_table_entry(e)) {
        for (const LiveColumn& c : table.columns) {
            if (!c.generated) {
                e.columns.push_back(c.name);
                e.column_types.push_back(c.type);
            }
        }
        return;
    }
    require_key(table, column);
    const LiveColumn& c = require_column(table, column);
    e.column = c.name;
    e.column_type = c.type;
    e.columns = e.key;
    e.column_types = e.key_types;
    e.columns.push_back(c.name);
    e.column_types.push_back(c.type);
}

std::string file_name(const SnapshotEntry& e, const char* suffix) {
    return fmt::format("{:04}_{}{}{}.csv", e.entry_id, safe_file_part(e.table),
                       e.column.empty() ? "" : "." + safe_file_part(e.column), suffix);
}

// The rows a backup keeps of the table aliased qail_t: every row of a
// dropped table, the non-NULL values of a column.
std::string kept_rows(const SnapshotEntry& e) {
    return is_table_entry(e) ? std::string()
                             : " WHERE qail_t." + sql::quote_ident(e.column) + " IS NOT NULL";
}

std::string value_json(const SnapshotEntry& e, const std::string& alias) {
    return is_table_entry(e) ? fmt::format("to_jsonb({}.*)", alias)
                             : fmt::format("to_jsonb({}.{})", alias, sql::quote_ident(e.column));
}

std::string row_id_sql(const PreparedEntry& p, const std::string& alias) {
    if (p.entry.key.empty()) {
        return fmt::format("jsonb_build_object('ctid', {}.ctid::text)::text", alias);
    }
    return key_json_sql(p.entry.key, alias, p.json_key);
}

// The changed keys as rows of the table's type (qail_k), each with the live
// row (qail_t) when it still exists.
std::string changed_rows_from(const PreparedEntry& p) {
    std::string table = qualified_sql(p.table);
    std::string match;
    for (const std::string& k : p.entry.key) {
        match += fmt::format("{}qail_t.{} = qail_k.{}", match.empty() ? "" : " AND ",
                             sql::quote_ident(k), sql::quote_ident(k));
    }
    return fmt::format("FROM (SELECT DISTINCT row_id FROM qail_changed WHERE row_id IS NOT NULL) "
                       "qail_c CROSS JOIN LATERAL jsonb_populate_record(NULL::{}, "
                       "qail_c.row_id::jsonb) qail_k LEFT JOIN {} qail_t ON {}",
                       table, table, match);
}

struct ChangedKeys {
    long long count = 0;    ///< distinct keys
    bool truncated = false; ///< a TRUNCATE: everything changed
};

// Moves the keys logged for the entry so far out of the log into the
// temporary table qail_changed, inside the caller's transaction. A key that
// a transaction still under way logged stays in the log for the next round.
ChangedKeys take_changed_keys(pg::Connection& conn, const PreparedEntry& p) {
    conn.exec("DROP TABLE IF EXISTS pg_temp.qail_changed");
    conn.exec(fmt::format("CREATE TEMP TABLE qail_changed ON COMMIT DROP AS SELECT id, row_id FROM "
                          "public.{} WHERE entry_id = {}",
                          k_backup_changes_table, p.entry.entry_id));
    conn.exec(fmt::format("DELETE FROM public.{} c USING qail_changed q WHERE c.id = q.id",
                          k_backup_changes_table));
    pg::Result r = conn.exec("SELECT count(DISTINCT row_id), coalesce(bool_or(row_id IS NULL), "
                             "false) FROM qail_changed");
    return ChangedKeys{r.get_int(0, 0), r.get_bool(0, 1)};
}

// The live row is gone, or no longer holds a value the backup would keep.
std::string absent_sql(const PreparedEntry& p) {
    std::string absent = "qail_t." + sql::quote_ident(p.entry.key.front()) + " IS NULL";
    if (!is_table_entry(p.entry)) {
        absent += " OR qail_t." + sql::quote_ident(p.entry.column) + " IS NULL";
    }
    return absent;
}

std::vector<pg::Param> snapshot_params(const BackupTarget& target, const SnapshotEntry& e) {
    return {target.version,
            e.table,
            e.column.empty() ? pg::Param() : pg::Param(e.column),
            e.type,
            e.column_type.empty() ? pg::Param() : pg::Param(e.column_type),
            std::to_string(target.id),
            std::to_string(e.entry_id)};
}

constexpr const char* k_snapshot_insert =
    "INSERT INTO public._qail_data_snapshots (migration_version, table_name, column_name, row_id, "
    "value_json, snapshot_type, column_type, backup_id, entry_id) ";

long long copy_all_to_db(pg::Connection& conn, const BackupTarget& target, const PreparedEntry& p) {
    return conn
        .exec_params(fmt::format("{}SELECT $1, $2, $3, {}, {}, $4, $5, $6::bigint, $7::bigint FROM "
                                 "{} AS qail_t{}",
                                 k_snapshot_insert, row_id_sql(p, "qail_t"),
                                 value_json(p.entry, "qail_t"), qualified_sql(p.table),
                                 kept_rows(p.entry)),
                     snapshot_params(target, p.entry))
        .affected_rows();
}

long long copy_changes_to_db(pg::Connection& conn, const BackupTarget& target,
                             const PreparedEntry& p) {
    std::string absent = absent_sql(p);
    return conn
        .exec_params(fmt::format("{}SELECT $1, $2, $3, {}, CASE WHEN {} THEN 'null'::jsonb ELSE {} "
                                 "END, CASE WHEN {} THEN '{}' ELSE $4 END, $5, $6::bigint, "
                                 "$7::bigint {}",
                                 k_snapshot_insert, key_json_sql(p.entry.key, "qail_k", p.json_key),
                                 absent, value_json(p.entry, "qail_t"), absent, k_deleted_marker,
                                 changed_rows_from(p)),
                     snapshot_params(target, p.entry))
        .affected_rows();
}

struct CopiedFile {
    std::string sha256;
    long long rows = 0;
};

// `append`: onto the end of an existing file of ours, without a header.
CopiedFile copy_to_file(pg::Connection& conn, const fs::path& path, const std::string& query,
                        bool append = false) {
    PrivateFile file(path, append);
    Sha256 hash;
    CsvRecordCounter counter;
    conn.copy_out(fmt::format("COPY ({}) TO STDOUT WITH (FORMAT csv{})", query,
                              append ? "" : ", HEADER"),
                  [&](std::string_view chunk) {
                      file.write(chunk);
                      hash.update(chunk);
                      counter.update(chunk);
                  });
    file.close();
    return CopiedFile{hash.hex(), counter.records() - (append ? 0 : 1)}; // the header
}

void copy_all_to_file(pg::Connection& conn, const BackupTarget& target, PreparedEntry& p) {
    p.entry.file = file_name(p.entry, "");
    CopiedFile copied =
        copy_to_file(conn, target.folder / p.entry.file,
                     fmt::format("SELECT {} FROM {} AS qail_t{}", select_list(p.entry.columns, "qail_t"),
                                 qualified_sql(p.table), kept_rows(p.entry)));
    p.entry.sha256 = copied.sha256;
    p.entry.rows = copied.rows;
}

long long copy_changes_to_file(pg::Connection& conn, const BackupTarget& target,
                               PreparedEntry& p) {
    std::vector<std::string> values =
        is_table_entry(p.entry) ? p.entry.columns : std::vector<std::string>{p.entry.column};
    std::string query = fmt::format("SELECT {}, {}, NOT ({}) AS qail_present {}",
                                    select_list(p.entry.key, "qail_k"),
                                    select_list(values, "qail_t"), absent_sql(p),
                                    changed_rows_from(p));
    // each round appends; a key's last row in the file is its value
    bool append = !p.entry.changes_file.empty();
    p.entry.changes_file = file_name(p.entry, ".changes");
    CopiedFile copied = copy_to_file(conn, target.folder / p.entry.changes_file, query, append);
    p.entry.changes_rows += copied.rows;
    return copied.rows;
}

long long snapshot_sequence_value(pg::Connection& conn) {
    return conn
        .exec("SELECT last_value FROM pg_sequences WHERE schemaname = 'public' AND sequencename = "
              "pg_get_serial_sequence('public._qail_data_snapshots', 'id')::regclass::text")
        .get_int(0, 0);
}

} // namespace

std::optional<BackupMode> parse_backup_mode(const std::string& text) {
    if (text == "none") {
        return BackupMode::none;
    }
    if (text == "files") {
        return BackupMode::files;
    }
    if (text == "db") {
        return BackupMode::db;
    }
    return std::nullopt;
}

const char* to_string(BackupMode mode) {
    switch (mode) {
    case BackupMode::none:
        return "none";
    case BackupMode::files:
        return "files";
    case BackupMode::db:
        return "db";
    }
    return "none";
}

std::optional<std::string> snapshot_type(const plan::Step& step) {
    if (!step.destructive) {
        return std::nullopt;
    }
    switch (risk_of(step).kind) {
    case Kind::table_rows:
        return "DROP_TABLE";
    case Kind::column_values:
        return "DROP_COLUMN";
    case Kind::failing_cast:
    case Kind::enum_values:
        return "ALTER_COLUMN";
    case Kind::nulls:
    case Kind::none:
        return std::nullopt;
    }
    return std::nullopt;
}

long long FileSnapshot::rows() const {
    long long n = 0;
    for (const SnapshotEntry& e : entries) {
        n += e.rows + e.changes_rows;
    }
    return n;
}

std::string snapshot_folder_name(const std::string& version) {
    return safe_file_part(replace_all(version, "/", "__"));
}

fs::path create_backup_folder(const fs::path& base, const std::string& version, long long backup_id) {
    fs::path root = base / k_snapshot_dir;
    fs::path folder = root / fmt::format("{}.{}", snapshot_folder_name(version), backup_id);
    std::error_code ec;
    fs::create_directories(root, ec);
    ::chmod(root.c_str(), 0700);
    if (::mkdir(folder.c_str(), 0700) != 0 && errno != EEXIST) {
        throw RefusedError(fmt::format("cannot create the backup folder {}: {}", folder.string(),
                                       std::strerror(errno)));
    }
    if (!fs::is_directory(folder, ec)) {
        throw RefusedError(
            fmt::format("cannot create the backup folder {}: it is not a directory", folder.string()));
    }
    ::chmod(folder.c_str(), 0700);
    return folder;
}

void write_manifest(pg::Connection& conn, const BackupTarget& target,
                    const std::vector<SnapshotEntry>& entries) {
    nlohmann::json manifest;
    manifest["format"] = "qail-snapshot/2";
    manifest["version"] = target.version;
    manifest["backup_id"] = target.id;
    manifest["database"] = conn.database();
    manifest["created_at"] = std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
    manifest["entries"] = nlohmann::json::array();
    for (const SnapshotEntry& e : entries) {
        manifest["entries"].push_back(to_json(e));
    }
    // written aside and renamed: a crash leaves the old manifest or the new one
    fs::path temp = target.folder / "manifest.json.tmp";
    std::error_code ec;
    fs::remove(temp, ec);
    {
        PrivateFile file(temp);
        file.write(manifest.dump(2) + "\n");
        file.close();
    }
    fs::rename(temp, target.folder / "manifest.json");
}

FileSnapshot read_file_snapshot(const fs::path& folder) {
    FileSnapshot out;
    out.folder = folder;
    std::ifstream in(folder / "manifest.json", std::ios::binary);
    if (!in) {
        throw InputError(fmt::format("no backup manifest at {}", (folder / "manifest.json").string()));
    }
    try {
        nlohmann::json manifest = nlohmann::json::parse(in);
        out.version = manifest.at("version").get<std::string>();
        out.backup_id = manifest.value("backup_id", 0LL);
        for (const nlohmann::json& j : manifest.at("entries")) {
            out.entries.push_back(entry_from_json(j));
        }
    } catch (const nlohmann::json::exception& e) {
        throw InputError(fmt::format("{}: not a QAIL backup manifest ({})",
                                     (folder / "manifest.json").string(), e.what()));
    }
    for (const SnapshotEntry& e : out.entries) {
        if (!e.complete) {
            continue;
        }
        verify_file(folder, e.file, e.sha256);
        if (!e.changes_file.empty()) {
            verify_file(folder, e.changes_file, e.changes_sha256);
        }
    }
    return out;
}

void ensure_snapshot_table(pg::Connection& conn) {
    conn.exec("CREATE TABLE IF NOT EXISTS public._qail_data_snapshots (\n"
              "    id SERIAL PRIMARY KEY,\n"
              "    migration_version VARCHAR(255) NOT NULL,\n"
              "    table_name VARCHAR(255) NOT NULL,\n"
              "    column_name VARCHAR(255),\n"
              "    row_id TEXT NOT NULL,\n"
              "    value_json JSONB NOT NULL,\n"
              "    snapshot_type VARCHAR(50) NOT NULL,\n"
              "    created_at TIMESTAMPTZ DEFAULT NOW(),\n"
              "    column_type TEXT\n"
              ")");
}

void check_backup_possible(pg::Connection& conn, const std::vector<const plan::Step*>& steps) {
    for (const plan::Step* step : steps) {
        std::optional<std::string> type = snapshot_type(*step);
        if (!type || *type == "DROP_TABLE") {
            continue;
        }
        plan::DataAtRisk r = risk_of(*step);
        std::optional<LiveTable> table = describe_table(conn, r.table);
        if (table && table->column(r.column) != nullptr) {
            require_key(*table, r.column);
        }
    }
}

namespace {

// Rounds of catching up with the writers before the drop's lock: each reads
// again the rows written during the one before, so that the last, under the
// lock, has only the writes of a short moment left.
constexpr int k_catch_up_rounds = 8;
constexpr long long k_few_enough_keys = 100;

// The whole of what the entry keeps, afresh (the first copy, or again after a TRUNCATE).
void copy_base(pg::Connection& conn, const BackupTarget& target, PreparedEntry& p) {
    p.entry.changes_file.clear();
    p.entry.changes_sha256.clear();
    p.entry.changes_rows = 0;
    if (target.mode == BackupMode::files) {
        copy_all_to_file(conn, target, p);
        return;
    }
    std::vector<pg::Param> params{std::to_string(p.entry.entry_id)};
    conn.exec_params("DELETE FROM public._qail_data_snapshots WHERE entry_id = $1::bigint", params);
    p.entry.rows = copy_all_to_db(conn, target, p);
    p.delta_from_id = snapshot_sequence_value(conn);
    set_entry_delta_start(conn, p.entry.entry_id, p.delta_from_id);
}

// One round, inside the caller's transaction: the rows written since the
// last round (or everything, after a TRUNCATE). Returns the rows read.
long long catch_up(pg::Connection& conn, const BackupTarget& target, PreparedEntry& p,
                   ChangedKeys& changed) {
    changed = take_changed_keys(conn, p);
    if (changed.truncated) {
        copy_base(conn, target, p);
        return p.entry.rows;
    }
    if (changed.count == 0) {
        return 0;
    }
    long long rows = target.mode == BackupMode::files ? copy_changes_to_file(conn, target, p)
                                                      : copy_changes_to_db(conn, target, p);
    p.reread += rows;
    return rows;
}

} // namespace

PreparedEntry prepare_backup_entry(pg::Connection& conn, const BackupTarget& target,
                                   const plan::Step& step) {
    PreparedEntry p;
    plan::DataAtRisk r = risk_of(step);
    p.table = r.table;
    p.entry.type = snapshot_type(step).value_or("DROP_TABLE");
    p.entry.table = table_label(r.table);
    p.entry.column = is_table_entry(p.entry) ? std::string() : r.column;
    std::optional<LiveTable> live = describe_table(conn, r.table);
    if (!live || live->primary_key.empty() ||
        (!is_table_entry(p.entry) && live->column(r.column) == nullptr)) {
        return p; // copied whole under the drop's lock
    }
    describe_entry(p.entry, *live, r.column);
    p.json_key = names_after_contract(p.entry.key, r.column);
    p.entry.complete = false;
    p.entry.entry_id = add_entry(conn, target.id, p.entry);
    try {
        install_capture(conn, p.entry.entry_id, p.table, p.entry.key);
        // every write from here on is logged: the copy may miss it
        copy_base(conn, target, p);
        exec::failpoint("backup_copy");
        for (int round = 0; round < k_catch_up_rounds; ++round) {
            pg::Transaction tx(conn);
            ChangedKeys changed;
            catch_up(conn, target, p, changed);
            tx.commit();
            if (!changed.truncated && changed.count <= k_few_enough_keys) {
                break;
            }
        }
    } catch (...) {
        try {
            abandon_entry(conn, p.entry.entry_id);
        } catch (...) { // NOLINT(bugprone-empty-catch): the first error is the one to report
        }
        throw;
    }
    p.captured = true;
    return p;
}

long long finish_backup_entry(pg::Connection& conn, const BackupTarget& target,
                              PreparedEntry& p, const plan::Step& step) {
    plan::DataAtRisk r = risk_of(step);
    LiveTable live = require_table(conn, r.table);
    // the drop takes this lock anyway; taken first, nobody writes the rows we read
    conn.exec(fmt::format("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE", qualified_sql(r.table)));
    bool files = target.mode == BackupMode::files;
    if (!p.captured) {
        p.table = r.table;
        describe_entry(p.entry, live, r.column);
        p.json_key = names_after_contract(p.entry.key, r.column);
        if (p.entry.entry_id == 0) {
            p.entry.entry_id = add_entry(conn, target.id, p.entry);
        }
        copy_base(conn, target, p);
        p.entry.complete = true;
        complete_entry(conn, p.entry.entry_id, p.entry.rows, true);
        return p.entry.rows;
    }
    ChangedKeys changed;
    long long under_lock = catch_up(conn, target, p, changed);
    remove_capture(conn, p.entry.entry_id);
    if (files && !p.entry.changes_file.empty()) {
        p.entry.changes_sha256 = file_sha256(target.folder / p.entry.changes_file);
    }
    p.entry.complete = true;
    // database rows superseded by the changes are removed after the commit (compact_entry)
    bool superseded = !files && p.entry.rows > 0 && snapshot_sequence_value(conn) > p.delta_from_id;
    complete_entry(conn, p.entry.entry_id, p.entry.rows + p.entry.changes_rows, !superseded);
    return under_lock;
}

} // namespace qail::safety
