#pragma once
// Names of database objects. Names are stored exactly as PostgreSQL stores
// them (already case-folded: an unquoted `Users` in a .qail file is `users`
// here); quoting is the business of the printers.

#include <compare>
#include <string>
#include <vector>

namespace qail::model {

/// The schema objects land in when a name has no schema.
inline constexpr const char* k_default_schema = "public";

/// Where an object was declared, for error messages. Never part of equality:
/// two models that differ only in where things were written are equal.
struct SourceRef {
    std::string file;
    int line = 0;
    int column = 0;
    /// Whole-line comments written just before the declaration, verbatim with
    /// their `#` or `--` (kept so that `qail fmt` prints them back).
    std::vector<std::string> comments;
    /// A comment at the end of the declaration's line ("# was 'username'").
    std::string trailing_comment;
    /// Comments inside a block that precede its closing `}` (or that belong to
    /// no line of their own); for a whole schema, the comments after the last statement.
    std::vector<std::string> closing_comments;
    bool operator==(const SourceRef&) const { return true; }
    std::strong_ordering operator<=>(const SourceRef&) const { return std::strong_ordering::equal; }
    bool known() const { return line > 0; }
};

/// schema.name. `schema` is never empty in a normalised model.
struct QualifiedName {
    std::string schema = k_default_schema;
    std::string name;

    auto operator<=>(const QualifiedName&) const = default;
    bool operator==(const QualifiedName&) const = default;
    /// "name" for the default schema, else "schema.name" (unquoted; for messages).
    std::string display() const;
};

QualifiedName qualified(std::string schema, std::string name);
/// Parses "a" or "a.b" without quoting rules (for tests and messages only).
QualifiedName qualified(const std::string& dotted);

} // namespace qail::model
