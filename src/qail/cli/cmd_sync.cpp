#include <CLI/CLI.hpp>

#include <qail/cli/commands.hpp>
#include <qail/cli/runtime.hpp>

namespace qail::cli {

void add_sync_command(CLI::App& app, Runtime& rt) {
    CLI::App* sync =
        app.add_subcommand("sync", "Outbox triggers from the [[sync]] rules of qail.toml");
    sync->require_subcommand(1);
    CLI::App* generate = sync->add_subcommand(
        "generate", "Write a phased delta folder with the outbox triggers into _qail_queue");
    generate->callback([&rt] {
        (void)rt;
        not_implemented("sync generate", 5);
    });
    CLI::App* list = sync->add_subcommand("list", "List the [[sync]] rules");
    list->callback([&rt] {
        (void)rt;
        not_implemented("sync list", 5);
    });
}

} // namespace qail::cli
