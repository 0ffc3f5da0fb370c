#pragma once
// Test-only fault injection (QAIL_FAILPOINT, a comma-separated list):
//   after_step:N   the process kills itself (SIGKILL) right after the N-th
//                  migration step it executed, before that step's
//                  transaction commits or its progress is recorded;
//   after_chunk:N  the same after the N-th committed backfill chunk.
// Steps and chunks are counted over the whole process, from 1.

#include <string_view>

namespace qail::exec {

/// Counts one more event of `kind` ("step" or "chunk") and raises SIGKILL
/// when QAIL_FAILPOINT asks for it.
void failpoint(std::string_view kind);

} // namespace qail::exec
