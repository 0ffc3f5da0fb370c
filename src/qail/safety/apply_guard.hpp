#pragma once
// The safety guard for `qail migrate apply` (delta files; the contract phase
// is where drops live): the destructive steps of the files about to run,
// with the version each one is recorded under.

#include <string>
#include <utility>
#include <vector>

#include <qail/exec/delta.hpp>
#include <qail/pg/connection.hpp>
#include <qail/safety/guard.hpp>

namespace qail::safety {

/// Impact, backup choice and file backups for the pending files (what
/// exec::ApplyRequest::before_run receives).
void guard_delta_files(Guard& guard, pg::Connection& conn,
                       const std::vector<std::pair<std::string, const std::vector<exec::DeltaStep>*>>& files);

} // namespace qail::safety
