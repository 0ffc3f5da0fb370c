#pragma once
// SQL text helpers that need no model: how generated SQL spells types, how
// bodies are dollar-quoted, and which names an expression or query mentions
// (for dependency ordering).

#include <string>
#include <string_view>
#include <vector>

namespace qail::sql {

/// The short upper-case SQL spelling of a canonical (format_type) type:
///   "integer" -> "INTEGER", "timestamp without time zone" -> "TIMESTAMP",
///   "timestamp(3) with time zone" -> "TIMESTAMPTZ(3)", "character varying(20)" -> "VARCHAR(20)",
///   "numeric(12,2)" -> "NUMERIC(12,2)", "text[]" -> "TEXT[]", "serial" -> "SERIAL".
/// Types that are not built in (extension, user, schema-qualified types) are
/// returned unchanged: format_type already quotes them as SQL needs.
std::string render_type(std::string_view canonical);

/// `body` between dollar quotes whose tag does not occur in it: $$...$$, else $qail$...$qail$, ...
std::string dollar_quote(std::string_view body);

/// A (possibly qualified) name mentioned in SQL text.
struct NameRef {
    std::string schema; ///< empty when unqualified
    std::string name;   ///< case-folded unless it was quoted
    bool call = false;  ///< followed by '(' (a function call, or a type modifier)
    bool operator==(const NameRef&) const = default;
};

/// Every identifier chain in `text` (outside comments and string literals),
/// plus the contents of string literals cast to ::regclass / ::regproc (as in
/// nextval('seq'::regclass)). Keywords are not filtered: callers match the
/// names against the objects they know, so an extra name costs nothing.
std::vector<NameRef> referenced_names(std::string_view text);

/// Splits "a.b" / "\"A\".b" / "b" (a type or relation name as format_type or
/// the model prints it) into schema and name, unquoting; strips array
/// brackets and type modifiers.
NameRef parse_name(std::string_view text);

} // namespace qail::sql
