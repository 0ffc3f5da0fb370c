#pragma once
// The safety guard around a run of destructive steps (state `migrate up/down`
// and delta `migrate apply`): before anything runs it prints the impact
// analysis and settles the backup choice (the [1]-[4] menu on a terminal,
// else --backup / --yes). During the run it backs up each destructive step
// in two halves: the bulk before the step's transaction, with a change
// capture on, and the rows written meanwhile inside that transaction, under
// the step's own lock — so the backup holds exactly what the step removed,
// while writers wait only for the few changed rows.

#include <filesystem>
#include <iosfwd>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <qail/exec/runner.hpp>
#include <qail/pg/connection.hpp>
#include <qail/plan/plan.hpp>
#include <qail/safety/backup.hpp>
#include <qail/safety/impact.hpp>

namespace qail::safety {

struct GuardOptions {
    std::optional<std::string> backup; ///< --backup=none|files|db
    bool yes = false;                  ///< --yes: proceed without a backup
    long long estimate_above = k_default_estimate_above;
    bool interactive = false; ///< stdin and stderr are terminals: ask
    std::istream* in = nullptr;
    std::ostream* err = nullptr;
    std::filesystem::path snapshot_base = "."; ///< where _qail_snapshots/ goes
};

/// A destructive step and the version its backup is recorded under.
struct GuardedStep {
    const plan::Step* step = nullptr;
    std::string version;
};

/// Asks (or reads the flags) which backup to make. Throws CancelledError
/// (exit 5) on [4], RefusedError (exit 4) without a terminal and without flags.
BackupMode choose_backup(const ImpactReport& report, const GuardOptions& options);

class Guard {
public:
    explicit Guard(GuardOptions options) : m_options(std::move(options)) {}
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;

    /// Before anything runs, holding the migration lock. Does nothing when no
    /// step is destructive.
    void before_run(pg::Connection& conn, const std::vector<GuardedStep>& steps);
    /// Installs the in-run hooks into `settings`; the guard must outlive the run.
    void attach(exec::RunSettings& settings);
    /// After the run: where the backups went and how to restore them.
    void print_summary(std::ostream& out) const;

    std::optional<BackupMode> mode() const { return m_mode; }
    /// The backups this run wrote into.
    std::vector<long long> backup_ids() const;

private:
    struct Pending {
        std::string version;
        plan::Step step;
        std::optional<PreparedEntry> prepared;
        bool finishing = false; ///< its transaction ran the second half
        bool done = false;      ///< and committed
        long long rows = 0;
        long long under_lock = 0;
    };
    struct Made {
        BackupTarget target;
        std::vector<long long> entries; ///< entry ids, in order
    };

    Pending* find_pending(const std::string& version, const plan::Step& step);
    Made& backup_for(pg::Connection& conn, const std::string& version);
    void write_manifest_of(pg::Connection& conn, const Made& made) const;
    void before_steps(pg::Connection& conn, const std::string& version,
                      std::span<const exec::DeltaStep> steps);
    void before_step(pg::Connection& conn, const std::string& version, const plan::Step& step);
    void after_steps(pg::Connection& conn);
    void on_done(pg::Connection& conn);
    void on_failure(pg::Connection& conn) noexcept;

    GuardOptions m_options;
    std::optional<BackupMode> m_mode;
    std::vector<Pending> m_pending;
    std::map<std::string, Made> m_made; ///< by version
};

} // namespace qail::safety
