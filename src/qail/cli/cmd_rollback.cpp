#include <CLI/CLI.hpp>

#include <qail/cli/commands.hpp>
#include <qail/cli/runtime.hpp>

namespace qail::cli {

namespace {
struct DataRollbackOptions {
    std::optional<std::string> url_positional;
    std::optional<std::string> url;
    std::string version;
};
} // namespace

void add_rollback_command(CLI::App& app, Runtime& rt) {
    auto options = std::make_shared<DataRollbackOptions>();
    CLI::App* cmd = app.add_subcommand(
        "rollback", "Restore the values a migration's backup holds (after a schema rollback)");
    cmd->add_option("--data", options->version, "Migration version whose backup to restore")
        ->required();
    cmd->add_option("url", options->url_positional, "Database URL or conninfo");
    cmd->add_option("--url", options->url, "Database URL (else DATABASE_URL, qail.toml, libpq)");
    cmd->callback([&rt] {
        (void)rt;
        not_implemented("rollback --data", 7);
    });
}

} // namespace qail::cli
