#include "backup.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>

#include <qail/base/error.hpp>
#include <qail/base/strings.hpp>
#include <qail/exec/phasing.hpp>
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
    explicit PrivateFile(const fs::path& path) : m_path(path) {
        m_fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
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

std::string select_list(const std::vector<std::string>& columns) {
    std::string out;
    for (const std::string& c : columns) {
        out += (out.empty() ? "" : ", ") + sql::quote_ident(c);
    }
    return out;
}

nlohmann::json to_json(const SnapshotEntry& e) {
    return {{"type", e.type},           {"table", e.table},
            {"column", e.column},       {"column_type", e.column_type},
            {"key", e.key},             {"key_types", e.key_types},
            {"columns", e.columns},     {"column_types", e.column_types},
            {"file", e.file},           {"sha256", e.sha256},
            {"rows", e.rows}};
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
    return e;
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
        n += e.rows;
    }
    return n;
}

std::string snapshot_folder_name(const std::string& version) {
    return safe_file_part(replace_all(version, "/", "__"));
}

FileSnapshot write_file_snapshot(pg::Connection& conn, const fs::path& base,
                                 const std::string& version,
                                 const std::vector<const plan::Step*>& steps) {
    FileSnapshot out;
    fs::path root = base / k_snapshot_dir;
    out.folder = root / snapshot_folder_name(version);
    std::error_code ec;
    fs::create_directories(root, ec);
    ::chmod(root.c_str(), 0700);
    if (::mkdir(out.folder.c_str(), 0700) != 0) {
        throw RefusedError(fmt::format("cannot create the backup folder {}: {}",
                                       out.folder.string(),
                                       errno == EEXIST ? "it already exists" : std::strerror(errno)));
    }
    ::chmod(out.folder.c_str(), 0700);

    // one snapshot of the data for every file
    conn.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    try {
        int n = 0;
        for (const plan::Step* step : steps) {
            std::optional<std::string> type = snapshot_type(*step);
            if (!type) {
                continue;
            }
            plan::DataAtRisk r = risk_of(*step);
            LiveTable table = require_table(conn, r.table);
            SnapshotEntry e;
            e.type = *type;
            e.table = table_label(r.table);
            e.key = table.primary_key;
            for (const std::string& k : e.key) {
                e.key_types.push_back(require_column(table, k).type);
            }
            if (*type == "DROP_TABLE") {
                for (const LiveColumn& c : table.columns) {
                    if (!c.generated) {
                        e.columns.push_back(c.name);
                        e.column_types.push_back(c.type);
                    }
                }
                e.file = fmt::format("{:02}_{}.csv", ++n, safe_file_part(e.table));
            } else {
                require_key(table, r.column);
                const LiveColumn& c = require_column(table, r.column);
                e.column = c.name;
                e.column_type = c.type;
                e.columns = e.key;
                e.column_types = e.key_types;
                e.columns.push_back(c.name);
                e.column_types.push_back(c.type);
                e.file = fmt::format("{:02}_{}.{}.csv", ++n, safe_file_part(e.table),
                                     safe_file_part(c.name));
            }
            PrivateFile file(out.folder / e.file);
            Sha256 hash;
            CsvRecordCounter counter;
            conn.copy_out(fmt::format("COPY (SELECT {} FROM {}) TO STDOUT WITH (FORMAT csv, HEADER)",
                                      select_list(e.columns), qualified_sql(r.table)),
                          [&](std::string_view chunk) {
                              file.write(chunk);
                              hash.update(chunk);
                              counter.update(chunk);
                          });
            file.close();
            e.sha256 = hash.hex();
            e.rows = counter.records() - 1; // the header
            out.entries.push_back(std::move(e));
        }
        conn.exec("COMMIT");
    } catch (...) {
        conn.exec("ROLLBACK");
        throw;
    }

    nlohmann::json manifest;
    manifest["format"] = "qail-snapshot/1";
    manifest["version"] = version;
    manifest["database"] = conn.database();
    manifest["created_at"] = std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
    manifest["entries"] = nlohmann::json::array();
    for (const SnapshotEntry& e : out.entries) {
        manifest["entries"].push_back(to_json(e));
    }
    PrivateFile file(out.folder / "manifest.json");
    file.write(manifest.dump(2) + "\n");
    file.close();
    return out;
}

FileSnapshot read_file_snapshot(const fs::path& folder) {
    FileSnapshot out;
    out.folder = folder;
    std::ifstream in(folder / "manifest.json", std::ios::binary);
    if (!in) {
        throw InputError(fmt::format("no backup manifest at {}", (folder / "manifest.json").string()));
    }
    nlohmann::json manifest;
    try {
        manifest = nlohmann::json::parse(in);
        for (const nlohmann::json& j : manifest.at("entries")) {
            out.entries.push_back(entry_from_json(j));
        }
    } catch (const nlohmann::json::exception& e) {
        throw InputError(fmt::format("{}: not a QAIL backup manifest ({})",
                                     (folder / "manifest.json").string(), e.what()));
    }
    for (const SnapshotEntry& e : out.entries) {
        std::ifstream file(folder / e.file, std::ios::binary);
        if (!file) {
            throw RefusedError(fmt::format("backup file {} is missing", (folder / e.file).string()));
        }
        Sha256 hash;
        std::string buffer(1 << 16, '\0');
        while (file.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) ||
               file.gcount() > 0) {
            hash.update(std::string_view(buffer.data(), static_cast<size_t>(file.gcount())));
        }
        std::string actual = hash.hex();
        if (actual != e.sha256) {
            throw RefusedError(fmt::format(
                "backup file {} changed since it was written (SHA-256 {} in the manifest, {} now)",
                (folder / e.file).string(), e.sha256, actual));
        }
    }
    return out;
}

// The key as it is named once the migration is done: in a phased key type
// change the backup runs after the key moved to exec::retype_temp_column(),
// which the same transaction then renames to the dropped column's name; the
// rows must be found by that name when the backup is restored.
static std::vector<std::string> names_after_contract(const std::vector<std::string>& key,
                                                     const std::string& dropped_column) {
    std::string temp = exec::retype_temp_column(dropped_column);
    std::vector<std::string> out;
    for (const std::string& k : key) {
        out.push_back(k == temp ? dropped_column : k);
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

long long snapshot_step_to_db(pg::Connection& conn, const std::string& version,
                              const plan::Step& step) {
    std::optional<std::string> type = snapshot_type(step);
    if (!type) {
        return 0;
    }
    plan::DataAtRisk r = risk_of(step);
    LiveTable table = require_table(conn, r.table);
    ensure_snapshot_table(conn);
    std::string label = table_label(r.table);
    std::string row_id = table.primary_key.empty()
                             ? "jsonb_build_object('ctid', qail_t.ctid::text)::text"
                             : key_json_sql(table.primary_key, "qail_t",
                                            names_after_contract(table.primary_key, r.column));
    if (*type == "DROP_TABLE") {
        std::vector<pg::Param> params{version, label};
        return conn
            .exec_params(fmt::format("INSERT INTO public._qail_data_snapshots (migration_version, "
                                     "table_name, column_name, row_id, value_json, snapshot_type) "
                                     "SELECT $1, $2, NULL, {}, to_jsonb(qail_t.*), 'DROP_TABLE' "
                                     "FROM {} AS qail_t",
                                     row_id, qualified_sql(r.table)),
                         params)
            .affected_rows();
    }
    require_key(table, r.column);
    const LiveColumn& c = require_column(table, r.column);
    std::vector<pg::Param> params{version, label, c.name, *type, c.type};
    return conn
        .exec_params(fmt::format("INSERT INTO public._qail_data_snapshots (migration_version, "
                                 "table_name, column_name, row_id, value_json, snapshot_type, "
                                 "column_type) SELECT $1, $2, $3, {}, coalesce(to_jsonb(qail_t.{}), "
                                 "'null'::jsonb), $4, $5 FROM {} AS qail_t",
                                 row_id, sql::quote_ident(c.name), qualified_sql(r.table)),
                     params)
        .affected_rows();
}

} // namespace qail::safety
