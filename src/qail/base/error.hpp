#pragma once
// The one error tree of QAIL. Every error that stops a command derives from
// qail::Error; its kind decides the exit code, and the CLI catches it in
// exactly one place (cli/run.cpp). Expected outcomes are return values.

#include <stdexcept>
#include <string>
#include <vector>

namespace qail {

/// Process exit codes, as documented in SPEC §3 and docs/errors.md.
enum class ExitCode : int {
    ok = 0,
    changes = 1,   ///< differences or drift found (diff --exit-code, drift, fmt --check)
    bad_input = 2, ///< bad usage or bad input (file, grammar, flags)
    database = 3,  ///< database error (connect, SQL)
    refused = 4,   ///< refused by a safety rule
    cancelled = 5, ///< cancelled at a prompt
    internal = 70, ///< a bug in QAIL (EX_SOFTWARE)
};

enum class ErrorKind { usage, input, database, refused, cancelled, internal };

ExitCode exit_code_for(ErrorKind kind);
const char* to_string(ErrorKind kind);

class Error : public std::runtime_error {
public:
    Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), m_kind(kind) {}
    ErrorKind kind() const { return m_kind; }
    ExitCode exit_code() const { return exit_code_for(m_kind); }

private:
    ErrorKind m_kind;
};

/// Bad command-line usage: unknown flag, missing argument, conflicting options.
class UsageError : public Error {
public:
    explicit UsageError(const std::string& message) : Error(ErrorKind::usage, message) {}
};

/// A refusal by a safety rule (unconfirmed drop, checksum mismatch, lock held, ...).
class RefusedError : public Error {
public:
    explicit RefusedError(const std::string& message) : Error(ErrorKind::refused, message) {}
};

/// The user answered "cancel" at a prompt.
class CancelledError : public Error {
public:
    explicit CancelledError(const std::string& message) : Error(ErrorKind::cancelled, message) {}
};

/// A bug: an invariant that should hold did not.
class InternalError : public Error {
public:
    explicit InternalError(const std::string& message) : Error(ErrorKind::internal, message) {}
};

/// A database error. Carries the SQLSTATE and the statement that failed;
/// pg/sqlstate.hpp classifies the SQLSTATE.
class DatabaseError : public Error {
public:
    DatabaseError(const std::string& message, std::string sqlstate = {}, std::string statement = {})
        : Error(ErrorKind::database, message), m_sqlstate(std::move(sqlstate)),
          m_statement(std::move(statement)) {}
    const std::string& sqlstate() const { return m_sqlstate; }
    const std::string& statement() const { return m_statement; }

private:
    std::string m_sqlstate;
    std::string m_statement;
};

/// One located problem in an input file.
struct Diagnostic {
    std::string file;      ///< path as the user named it ("<stdin>" for standard input)
    int line = 0;          ///< 1-based; 0 when the problem is not tied to a line
    int column = 0;        ///< 1-based byte column
    int length = 1;        ///< how many bytes the caret underlines
    std::string line_text; ///< the source line, without its newline
    std::string message;
    std::string help; ///< e.g. "did you mean 'not_null'?" (may be empty)

    /// `file:line:col: error: message`, the line, a caret, and the help line.
    std::string render(bool color = false) const;
};

/// Bad input: one or more located diagnostics (exit 2).
class InputError : public Error {
public:
    explicit InputError(std::vector<Diagnostic> diagnostics);
    explicit InputError(Diagnostic diagnostic);
    /// An input problem that has no file position (a missing file, say).
    explicit InputError(const std::string& message);
    const std::vector<Diagnostic>& diagnostics() const { return m_diagnostics; }
    /// All diagnostics rendered, separated by blank lines.
    std::string render(bool color = false) const;

private:
    std::vector<Diagnostic> m_diagnostics;
};

} // namespace qail
