#pragma once
// A chunked backfill (SPEC §5): UPDATE ... SET ... over the table in
// primary-key order (keyset pagination: any key type, composite keys too), a
// chunk of keys at a time, each chunk its own transaction, so no row lock is
// held longer than one chunk. Chunks are disjoint key ranges. With a
// checkpoint key, each chunk's transaction also records the last key done in
// _qail_backfill_checkpoints, so a run killed at any point resumes after the
// last committed chunk: no row is done twice or missed.

#include <chrono>
#include <functional>
#include <ostream>
#include <string>

#include <qail/exec/delta.hpp>
#include <qail/pg/connection.hpp>

namespace qail::exec {

struct BackfillResult {
    long long rows = 0;
    long long chunks = 0;
    bool resumed = false; ///< continued from a checkpoint
};

struct BackfillOptions {
    long long chunk_size = 5000;
    /// Sleep between chunks (gives replicas and vacuum room).
    std::chrono::milliseconds pause{0};
    /// "<version>#<step>": the checkpoint row; empty: no checkpoint.
    std::string checkpoint;
    /// Runs one chunk's transaction, retrying it on lock timeouts (identity when unset).
    std::function<void(const std::function<void()>&)> retry;
    /// Redraw one progress line (a terminal) instead of printing plain lines.
    bool terminal = false;
};

/// Runs `spec` on `conn` (which must not be in a transaction). Progress goes to
/// `progress`: on a terminal one line redrawn (rows, rows/s, ETA), otherwise a
/// plain line every few seconds, and one at the end.
BackfillResult run_backfill(pg::Connection& conn, const BackfillSpec& spec,
                            const BackfillOptions& options, std::ostream& progress);

/// Forgets the checkpoints of `version` (a fresh run of that file starts over).
void clear_backfill_checkpoints(pg::Connection& conn, const std::string& version);

} // namespace qail::exec
