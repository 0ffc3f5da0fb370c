#pragma once
// diff::Result -> Plan: SQL for every change, lock-safe where PostgreSQL
// allows it, in a deterministic dependency order.

#include <qail/diff/diff.hpp>
#include <qail/plan/plan.hpp>

namespace qail::plan {

struct BuildOptions {
    /// CREATE INDEX CONCURRENTLY, constraints NOT VALID + VALIDATE, SET NOT
    /// NULL through a validated CHECK, on tables that exist before the plan.
    /// Off: the plain statements (one transaction can hold them all).
    bool lock_safe = true;
};

/// Steps for `changes` (computed from `from` to `to`). Order: a dependency
/// graph (FKs after their tables, views after what they read, functions
/// before the defaults/checks that call them, types before their columns,
/// dependents dropped before what they depend on) sorted topologically; ties
/// go by phase (expand, backfill, contract), then statement kind, then model
/// order, so the output is deterministic.
Plan build(const diff::Result& changes, const model::Schema& to, const BuildOptions& options = {});

/// diff + build.
Plan plan_migration(const model::Schema& from, const model::Schema& to,
                    const diff::Options& diff_options = {}, const BuildOptions& options = {});

} // namespace qail::plan
