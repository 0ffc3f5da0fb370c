#pragma once
// Migration hints: what a schema file says about how to get from the old
// state to the new one (renames, transforms, confirmed drops).

#include <optional>
#include <string>
#include <vector>

#include <qail/model/names.hpp>

namespace qail::model {

/// `rename t.a -> t.b` (column) or `rename table a -> b`.
struct RenameHint {
    enum class Target { column, table, index, view, type, sequence, function, schema };
    Target target = Target::column;
    QualifiedName from; ///< for a column: the table
    QualifiedName to;   ///< for a column: the table (same as `from`)
    std::string from_column;
    std::string to_column;
    SourceRef origin;
    bool operator==(const RenameHint&) const = default;
};

/// `transform <sql expr> -> t.col`: how to compute the new value of a column.
struct TransformHint {
    std::string expression;
    QualifiedName table;
    std::string column;
    SourceRef origin;
    bool operator==(const TransformHint&) const = default;
};

/// `drop t.c confirm`, `drop confirm t.c`, `drop table x confirm`, `drop index i` ...
struct DropHint {
    enum class Target {
        column, table, index, view, materialized_view, sequence, type, function,
        trigger, policy, extension, schema, constraint,
    };
    Target target = Target::column;
    QualifiedName name;  ///< the object; for column/trigger/policy/constraint, the table
    std::string member;  ///< column, trigger, policy or constraint name
    std::string args;    ///< function argument types, when given
    bool confirmed = false;
    SourceRef origin;
    bool operator==(const DropHint&) const = default;
};

const char* to_string(RenameHint::Target target);
const char* to_string(DropHint::Target target);

} // namespace qail::model
