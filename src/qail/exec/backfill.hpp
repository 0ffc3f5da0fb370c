#pragma once
// A chunked backfill (SPEC §5): UPDATE ... SET ... over the table in
// primary-key order, a chunk of keys at a time, each chunk its own
// transaction, so no row lock is held longer than one chunk. Chunks are
// disjoint key ranges: no row is visited twice.

#include <ostream>

#include <qail/exec/delta.hpp>
#include <qail/pg/connection.hpp>

namespace qail::exec {

struct BackfillResult {
    long long rows = 0;
    long long chunks = 0;
};

/// Runs `spec` on `conn` (which must not be in a transaction). Progress lines
/// go to `progress` (at most one a second, and one at the end).
BackfillResult run_backfill(pg::Connection& conn, const BackfillSpec& spec, long long chunk_size,
                            std::ostream& progress);

} // namespace qail::exec
