#pragma once
// What every command handler gets: the output streams, whether they are
// terminals (colours, prompts, progress bars), and the exit code to return.

#include <iosfwd>
#include <string>

#include <qail/base/error.hpp>

namespace qail::cli {

struct Runtime {
    std::ostream* out = nullptr; ///< data (SQL, .qail text, JSON)
    std::ostream* err = nullptr; ///< diagnostics, progress, human messages
    bool out_is_terminal = false;
    bool err_is_terminal = false;
    bool stdin_is_terminal = false;
    bool color_out = false; ///< colours on stdout (terminal and no NO_COLOR)
    bool color_err = false;
    ExitCode exit_code = ExitCode::ok;

    /// Detects terminals and NO_COLOR for the real process streams.
    static Runtime for_process();
};

/// Colour helpers: empty strings when `on` is false.
struct Style {
    bool on = false;
    const char* bold() const { return on ? "\x1b[1m" : ""; }
    const char* dim() const { return on ? "\x1b[2m" : ""; }
    const char* red() const { return on ? "\x1b[31m" : ""; }
    const char* green() const { return on ? "\x1b[32m" : ""; }
    const char* yellow() const { return on ? "\x1b[33m" : ""; }
    const char* cyan() const { return on ? "\x1b[36m" : ""; }
    const char* reset() const { return on ? "\x1b[0m" : ""; }
};

} // namespace qail::cli
