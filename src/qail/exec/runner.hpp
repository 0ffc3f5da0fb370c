#pragma once
// The step executor (SPEC §5). One file (or one state migration) is a list of
// steps. Contiguous transactional steps run in one transaction, which also
// writes the file's history row (its final row, or a 'partial' progress row
// when more steps follow). A step PostgreSQL forbids in a transaction block
// runs alone, after a committed 'partial' row that says how many steps are
// done, so that a re-run resumes after the last completed step. A concurrent
// index build that was killed leaves an INVALID index: it is dropped
// (concurrently) and rebuilt. DDL waits at most `lock_timeout` for its lock
// and is retried with backoff.

#include <chrono>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <qail/exec/delta.hpp>
#include <qail/exec/history.hpp>
#include <qail/exec/output.hpp>
#include <qail/pg/connection.hpp>

namespace qail::exec {

struct RunSettings {
    std::chrono::milliseconds lock_timeout{2000};
    /// Attempts of a step (or transaction, or backfill chunk) that fails on a
    /// lock timeout (SQLSTATE 55P03) or serialization failure; the waits between
    /// them double from 0.5 s, with up to half again of random jitter.
    int lock_attempts = 5;
    long long backfill_chunk_size = 5000;
    /// Sleep between backfill chunks.
    std::chrono::milliseconds backfill_pause{0};
    /// When set, wins over a backfill file's own chunk_size.
    std::optional<long long> backfill_chunk_override;
    /// Outside any transaction, once before the steps of one transaction (or
    /// one step that runs alone) start, whatever retries follow: where a
    /// backup copies the bulk of what those steps drop without holding
    /// their locks. `version` is the history row's (empty for undo jobs).
    std::function<void(pg::Connection&, const std::string& version,
                       std::span<const DeltaStep> steps)>
        before_steps;
    /// Inside the transaction, right before a destructive step runs: where a
    /// backup finishes under the step's own lock. A destructive step that
    /// would run alone runs in a transaction of its own when this is set.
    std::function<void(pg::Connection&, const std::string& version, const plan::Step&)>
        before_destructive;
    /// Outside any transaction, after the steps that before_steps announced
    /// committed (a backup tidies up there, without holding their locks).
    std::function<void(pg::Connection&, const std::string& version)> after_steps;
    /// Inside the transaction that records the job as done.
    std::function<void(pg::Connection&, const std::string& version)> on_done;
    /// When the job fails (the connection may be unusable): undo what
    /// before_steps left in place. Must not throw.
    std::function<void(pg::Connection&)> on_failure;
    /// Written to the history rows (qail_version column).
    std::string qail_version;
};

struct FileJob {
    /// The history row to write: version, name, phase, checksum, sql_up,
    /// sql_down filled in by the caller; status, steps_done and duration by
    /// the runner. Its duration_ms may hold time spent by an earlier, interrupted run.
    HistoryRow row;
    std::vector<DeltaStep> steps;
    /// True when an interrupted run left a 'partial' row; resume_from is its
    /// steps_done (the steps already done).
    bool resumed = false;
    int resume_from = 0;
    /// Instead of recording `row` at the end (rollback: delete rows), run this
    /// inside the last transaction. Such jobs write no progress rows.
    std::function<void(pg::Connection&)> finish;
};

struct FileResult {
    int steps_run = 0;
    long long duration_ms = 0;
    long long rows = 0; ///< rows a backfill updated
};

/// Session settings for migrating: lock_timeout, and a check that ends the
/// backend when the client dies (so a killed QAIL frees its locks at once).
void prepare_session(pg::Connection& conn, const RunSettings& settings);

/// Runs one job. Progress for steps that run alone goes to `output.err`.
FileResult run_file(pg::Connection& conn, History& history, FileJob& job,
                    const RunSettings& settings, const Output& output);

/// "1,234 ms" style duration used in messages.
std::string format_duration(long long ms);

} // namespace qail::exec
