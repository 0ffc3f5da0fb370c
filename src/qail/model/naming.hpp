#pragma once
// PostgreSQL's rules for the names it picks itself, so that a constraint
// written without a name in a .qail file gets the name the server would give
// it (src/backend/commands/indexcmds.c ChooseIndexName, catalog/pg_constraint.c
// ChooseConstraintName, makeObjectName in commands/indexcmds.c).

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace qail::model {

/// Longest identifier PostgreSQL keeps (NAMEDATALEN - 1).
inline constexpr size_t k_max_identifier_length = 63;

/// makeObjectName: name1[_name2][_label], shortening name1/name2 to fit 63 bytes.
std::string make_object_name(std::string_view name1, std::string_view name2,
                             std::string_view label);

/// Column part of a default name: the columns joined with '_' (ChooseIndexNameAddition).
std::string name_addition(std::span<const std::string> columns);

std::string default_primary_key_name(std::string_view table);
std::string default_unique_name(std::string_view table, std::span<const std::string> columns);
std::string default_foreign_key_name(std::string_view table, std::span<const std::string> columns);
std::string default_exclusion_name(std::string_view table, std::span<const std::string> columns);
/// `column` is the single column the expression references, or empty when it
/// references none or several (then the name is "<table>_check").
std::string default_check_name(std::string_view table, std::string_view column);
std::string default_index_name(std::string_view table, std::span<const std::string> columns);
std::string default_domain_check_name(std::string_view domain);
/// "<table>_<column>_seq", shortened like PostgreSQL does for serial columns.
std::string default_serial_sequence_name(std::string_view table, std::string_view column);
/// The sequence a `nextval('<name>'::regclass)` (or `nextval('<name>')`)
/// default names, as written between the quotes without double quotes
/// ("users_id_seq", "app.users_id_seq"); nullopt for any other expression.
std::optional<std::string> nextval_sequence_text(std::string_view default_expr);

/// Appends 1, 2, ... to the label until `taken(name)` is false, as ChooseConstraintName does.
template <typename Taken>
std::string choose_unique_name(std::string_view name1, std::string_view name2,
                               std::string_view label, Taken taken) {
    std::string candidate = make_object_name(name1, name2, label);
    for (int pass = 1; taken(candidate); ++pass) {
        candidate = make_object_name(name1, name2, std::string(label) + std::to_string(pass));
    }
    return candidate;
}

/// The identifiers a SQL expression mentions that are names in `columns`
/// (outside string literals, not called as functions, not after '::'), each once,
/// in order of first appearance. Used to name CHECK constraints as PostgreSQL does.
std::vector<std::string> referenced_columns(std::string_view expression,
                                            std::span<const std::string> columns);

} // namespace qail::model
