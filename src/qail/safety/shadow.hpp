#pragma once
// Shadow databases (seed: data-safe-migrations, "Blue-Green"):
//   shadow  — <db>_shadow gets the old schema, the primary's history and the
//             migration old -> new, then the primary's data (COPY streams from
//             one exported snapshot, tables in parallel, renamed tables and
//             columns followed); verified (schema and row counts) and recorded
//             in the primary's _qail_shadow_state.
//   promote — blocks new connections to the primary and ends the others, re-syncs
//             every table written since the sync (or refuses, exit 4, naming
//             them), then renames <db> -> <db>_old_<YYYYMMDD> and the shadow -> <db>.
//   abort   — drops the shadow; the primary stays as it is.

#include <functional>
#include <optional>
#include <string>

#include <qail/exec/output.hpp>
#include <qail/exec/runner.hpp>
#include <qail/model/schema.hpp>
#include <qail/pg/connection.hpp>

namespace qail::safety {

inline constexpr const char* k_shadow_state_table = "_qail_shadow_state";

struct ShadowRequest {
    model::Schema from;
    model::Schema to;
    std::string from_label;
    std::string to_label;
    bool allow_destructive = false;
    exec::RunSettings settings;
    int parallel = 4; ///< tables copied at once
    /// The URL of another database on the same server, for display (no password).
    std::function<std::string(const std::string& dbname)> display_url;
    /// Compares the shadow's live schema with `to`: nullopt when equal, else
    /// what differs. Unset: only tables and columns are compared.
    std::function<std::optional<std::string>(pg::Connection& shadow, const model::Schema& to)>
        verify_schema;
};

struct ShadowSummary {
    std::string shadow_name;
    int tables = 0;
    long long rows = 0;
};

/// Every table and column of `to` exists in `db` (nullopt), else what is missing.
std::optional<std::string> compare_tables_and_columns(pg::Connection& db, const model::Schema& to);

ShadowSummary create_shadow(pg::Connection& primary, const ShadowRequest& request,
                            const exec::Output& output);

struct PromoteSummary {
    std::string old_name;
    std::vector<std::string> resynced;
};

/// Consumes `primary` (its connection must close before the rename).
PromoteSummary promote_shadow(pg::Connection& primary, const exec::Output& output);

void abort_shadow(pg::Connection& primary, const exec::Output& output);

} // namespace qail::safety
