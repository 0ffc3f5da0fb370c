#pragma once
// Runs a program (usually build/qail) as a user would, and captures what it did.

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace qail::testing {

struct RunResult {
    int exit_code = -1;
    std::string out;
    std::string err;
};

struct RunOptions {
    std::optional<std::string> stdin_text;
    std::optional<std::string> cwd;
    std::map<std::string, std::string> env;  ///< added to (or overriding) the environment
    std::vector<std::string> unset_env;      ///< removed from the environment
    int timeout_seconds = 300;
};

/// Runs `argv` (argv[0] is the program path) and waits for it.
RunResult run_process(const std::vector<std::string>& argv, const RunOptions& options = {});

/// Runs build/qail with these arguments.
RunResult run_qail(const std::vector<std::string>& args, const RunOptions& options = {});

/// Runs `sh -c command`.
RunResult run_shell(const std::string& command, const RunOptions& options = {});

} // namespace qail::testing
