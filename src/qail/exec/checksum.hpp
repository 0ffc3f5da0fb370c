#pragma once
// Migration checksums: SHA-256 of the normalised statements, so that
// reformatting a file or editing its comments does not count as a change,
// while any change to what runs does.

#include <string>
#include <string_view>
#include <vector>

namespace qail::exec {

/// SQL with comments removed and every run of whitespace outside string
/// literals, quoted identifiers and dollar quotes collapsed to one space
/// (none around punctuation), and a trailing semicolon dropped.
std::string normalize_sql(std::string_view sql);

/// Lowercase hex SHA-256 over the normalised statements, one per line.
std::string checksum_statements(const std::vector<std::string>& statements);

} // namespace qail::exec
