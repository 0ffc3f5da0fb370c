#pragma once
// The delta-file compiler (SPEC §2): one .qail delta file -> the ordered
// steps that apply it. A delta holds
//   - schema statements (`table` creates a table, `index` an index, functions,
//     triggers, views, ...), rendered by plan/ as for `qail diff _ <file>`;
//   - hints: `rename` -> RENAME, `drop ... confirm` -> DROP, `transform expr -> t.c`
//     -> UPDATE t SET c = expr;
//   - upstream's `alter` lines (reference §2.3): `alter t add col:type[:opt]...`,
//     `alter t drop constraint n`, `alter t add constraint n check(expr)`;
//   - `sql $$ ... $$` blocks of raw SQL (several statements allowed);
// or, in a backfill file, only `-- @backfill.<key>: <value>` directives: a
// chunked backfill by primary key (reference §4.6).
// Statements PostgreSQL forbids in a transaction block become steps that run
// alone (outside_transaction).

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <qail/base/error.hpp>
#include <qail/exec/sql_info.hpp>
#include <qail/plan/plan.hpp>

namespace qail::exec {

/// A chunked backfill: UPDATE <table> SET <set> WHERE <where>, a chunk of
/// primary keys at a time, each chunk its own transaction.
struct BackfillSpec {
    std::string file;
    int line = 0;
    model::QualifiedName table;
    /// Key columns; empty: the table's primary key, read from the catalog.
    std::vector<std::string> pk;
    std::string set;                  ///< the SET clause: "col = expr[, col2 = expr2]"
    std::optional<std::string> where; ///< a predicate, or nothing
    std::optional<long long> chunk_size;
    bool operator==(const BackfillSpec&) const = default;

    /// What the backfill does, as one line of pseudo-SQL (dry run, checksum).
    std::string describe() const;
};

/// One step of a delta file: a plan step (SQL, lock, phase, ...), where it
/// was written, and for a backfill-directive file the backfill it runs.
struct DeltaStep {
    plan::Step step;
    int line = 0;
    std::optional<BackfillSpec> backfill;
};

struct CompiledDelta {
    std::string file;
    plan::Phase phase = plan::Phase::expand;
    std::vector<DeltaStep> steps;
    /// Drops of tables or columns without `confirm`, located (refused unless
    /// --allow-destructive).
    std::vector<Diagnostic> unconfirmed_drops;
    /// Tables and columns the file removes (for the contract codebase guard).
    std::vector<DroppedName> dropped;

    /// The SQL of every step (a backfill as its description), in order.
    std::vector<std::string> statements() const;
    /// checksum_statements(statements()).
    std::string checksum() const;
    /// Every step's SQL followed by ";\n".
    std::string sql() const;
    bool has_outside_transaction() const;
};

/// Compiles a delta text. `phase` is the phase of the file (backfill
/// directives are only read in backfill files). Errors are InputErrors with
/// file:line:col.
CompiledDelta compile_delta(std::string_view text, const std::string& file, plan::Phase phase);

/// Reads and compiles a delta file (InputError when it cannot be read).
CompiledDelta compile_delta_file(const std::filesystem::path& path, plan::Phase phase);

} // namespace qail::exec
