#include <CLI/CLI.hpp>

#include <qail/cli/commands.hpp>
#include <qail/cli/runtime.hpp>

namespace qail::cli {

namespace {
struct DiffOptions {
    std::string from;
    std::string to;
    std::string format = "sql";
    bool exit_code = false;
    bool live = false;
    std::optional<std::string> url;
    bool allow_destructive = false;
};
} // namespace

void add_diff_command(CLI::App& app, Runtime& rt) {
    auto options = std::make_shared<DiffOptions>();
    CLI::App* cmd = app.add_subcommand(
        "diff", "Print the SQL that turns <from> into <to> (each a file, directory, URL or _)");
    cmd->add_option("from", options->from, "Current state: .qail file, directory, URL, or _")
        ->required();
    cmd->add_option("to", options->to, "Desired state: .qail file, directory, URL, or _")
        ->required();
    cmd->add_option("--format", options->format, "Output format")
        ->check(CLI::IsMember({"sql", "json", "pretty"}));
    cmd->add_flag("--exit-code", options->exit_code, "Exit 1 when there are changes");
    cmd->add_flag("--live", options->live,
                  "Drift detection: compare the live database (--url) with <to>");
    cmd->add_option("--url", options->url, "Database URL for --live");
    cmd->add_flag("--allow-destructive", options->allow_destructive,
                  "Allow drops that no 'drop ... confirm' hint covers");
    cmd->callback([options, &rt] {
        (void)rt;
        not_implemented("diff", 4);
    });
}

} // namespace qail::cli
