#include <CLI/CLI.hpp>

#include <qail/cli/commands.hpp>
#include <qail/cli/runtime.hpp>

namespace qail::cli {

namespace {
struct FmtOptions {
    std::vector<std::string> paths;
    bool check = false;
};
} // namespace

void add_fmt_command(CLI::App& app, Runtime& rt) {
    auto options = std::make_shared<FmtOptions>();
    CLI::App* cmd = app.add_subcommand("fmt", "Rewrite .qail files in canonical form");
    cmd->add_option("paths", options->paths, ".qail files or directories")->required();
    cmd->add_flag("--check", options->check,
                  "Change nothing; exit 1 and list the files that would change");
    cmd->callback([options, &rt] {
        (void)rt;
        not_implemented("fmt", 2);
    });
}

} // namespace qail::cli
