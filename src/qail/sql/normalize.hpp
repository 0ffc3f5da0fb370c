#pragma once
// SQL text canonicalisation with libpg_query (PostgreSQL's own parser).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qail::sql {

/// The parse tree of `SELECT <expression>` without token positions, so that
/// two spellings of one expression ("now()" / "NOW( )", "(a > 0)" / "a>0")
/// compare equal. nullopt when the text does not parse.
std::optional<std::string> expression_key(std::string_view expression);

/// Same for a whole statement or query (view definitions, function bodies in SQL).
std::optional<std::string> statement_key(std::string_view statement);

/// The output columns of a simple SELECT (no UNION/INTERSECT/EXCEPT at the
/// top): each one's name and a key of its expression (parse tree without
/// positions). nullopt when the query is not such a SELECT or does not parse.
struct SelectColumn {
    std::string name;
    std::string expression_key;
    bool operator==(const SelectColumn&) const = default;
};
std::optional<std::vector<SelectColumn>> select_columns(std::string_view query);

/// Splits a script into statements (libpg_query's scanner-based splitter;
/// handles dollar quotes and comments). Each statement without its ';'.
std::vector<std::string> split_statements(std::string_view script);

} // namespace qail::sql
