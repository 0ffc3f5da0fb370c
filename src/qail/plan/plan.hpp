#pragma once
// A migration plan: the ordered steps that turn one schema into another, each
// with its SQL and what running it means (lock, risk, phase, data at risk,
// transaction needs, inverse). `qail diff` prints it; migrate new/plan/up,
// impact analysis and phased apply consume it.

#include <optional>
#include <string>
#include <vector>

#include <qail/model/names.hpp>
#include <qail/model/objects.hpp>

namespace qail::plan {

enum class StepKind {
    // set-up
    set_config,            ///< SET check_function_bodies = false
    create_extension, alter_extension, drop_extension,
    create_schema, drop_schema,
    // types
    create_enum, add_enum_value, rename_enum_value, rebuild_enum,
    create_domain, alter_domain, drop_domain,
    create_composite_type, alter_composite_type,
    drop_type,
    rename_type,
    // sequences
    create_sequence, alter_sequence, sequence_owned_by, drop_sequence,
    // functions
    create_function, replace_function, drop_function,
    // tables
    create_table, drop_table, rename_table, alter_table, ///< alter_table: options, unlogged
    attach_partition, detach_partition,
    add_column, drop_column, rename_column,
    alter_column_type, set_default, drop_default,
    set_not_null, drop_not_null,
    alter_identity, alter_column, ///< alter_column: collation, storage, generated...
    add_constraint, validate_constraint, drop_constraint, rename_constraint,
    enable_rls, disable_rls, force_rls, no_force_rls,
    backfill, ///< UPDATE ... SET col = expr (transform hints, NOT NULL fills)
    // indexes
    create_index, drop_index, rename_index,
    // views
    create_view, replace_view, drop_view, rename_view,
    // triggers and policies
    create_trigger, drop_trigger, alter_trigger,
    create_policy, alter_policy, drop_policy,
    // privileges and metadata
    grant, revoke, comment, set_owner,
};

/// Table-level lock modes, weakest first (PostgreSQL docs, "Explicit Locking").
enum class LockLevel {
    none,
    access_share,
    row_share,
    row_exclusive,
    share_update_exclusive,
    share,
    share_row_exclusive,
    exclusive,
    access_exclusive,
};

/// 🟢 low: default, comment, grant, new objects · 🟡 medium: index or
/// constraint change, a lock on an existing table · 🔴 high: data at risk.
enum class Risk { low, medium, high };

/// Zero-downtime phase: expand = additive and lock-safe; backfill = data
/// movement; contract = tightening and removal.
enum class Phase { expand, backfill, contract };

/// What a destructive step may lose, for impact analysis (counted on the live
/// database before anything runs).
struct DataAtRisk {
    enum class Kind {
        none,
        column_values, ///< non-null values of a dropped column
        table_rows,    ///< rows of a dropped table
        failing_cast,  ///< values that a narrowing type change may not convert
        nulls,         ///< NULLs that SET NOT NULL would reject
        enum_values,   ///< rows holding an enum value that is removed
    };
    Kind kind = Kind::none;
    model::QualifiedName table;
    std::string column;
    std::string from_type;   ///< failing_cast: the current type
    std::string to_type;     ///< failing_cast: the new type
    std::string using_expr;  ///< failing_cast: the USING expression, when any
    /// A query that returns the count as one bigint (single row, single column).
    std::string count_sql;
    bool operator==(const DataAtRisk&) const = default;
};

/// The object a step is about.
struct Target {
    model::ObjectKind kind = model::ObjectKind::table;
    model::QualifiedName name; ///< the object, or the table of a column/constraint/trigger/policy
    std::string member;        ///< column, constraint, trigger or policy name
    bool operator==(const Target&) const = default;
    /// "users", "users.email", "billing.invoices.total_check" (for messages).
    std::string display() const;
};

struct Step {
    StepKind kind = StepKind::alter_table;
    Target target;
    std::string sql; ///< one statement, without the trailing ';'
    LockLevel lock = LockLevel::none;
    /// The existing table (or other relation) the lock is taken on; empty
    /// name when the step only touches objects created by this plan.
    model::QualifiedName locked_relation;
    Risk risk = Risk::low;
    std::string reason; ///< why this risk, in a few words
    Phase phase = Phase::expand;
    /// Must run outside a transaction block (CREATE/DROP INDEX CONCURRENTLY,
    /// ALTER TYPE ... ADD VALUE whose value a later step uses).
    bool outside_transaction = false;
    bool destructive = false;
    DataAtRisk at_risk;
    /// SQL that undoes this step (structure only; data comes back from backups),
    /// when there is such a statement.
    std::optional<std::string> inverse_sql;
    bool operator==(const Step&) const = default;
};

struct Plan {
    std::vector<Step> steps;
    /// Notes for the user that do not change the SQL (e.g. an object kind that
    /// could only be compared approximately).
    std::vector<std::string> notes;

    bool empty() const { return steps.empty(); }
    /// Every step's SQL followed by ";\n" (runnable with psql -v ON_ERROR_STOP=1).
    std::string sql() const;
    bool has_destructive() const;
};

const char* to_string(StepKind kind);  ///< "create_table", "add_column", ...
const char* to_string(LockLevel lock); ///< "ACCESS EXCLUSIVE", ... ("none")
const char* to_string(Risk risk);      ///< "low", "medium", "high"
const char* to_string(Phase phase);    ///< "expand", "backfill", "contract"
const char* risk_label(Risk risk);     ///< "🟢 LOW", "🟡 MEDIUM", "🔴 HIGH"

} // namespace qail::plan
