#include <CLI/CLI.hpp>

#include <qail/cli/commands.hpp>
#include <qail/cli/runtime.hpp>

namespace qail::cli {

namespace {
struct PullOptions {
    std::optional<std::string> url_positional;
    std::optional<std::string> url;
    std::optional<std::string> output;
    std::optional<std::string> split_dir;
    std::vector<std::string> schemas;
    bool strict = false;
};
} // namespace

void add_pull_command(CLI::App& app, Runtime& rt) {
    auto options = std::make_shared<PullOptions>();
    CLI::App* cmd = app.add_subcommand(
        "pull", "Introspect a live database and print its schema as .qail (stdout by default)");
    cmd->add_option("url", options->url_positional, "Database URL or conninfo");
    cmd->add_option("--url", options->url, "Database URL (else DATABASE_URL, qail.toml, libpq)");
    CLI::Option* output =
        cmd->add_option("-o,--output", options->output, "Write to this file instead of stdout");
    cmd->add_option("--split", options->split_dir,
                    "Write a modular directory (one file per table, _order.qail)")
        ->excludes(output);
    cmd->add_option("--schema", options->schemas,
                    "Only this PostgreSQL schema (repeatable; default: every user schema)");
    cmd->add_flag("--strict", options->strict,
                  "Exit 4 when an object QAIL cannot represent is found");
    cmd->callback([options, &rt] {
        (void)rt;
        not_implemented("pull", 3);
    });
}

} // namespace qail::cli
