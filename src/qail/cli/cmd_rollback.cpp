// qail rollback --data <version> [--backup-id N] [URL]: restores the values
// a migration's backup holds, after its schema was rolled back;
// qail rollback --list [URL]: the backups there are.

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <ostream>

#include <qail/base/error.hpp>
#include <qail/cli/box_table.hpp>
#include <qail/cli/commands.hpp>
#include <qail/cli/database_url.hpp>
#include <qail/cli/runtime.hpp>
#include <qail/pg/connection.hpp>
#include <qail/safety/backup_store.hpp>
#include <qail/safety/catalog.hpp>
#include <qail/safety/restore.hpp>

namespace qail::cli {

namespace {

struct DataRollbackOptions {
    std::optional<std::string> url_positional;
    std::optional<std::string> url;
    std::optional<std::string> version;
    std::optional<long long> backup_id;
    bool list = false;
    bool json = false;
    bool wait_for_lock = false;
};

std::string where_of(const safety::SnapshotSource& s) {
    if (s.kind == safety::SnapshotSource::Kind::db) {
        return "database";
    }
    std::error_code ec;
    std::filesystem::path relative =
        std::filesystem::relative(s.folder, std::filesystem::current_path(), ec);
    return "files: " + (ec || relative.empty() ? s.folder : relative).string();
}

void print_list(Runtime& rt, pg::Connection& conn, const std::vector<safety::BackupListing>& list,
                bool json) {
    if (json) {
        nlohmann::json out;
        out["database"] = conn.database();
        out["backups"] = nlohmann::json::array();
        for (const safety::BackupListing& l : list) {
            nlohmann::json b = {{"id", l.source.backup_id > 0 ? nlohmann::json(l.source.backup_id)
                                                              : nlohmann::json(nullptr)},
                                {"version", l.source.version},
                                {"kind", l.source.kind == safety::SnapshotSource::Kind::db
                                             ? "db"
                                             : "files"},
                                {"created_at", l.source.created_at},
                                {"restored_at", l.source.restored_at
                                                    ? nlohmann::json(*l.source.restored_at)
                                                    : nlohmann::json(nullptr)},
                                {"entries", l.entries},
                                {"complete_entries", l.complete_entries},
                                {"rows", l.rows},
                                {"state", l.state}};
            if (l.source.kind == safety::SnapshotSource::Kind::files) {
                b["folder"] = l.source.folder.string();
            }
            out["backups"].push_back(std::move(b));
        }
        *rt.out << out.dump(2) << "\n";
        return;
    }
    if (list.empty()) {
        *rt.err << fmt::format("No backups of {} (neither _qail_data_snapshots nor "
                               "_qail_snapshots/ holds one)\n",
                               conn.database());
        return;
    }
    std::vector<std::vector<std::string>> rows;
    for (const safety::BackupListing& l : list) {
        rows.push_back({l.source.backup_id > 0 ? std::to_string(l.source.backup_id) : "-",
                        l.source.version, where_of(l.source),
                        l.source.created_at.empty() ? "-" : l.source.created_at,
                        fmt::format("{}/{}", l.complete_entries, l.entries),
                        safety::with_commas(l.rows), l.state});
    }
    *rt.out << fmt::format("Backups of {} (newest first; times in UTC)\n", conn.database());
    *rt.out << box_table({"ID", "Version", "Where", "Created", "Steps", "Rows", "State"}, rows);
    *rt.out << "Restore one: qail rollback --data <version> [--backup-id <ID>]\n";
}

void run_data_rollback(Runtime& rt, const DataRollbackOptions& options) {
    if (options.list == options.version.has_value()) {
        throw UsageError("qail rollback needs either --data <version> or --list");
    }
    if (options.backup_id && !options.version) {
        throw UsageError("--backup-id goes with --data <version>");
    }
    DatabaseTarget target = resolve_database(options.url_positional, options.url);
    pg::Connection conn = pg::Connection::open(target.conninfo);
    safety::adopt_old_backups(conn, options.wait_for_lock);
    std::filesystem::path base = std::filesystem::current_path();
    if (options.list) {
        print_list(rt, conn, safety::list_all_backups(conn, base), options.json);
        return;
    }
    safety::SnapshotSource source =
        safety::find_snapshot(conn, base, *options.version, options.backup_id);
    safety::RestoreSummary summary = safety::restore_data(conn, source, options.wait_for_lock);
    safety::print_restore_summary(*rt.err, source, summary);
}

} // namespace

void add_rollback_command(CLI::App& app, Runtime& rt) {
    auto options = std::make_shared<DataRollbackOptions>();
    CLI::App* cmd = app.add_subcommand(
        "rollback", "Restore the values a migration's backup holds (after a schema rollback)");
    cmd->add_option("--data", options->version, "Migration version whose backup to restore");
    cmd->add_option("--backup-id", options->backup_id,
                    "Which backup of that version (default: the newest; see --list)")
        ->check(CLI::PositiveNumber);
    cmd->add_flag("--list", options->list, "List the backups (id, version, where, state)");
    cmd->add_flag("--json", options->json, "With --list: print the backups as JSON");
    cmd->add_option("url", options->url_positional, "Database URL or conninfo");
    cmd->add_option("--url", options->url, "Database URL (else DATABASE_URL, qail.toml, libpq)");
    cmd->add_flag("--wait-for-lock", options->wait_for_lock,
                  "Wait for a running migration instead of exiting 4");
    cmd->callback([&rt, options] { run_data_rollback(rt, *options); });
}

} // namespace qail::cli
