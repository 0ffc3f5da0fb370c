#pragma once
// The safety guard (impact analysis, backup choice, backups) as the migrate
// commands hook it in; implemented in migrate_state.cpp.

#include <filesystem>
#include <memory>
#include <optional>

#include <qail/cli/migrate_commands.hpp>
#include <qail/exec/apply.hpp>
#include <qail/pg/connection.hpp>
#include <qail/safety/guard.hpp>

namespace qail::cli {

/// `migrate apply`: hooks impact analysis, the backup choice and the
/// backups into the request. nullptr for a dry run or --direction down.
std::shared_ptr<safety::Guard> guard_apply(Runtime& rt, const ApplyOptions& options,
                                           exec::ApplyRequest& request);

} // namespace qail::cli
