#pragma once
// Each command registers itself on the root app: its options, its --help
// text and its handler. One file per command under cli/.

#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace qail::cli {

struct Runtime;

void add_check_command(CLI::App& app, Runtime& rt);
void add_fmt_command(CLI::App& app, Runtime& rt);
void add_pull_command(CLI::App& app, Runtime& rt);
void add_diff_command(CLI::App& app, Runtime& rt);
void add_migrate_command(CLI::App& app, Runtime& rt);
void add_rollback_command(CLI::App& app, Runtime& rt);
void add_sync_command(CLI::App& app, Runtime& rt);

/// For commands that a later milestone implements: a usage error (exit 2)
/// that says so.
[[noreturn]] void not_implemented(const std::string& command, int issue);

} // namespace qail::cli
