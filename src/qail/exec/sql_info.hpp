#pragma once
// What a raw SQL statement (from a `sql $$ ... $$` block) does, read from its
// leading keywords: whether PostgreSQL forbids it inside a transaction block,
// the lock it takes and on what, and the tables and columns it drops. A light
// token scan, not a parser: enough to plan and guard raw statements.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <qail/model/names.hpp>
#include <qail/plan/plan.hpp>

namespace qail::exec {

/// A table, or one column of it, that a statement removes.
struct DroppedName {
    model::QualifiedName table;
    std::string column; ///< empty for the whole table
    bool operator==(const DroppedName&) const = default;
    std::string display() const; ///< "users" or "users.email"
};

struct SqlInfo {
    plan::StepKind kind = plan::StepKind::alter_table; ///< best guess, for messages
    /// CREATE/DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY, ALTER TYPE ... ADD
    /// VALUE, VACUUM, CREATE/DROP DATABASE, ALTER SYSTEM, tablespaces.
    bool outside_transaction = false;
    /// BEGIN, COMMIT, ROLLBACK, SAVEPOINT, ...: not allowed in a delta file.
    bool transaction_control = false;
    plan::LockLevel lock = plan::LockLevel::none;
    bool lock_known = false; ///< false: the statement kind is not one we read
    model::QualifiedName relation; ///< what `lock` is taken on (empty name: nothing existing)
    /// CREATE INDEX [CONCURRENTLY] <name>: the index, for resuming a killed build.
    std::optional<model::QualifiedName> created_index;
    bool concurrently = false;
    std::vector<DroppedName> dropped;
};

SqlInfo classify_sql(std::string_view statement);

/// Splits a script into statements (dollar quotes, comments and strings
/// respected), each trimmed, without its ';'; statements that are only
/// comments are left out.
std::vector<std::string> split_sql(std::string_view script);

/// One token of SQL text: an identifier or keyword (folded to lower case
/// unless it was quoted), a number, a string literal, or one punctuation character.
struct SqlToken {
    enum class Kind { word, quoted, number, string, punct };
    Kind kind = Kind::word;
    std::string text;
    size_t offset = 0;
};

/// Tokens outside comments. Never reads past `text`.
std::vector<SqlToken> sql_tokens(std::string_view text);

} // namespace qail::exec
