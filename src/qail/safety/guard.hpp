#pragma once
// The safety guard around a run of destructive steps (state `migrate up/down`
// and delta `migrate apply`): before anything runs it prints the impact
// analysis and settles the backup choice (the seed's [1]-[4] menu on a
// terminal, else --backup / --yes), writes file backups; then, inside each
// destructive step's transaction, it writes the database backup.

#include <filesystem>
#include <functional>
#include <iosfwd>
#include <map>
#include <optional>
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

    /// Before anything runs. Does nothing when no step is destructive.
    void before_run(pg::Connection& conn, const std::vector<GuardedStep>& steps);
    /// Inside the transaction of a step, right before it runs.
    void before_step(pg::Connection& conn, const plan::Step& step);
    /// Installs the in-run hooks (before_step and whatever a backup needs
    /// around a destructive step's transaction) into `settings`. The guard
    /// must outlive the run.
    void attach(exec::RunSettings& settings);
    /// After the run: where the backups went and how to restore them.
    void print_summary(std::ostream& out) const;

    std::optional<BackupMode> mode() const { return m_mode; }

private:
    GuardOptions m_options;
    std::optional<BackupMode> m_mode;
    std::vector<std::pair<plan::Step, std::string>> m_db_steps; ///< steps to snapshot, version
    std::map<size_t, long long> m_db_rows;                      ///< index -> rows stored
    std::vector<FileSnapshot> m_files;
    std::vector<std::string> m_versions;
};

} // namespace qail::safety
