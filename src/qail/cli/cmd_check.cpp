#include <CLI/CLI.hpp>

#include <qail/cli/commands.hpp>
#include <qail/cli/runtime.hpp>

namespace qail::cli {

namespace {
struct CheckOptions {
    std::string schema;
};
} // namespace

void add_check_command(CLI::App& app, Runtime& rt) {
    auto options = std::make_shared<CheckOptions>();
    CLI::App* cmd = app.add_subcommand(
        "check", "Parse and validate a schema file or directory; print what it holds");
    cmd->add_option("schema", options->schema, "A .qail file or a modular schema directory")
        ->required();
    cmd->callback([options, &rt] {
        (void)rt;
        not_implemented("check", 2);
    });
}

} // namespace qail::cli
