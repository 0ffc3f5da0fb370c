#pragma once
// Where the engine reports: data (dry-run plans, listings) to `out`,
// messages and progress to `err`, as every QAIL command does.

#include <iosfwd>

namespace qail::exec {

struct Output {
    std::ostream* out = nullptr;
    std::ostream* err = nullptr;
    bool color = false;           ///< colours on `err`
    bool err_is_terminal = false; ///< progress may redraw one line
};

/// ANSI colours for `err`, empty when colours are off.
struct Colors {
    bool on = false;
    const char* bold() const { return on ? "\x1b[1m" : ""; }
    const char* red() const { return on ? "\x1b[31m" : ""; }
    const char* green() const { return on ? "\x1b[32m" : ""; }
    const char* yellow() const { return on ? "\x1b[33m" : ""; }
    const char* reset() const { return on ? "\x1b[0m" : ""; }
};

} // namespace qail::exec
