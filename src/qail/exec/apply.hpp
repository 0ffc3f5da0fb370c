#pragma once
// File-based migrations: `qail migrate apply` (pending delta files, phase by
// phase), `migrate apply --direction down` and `migrate rollback --to`.
// Every writing run holds the MigrationLock, creates _qail_migrations when
// missing, verifies the checksums of applied files, and checks the phase
// order, unconfirmed drops and (for contract) the codebase before anything runs.

#include <filesystem>
#include <functional>
#include <utility>
#include <vector>
#include <optional>
#include <string>

#include <qail/exec/discovery.hpp>
#include <qail/exec/output.hpp>
#include <qail/exec/runner.hpp>
#include <qail/pg/connection.hpp>

namespace qail::exec {

struct ApplyRequest {
    std::filesystem::path migrations_dir;
    std::optional<plan::Phase> phase; ///< nullopt: all phases
    bool dry_run = false;
    bool allow_destructive = false;
    bool allow_contract_with_references = false;
    bool wait_for_lock = false;
    std::optional<std::filesystem::path> codebase;
    RunSettings settings;
    /// Called after the checks, before anything runs (not in a dry run), with
    /// each pending file's version and steps (impact analysis and backups).
    std::function<void(pg::Connection&,
                       const std::vector<std::pair<std::string, const std::vector<DeltaStep>*>>&)>
        before_run;
};

struct ApplySummary {
    int files = 0;    ///< files applied (or, in a dry run, that would be)
    int steps = 0;
    int resumed = 0;  ///< files that continued an interrupted run
    long long duration_ms = 0;
};

/// `qail migrate apply`: runs the pending up files (all phases, or one).
ApplySummary apply_migrations(pg::Connection& conn, const ApplyRequest& request,
                              const Output& output);

struct RollbackRequest {
    std::filesystem::path migrations_dir;
    /// A version as _qail_migrations stores it (also a migration key, which
    /// keeps that whole migration), or "base" for everything.
    std::string to;
    bool wait_for_lock = false;
    RunSettings settings;
};

struct RollbackSummary {
    int files = 0;      ///< up files undone
    int migrations = 0; ///< migrations touched
    long long duration_ms = 0;
};

/// `qail migrate rollback --to <version>`: undoes every file applied after
/// `to`, newest first: a whole migration with its down file, a single phase
/// with its per-phase down file (refused, exit 4, when that file is missing).
RollbackSummary rollback_migrations(pg::Connection& conn, const RollbackRequest& request,
                                    const Output& output);

/// `qail migrate apply --direction down`: undoes the newest applied
/// migration (or, with a phase, only that phase of the newest migration that has it).
RollbackSummary apply_down(pg::Connection& conn, const std::filesystem::path& migrations_dir,
                           std::optional<plan::Phase> phase, bool wait_for_lock,
                           const RunSettings& settings, const Output& output);

/// The down file that would undo only `file`'s phase, where discovery looks for it.
std::filesystem::path expected_phase_down(const std::filesystem::path& migrations_dir,
                                          const Migration& migration, const DeltaFile& file);

} // namespace qail::exec
