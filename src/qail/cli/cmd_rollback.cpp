// qail rollback --data <version> [URL]: restores the values a migration's
// backup holds, after its schema was rolled back.

#include <CLI/CLI.hpp>

#include <filesystem>

#include <qail/cli/commands.hpp>
#include <qail/cli/database_url.hpp>
#include <qail/cli/runtime.hpp>
#include <qail/pg/connection.hpp>
#include <qail/safety/restore.hpp>

namespace qail::cli {

namespace {
struct DataRollbackOptions {
    std::optional<std::string> url_positional;
    std::optional<std::string> url;
    std::string version;
    bool wait_for_lock = false;
};

void run_data_rollback(Runtime& rt, const DataRollbackOptions& options) {
    DatabaseTarget target = resolve_database(options.url_positional, options.url);
    pg::Connection conn = pg::Connection::open(target.conninfo);
    safety::SnapshotSource source =
        safety::find_snapshot(conn, std::filesystem::current_path(), options.version);
    safety::RestoreSummary summary = safety::restore_data(conn, source, options.wait_for_lock);
    safety::print_restore_summary(*rt.err, source, summary);
}
} // namespace

void add_rollback_command(CLI::App& app, Runtime& rt) {
    auto options = std::make_shared<DataRollbackOptions>();
    CLI::App* cmd = app.add_subcommand(
        "rollback", "Restore the values a migration's backup holds (after a schema rollback)");
    cmd->add_option("--data", options->version, "Migration version whose backup to restore")
        ->required();
    cmd->add_option("url", options->url_positional, "Database URL or conninfo");
    cmd->add_option("--url", options->url, "Database URL (else DATABASE_URL, qail.toml, libpq)");
    cmd->add_flag("--wait-for-lock", options->wait_for_lock,
                  "Wait for a running migration instead of exiting 4");
    cmd->callback([&rt, options] { run_data_rollback(rt, *options); });
}

} // namespace qail::cli
