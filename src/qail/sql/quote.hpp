#pragma once
// Quoting of SQL identifiers and literals. Every name or value that ends up in
// generated SQL passes through here; nothing is pasted.

#include <string>
#include <string_view>

namespace qail::sql {

/// A name as PostgreSQL's quote_ident() would write it: bare when it is a
/// lower-case identifier that is not a reserved word, otherwise in double quotes.
std::string quote_ident(std::string_view name);

/// schema.name, each part quoted as needed; the schema is left out when it is
/// empty or "public" and `keep_public` is false.
std::string quote_qualified(std::string_view schema, std::string_view name,
                            bool keep_public = false);

/// A string literal: 'it''s'. QAIL always runs with standard_conforming_strings
/// on, so backslashes need no escaping.
std::string quote_literal(std::string_view text);

/// True when the name needs no quotes (lower-case identifier, not a keyword
/// that quote_ident() would quote).
bool is_bare_identifier(std::string_view name);

/// True for PostgreSQL keywords that are not "unreserved" (pg_get_keywords
/// catcode <> 'U'), which must be quoted as column or table names.
bool is_reserved_keyword(std::string_view word);

} // namespace qail::sql
