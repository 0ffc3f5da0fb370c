#pragma once
// Reading the text the catalogs hand back: array literals, ACL items,
// quoted identifiers and the pieces of pg_get_indexdef/pg_get_constraintdef.
// Pure functions (unit-tested without a server).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qail::introspect::text {

/// A one-dimensional array literal as PostgreSQL prints it: {a,"b c",NULL}.
/// NULL elements become empty strings.
std::vector<std::string> parse_array(std::string_view literal);

/// One aclitem: "grantee=privs/grantor" (an empty grantee is PUBLIC).
struct AclItem {
    std::string grantee; ///< "PUBLIC" for the empty grantee
    std::string privileges;  ///< letters, e.g. "arwd"
    std::string grantable;   ///< letters followed by '*' in the item
};
std::optional<AclItem> parse_acl_item(std::string_view item);

/// SELECT, INSERT, ... for an ACL letter; empty for an unknown letter.
std::string privilege_name(char letter);

/// Splits at top-level `separator`s: not inside quotes, parentheses or brackets.
std::vector<std::string> split_top_level(std::string_view text, char separator);

/// Position of `needle` at the top level of `text` (outside quotes and
/// parentheses), or npos.
size_t find_top_level(std::string_view text, std::string_view needle, size_t from = 0);

/// The text between the '(' at `open` and its matching ')', or nullopt.
std::optional<std::string> balanced_group(std::string_view text, size_t open);

/// Length of the identifier (bare, or in double quotes) that `text` starts with.
size_t identifier_length(std::string_view text);

/// "a", "\"A b\"", "s.\"x\"" -> their parts, unquoted.
std::vector<std::string> unquote_qualified(std::string_view text);

/// An index or exclusion element's text after its key, as pg_get_indexdef
/// prints it: " COLLATE \"C\" text_pattern_ops DESC NULLS LAST".
struct ElementSuffix {
    std::optional<std::string> collation; ///< unquoted, pg_catalog/public dropped
    std::optional<std::string> opclass;
    std::optional<std::string> opclass_params; ///< "(siglen='32')"
    bool descending = false;
    std::optional<bool> nulls_first;
};
ElementSuffix parse_element_suffix(std::string_view suffix);

/// An index expression as pg_get_indexdef writes it as a key: a function
/// call as it is ("lower(b)", "COALESCE(a, 0)"), anything else in
/// parentheses ("((a + c))", "((b)::text)").
std::string index_key_text(std::string_view expression);

/// The elements between "USING <method> (" and its ")" of an index definition.
std::vector<std::string> index_definition_elements(std::string_view definition,
                                                   std::string_view method);

/// "CHECK ((a > 0)) NOT VALID" -> "(a > 0)".
std::string check_expression(std::string_view constraint_definition);

/// The condition of pg_get_triggerdef's "WHEN (...)" clause, if any.
std::optional<std::string> trigger_when(std::string_view trigger_definition);

/// The SQL-standard body of pg_get_functiondef's text ("RETURN ..." or "BEGIN ATOMIC ... END").
std::string sql_standard_body(std::string_view function_definition);

/// The arguments of tgargs given as hex: each one ends with a NUL byte.
std::vector<std::string> trigger_arguments(std::string_view hex, int count);

} // namespace qail::introspect::text
