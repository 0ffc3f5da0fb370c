#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <ostream>

#include <qail/base/error.hpp>
#include <qail/base/strings.hpp>
#include <qail/cli/commands.hpp>
#include <qail/cli/runtime.hpp>
#include <qail/exec/scaffold.hpp>
#include <qail/lang/config.hpp>

namespace qail::cli {

namespace {

lang::ProjectConfig require_config() {
    std::optional<lang::ProjectConfig> config = lang::find_project_config();
    if (!config) {
        throw InputError("no qail.toml here or in a parent folder; sync rules live in its "
                         "[[sync]] tables");
    }
    return *config;
}

void run_generate(Runtime& rt) {
    lang::ProjectConfig config = require_config();
    std::filesystem::path dir = lang::migrations_dir(config);
    exec::SyncMigration m = exec::plan_sync_migration(config, dir);
    if (m.up_to_date) {
        *rt.err << fmt::format("✓ Sync triggers are up to date ({} already holds them)\n",
                               (dir / m.key).string());
        return;
    }
    std::filesystem::path folder = exec::write_sync_migration(dir, m);
    *rt.err << fmt::format("✓ Created {}/ (expand.qail, down.qail): outbox triggers on {}\n",
                           folder.string(), join(m.tables, ", "));
    *rt.err << "  apply it with `qail migrate apply`\n";
    *rt.out << folder.string() << "\n";
}

void run_list(Runtime& rt) {
    lang::ProjectConfig config = require_config();
    if (config.sync.empty()) {
        *rt.err << fmt::format("{} has no [[sync]] rules\n", config.file.string());
        return;
    }
    int n = 0;
    for (const lang::SyncRule& rule : config.sync) {
        *rt.out << fmt::format("{}. {} → {}", ++n, rule.source_table, rule.target_collection);
        std::vector<std::string> details;
        details.push_back(rule.trigger_column ? "trigger column: " + *rule.trigger_column
                                              : std::string("every update"));
        if (rule.embedding_model) {
            details.push_back("model: " + *rule.embedding_model);
        }
        *rt.out << " (" << join(details, ", ") << ")\n";
    }
}

} // namespace

void add_sync_command(CLI::App& app, Runtime& rt) {
    CLI::App* sync =
        app.add_subcommand("sync", "Outbox triggers from the [[sync]] rules of qail.toml");
    sync->require_subcommand(1);
    CLI::App* generate = sync->add_subcommand(
        "generate", "Write a phased delta folder with the outbox triggers into _qail_queue");
    generate->callback([&rt] { run_generate(rt); });
    CLI::App* list = sync->add_subcommand("list", "List the [[sync]] rules");
    list->callback([&rt] { run_list(rt); });
}

} // namespace qail::cli
