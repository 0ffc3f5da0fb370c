#include "error.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace qail {

ExitCode exit_code_for(ErrorKind kind) {
    switch (kind) {
    case ErrorKind::usage:
    case ErrorKind::input:
        return ExitCode::bad_input;
    case ErrorKind::database:
        return ExitCode::database;
    case ErrorKind::refused:
        return ExitCode::refused;
    case ErrorKind::cancelled:
        return ExitCode::cancelled;
    case ErrorKind::internal:
        return ExitCode::internal;
    }
    return ExitCode::internal;
}

const char* to_string(ErrorKind kind) {
    switch (kind) {
    case ErrorKind::usage:
        return "usage";
    case ErrorKind::input:
        return "input";
    case ErrorKind::database:
        return "database";
    case ErrorKind::refused:
        return "refused";
    case ErrorKind::cancelled:
        return "cancelled";
    case ErrorKind::internal:
        return "internal";
    }
    return "internal";
}

namespace {

std::string summary(const std::vector<Diagnostic>& diagnostics) {
    if (diagnostics.empty()) {
        return "invalid input";
    }
    const Diagnostic& d = diagnostics.front();
    if (d.line > 0) {
        return fmt::format("{}:{}:{}: {}", d.file, d.line, d.column, d.message);
    }
    return d.file.empty() ? d.message : fmt::format("{}: {}", d.file, d.message);
}

// Tabs in the echoed line would misalign the caret; show them as spaces.
std::string detab(const std::string& text) {
    std::string out = text;
    std::replace(out.begin(), out.end(), '\t', ' ');
    return out;
}

} // namespace

std::string Diagnostic::render(bool color) const {
    const char* bold = color ? "\x1b[1m" : "";
    const char* red = color ? "\x1b[1;31m" : "";
    const char* green = color ? "\x1b[1;32m" : "";
    const char* cyan = color ? "\x1b[1;36m" : "";
    const char* reset = color ? "\x1b[0m" : "";
    std::string out;
    if (line > 0) {
        out += fmt::format("{}{}:{}:{}:{} {}error:{} {}{}{}\n", bold, file, line, column, reset, red,
                           reset, bold, message, reset);
        std::string gutter = fmt::format("{}", line);
        std::string pad(gutter.size(), ' ');
        out += fmt::format("{}{} |{} {}\n", cyan, gutter, reset, detab(line_text));
        int col = std::max(column, 1);
        int len = std::max(length, 1);
        std::string caret = std::string(static_cast<size_t>(col - 1), ' ') + "^" +
                            std::string(static_cast<size_t>(len - 1), '~');
        out += fmt::format("{}{} |{} {}{}{}\n", cyan, pad, reset, green, caret, reset);
    } else if (!file.empty()) {
        out += fmt::format("{}{}:{} {}error:{} {}\n", bold, file, reset, red, reset, message);
    } else {
        out += fmt::format("{}error:{} {}\n", red, reset, message);
    }
    if (!help.empty()) {
        out += fmt::format("{}help:{} {}\n", cyan, reset, help);
    }
    return out;
}

InputError::InputError(std::vector<Diagnostic> diagnostics)
    : Error(ErrorKind::input, summary(diagnostics)), m_diagnostics(std::move(diagnostics)) {}

InputError::InputError(Diagnostic diagnostic)
    : InputError(std::vector<Diagnostic>{std::move(diagnostic)}) {}

InputError::InputError(const std::string& message)
    : InputError(Diagnostic{.file = {}, .line = 0, .column = 0, .length = 1, .line_text = {},
                            .message = message, .help = {}}) {}

std::string InputError::render(bool color) const {
    std::string out;
    for (size_t i = 0; i < m_diagnostics.size(); ++i) {
        if (i > 0) {
            out += "\n";
        }
        out += m_diagnostics[i].render(color);
    }
    return out;
}

} // namespace qail
