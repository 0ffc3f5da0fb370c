#pragma once
// Finding delta files (SPEC §2). Three layouts are read:
//   deltas/<ts>_<name>/{expand,backfill,contract,down}.qail   (folders; legacy up.qail too)
//   deltas/<ts>_<name>.<phase>.up.qail + <ts>_<name>.down.qail (the seed's phased flat files)
//   deltas/NNN_<name>.up.qail + NNN_<name>.down.qail           (flat pairs)
// A migration is one group (one folder, or the flat files sharing a prefix);
// its up files run in phase order; its one down file undoes all of them.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <qail/plan/plan.hpp>

namespace qail::exec {

using plan::Phase;
using plan::to_string;
std::optional<Phase> parse_phase(std::string_view text);

/// One up file: the unit that is applied and recorded in _qail_migrations.
struct DeltaFile {
    /// What _qail_migrations.version holds and `migrate rollback --to` takes:
    /// "<dir>/expand.qail" for folders, the file name for flat files.
    std::string version;
    std::string migration; ///< the group: folder name or shared flat prefix
    Phase phase = Phase::expand;
    std::filesystem::path path;
    /// Optional down file that undoes only this phase ("<dir>/down.<phase>.qail"
    /// or "<key>.<phase>.down.qail"); lets `rollback --to` stop inside a migration.
    std::optional<std::filesystem::path> phase_down;
};

struct Migration {
    std::string key;  ///< group key; migrations run in byte order of it
    std::string name; ///< human name: the key without its leading version number
    std::vector<DeltaFile> up; ///< in phase order
    std::filesystem::path down; ///< undoes the whole migration
};

/// Every migration under `dir`, ordered by version. Throws InputError when a
/// migration has no down file (naming the file it expects), has several, or
/// when .sql migrations are present. A missing `dir` yields no migrations.
std::vector<Migration> discover_migrations(const std::filesystem::path& dir);

/// All up files of `migrations` in the order they apply (version, then phase).
std::vector<DeltaFile> up_files(const std::vector<Migration>& migrations);

/// "add_user_name" from "20260527090000_add_user_name" (also "001_qail_queue" -> "qail_queue").
std::string migration_name(std::string_view key);

} // namespace qail::exec
