#pragma once
// Tables, columns and table constraints.

#include <optional>
#include <string>
#include <vector>

#include <qail/model/names.hpp>

namespace qail::model {

enum class IdentityKind { none, always, by_default };

/// Options of a sequence, also used for identity columns. Empty = PostgreSQL's default.
struct SequenceOptions {
    std::optional<std::string> data_type; ///< "bigint" (sequences default to bigint; identity to the column type)
    std::optional<long long> start;
    std::optional<long long> increment;
    std::optional<long long> min_value;
    std::optional<long long> max_value;
    std::optional<long long> cache;
    bool cycle = false;
    bool operator==(const SequenceOptions&) const = default;
};

struct Column {
    std::string name;
    /// Canonical type text as format_type() prints it with search_path=public:
    /// "integer", "character varying(255)", "timestamp with time zone",
    /// "numeric(12,2)", "text[]", "billing.money_amount". The pseudo-types
    /// "serial", "bigserial" and "smallserial" stand for an integer column with
    /// its own owned sequence and nextval() default (which the model then omits).
    std::string type;
    bool not_null = false;
    std::optional<std::string> default_expr; ///< SQL expression text
    IdentityKind identity = IdentityKind::none;
    SequenceOptions identity_options; ///< only meaningful with identity
    std::optional<std::string> generated_expr; ///< GENERATED ALWAYS AS (expr) STORED
    std::optional<std::string> collation;      ///< non-default collation name, e.g. "C" or "de_DE"
    std::optional<std::string> storage;        ///< non-default STORAGE (plain|external|extended|main)
    std::optional<std::string> compression;    ///< non-default COMPRESSION (pglz|lz4)
    SourceRef origin;
    bool operator==(const Column&) const = default;
};

enum class FkAction { no_action, restrict, cascade, set_null, set_default };
enum class FkMatch { simple, full, partial };

/// Deferrability shared by PK, UNIQUE, FK and EXCLUDE constraints.
struct Deferral {
    bool deferrable = false;
    bool initially_deferred = false;
    bool operator==(const Deferral&) const = default;
};

struct PrimaryKey {
    std::string name; ///< always set after normalisation (default "<table>_pkey")
    std::vector<std::string> columns;
    std::vector<std::string> include;
    Deferral deferral;
    SourceRef origin;
    bool operator==(const PrimaryKey&) const = default;
};

struct UniqueConstraint {
    std::string name; ///< default "<table>_<cols>_key"
    std::vector<std::string> columns;
    std::vector<std::string> include;
    bool nulls_not_distinct = false;
    Deferral deferral;
    SourceRef origin;
    bool operator==(const UniqueConstraint&) const = default;
};

struct CheckConstraint {
    std::string name;       ///< default "<table>_<col>_check" (one column) or "<table>_check"
    std::string expression; ///< SQL boolean expression, without the outer CHECK ( )
    bool no_inherit = false;
    bool not_valid = false;
    SourceRef origin;
    bool operator==(const CheckConstraint&) const = default;
};

struct ForeignKey {
    std::string name; ///< default "<table>_<cols>_fkey"
    std::vector<std::string> columns;
    QualifiedName ref_table;
    std::vector<std::string> ref_columns; ///< never empty after normalisation
    FkAction on_delete = FkAction::no_action;
    FkAction on_update = FkAction::no_action;
    FkMatch match = FkMatch::simple;
    Deferral deferral;
    bool not_valid = false;
    SourceRef origin;
    bool operator==(const ForeignKey&) const = default;
};

/// One element of an index or an exclusion constraint.
struct IndexElement {
    /// A column name (as stored, unquoted) when `is_expression` is false;
    /// otherwise the expression text as pg_get_indexdef prints it, e.g.
    /// "lower(email)" or "(a + b)".
    std::string key;
    bool is_expression = false;
    std::optional<std::string> collation;
    std::optional<std::string> opclass; ///< non-default operator class, e.g. "text_pattern_ops"
    std::optional<std::string> opclass_params; ///< "(siglen=32)"
    bool descending = false;
    /// NULLS FIRST/LAST when it differs from the default for the direction.
    std::optional<bool> nulls_first;
    SourceRef origin;
    bool operator==(const IndexElement&) const = default;
};

struct ExclusionElement {
    IndexElement element;
    std::string op; ///< operator, e.g. "=" or "&&"
    bool operator==(const ExclusionElement&) const = default;
};

struct ExclusionConstraint {
    std::string name; ///< default "<table>_<cols>_excl"
    std::string method = "gist";
    std::vector<ExclusionElement> elements;
    std::vector<std::string> include;
    std::optional<std::string> where; ///< predicate text
    Deferral deferral;
    SourceRef origin;
    bool operator==(const ExclusionConstraint&) const = default;
};

/// PARTITION OF parent FOR VALUES ...
struct PartitionOf {
    QualifiedName parent;
    /// The bound as pg_get_expr(relpartbound) prints it:
    /// "FOR VALUES FROM ('2020-01-01') TO ('2021-01-01')", "FOR VALUES IN (1, 2)",
    /// "FOR VALUES WITH (modulus 4, remainder 0)" or "DEFAULT".
    std::string bound;
    bool operator==(const PartitionOf&) const = default;
};

struct Table {
    QualifiedName name;
    /// Declared order. For a partition, the parent's columns are implied and
    /// this lists nothing but local overrides (defaults, NOT NULL).
    std::vector<Column> columns;
    std::optional<PrimaryKey> primary_key;
    std::vector<UniqueConstraint> uniques;         ///< sorted by name
    std::vector<CheckConstraint> checks;           ///< sorted by name
    std::vector<ForeignKey> foreign_keys;          ///< sorted by name
    std::vector<ExclusionConstraint> exclusions;   ///< sorted by name
    /// PARTITION BY as pg_get_partkeydef prints it: "RANGE (created_at)", "LIST (region)", "HASH (id)".
    std::optional<std::string> partition_by;
    std::optional<PartitionOf> partition_of;
    bool unlogged = false;
    bool rls_enabled = false;
    bool rls_forced = false;
    /// Storage parameters, "name=value", sorted: {"autovacuum_enabled=false", "fillfactor=70"}.
    std::vector<std::string> options;
    SourceRef origin;
    bool operator==(const Table&) const = default;

    const Column* find_column(std::string_view column_name) const;
    Column* find_column(std::string_view column_name);
};

const char* to_sql(FkAction action);   ///< "NO ACTION", "CASCADE", ...
const char* to_qail(FkAction action);  ///< "no_action", "cascade", ...

} // namespace qail::model
