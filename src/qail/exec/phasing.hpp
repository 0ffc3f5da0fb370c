#pragma once
// Zero-downtime phases from a schema diff (SPEC §2, `qail migrate new --from
// --to`, `qail migrate plan`). The lock-safe plan of plan/ is split so that the
// code of the old schema keeps working until contract:
//   expand   additive, lock-safe: new columns nullable (or with a default),
//            indexes CONCURRENTLY, constraints NOT VALID, and for a renamed
//            column the new column plus a trigger that copies every write
//            between the old and the new column while both exist;
//   backfill data movement as chunked backfills (renamed columns copied,
//            NOT NULL columns filled, transform hints);
//   contract VALIDATE, SET NOT NULL through a validated check, the copy
//            triggers and the old columns and tables dropped;
//   down     the inverse, per phase (down.<phase>.qail) and whole (down.qail).

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <qail/exec/delta.hpp>
#include <qail/model/schema.hpp>
#include <qail/plan/plan.hpp>

namespace qail::exec {

/// One step of a phase: a plan step (SQL, lock, risk), or a chunked backfill.
struct PhasedStep {
    plan::Step step;
    std::optional<BackfillSpec> backfill;
    /// When set, the delta-language line written instead of `sql $$ ... $$`
    /// (e.g. `drop users.username confirm`).
    std::string hint;
};

struct PhasedPlan {
    std::vector<PhasedStep> expand;
    std::vector<PhasedStep> backfill;
    std::vector<PhasedStep> contract;
    /// Each undoes one phase (run newest phase first).
    std::vector<PhasedStep> down_contract;
    std::vector<PhasedStep> down_backfill;
    std::vector<PhasedStep> down_expand;
    /// What the user should know or check (chosen fill values, what could not
    /// be made lock-safe, steps without an inverse).
    std::vector<std::string> notes;

    bool empty() const { return expand.empty() && backfill.empty() && contract.empty(); }
    const std::vector<PhasedStep>& phase(plan::Phase p) const;
};

struct PhaseOptions {
    /// Allow drops that no `drop ... confirm` hint covers (else RefusedError).
    bool allow_destructive = false;
};

/// Splits the migration `from` -> `to` (hints in `to`) into phases.
PhasedPlan plan_phases(const model::Schema& from, const model::Schema& to,
                       const PhaseOptions& options = {});

/// The files of a delta folder named `key`: expand.qail, backfill.qail,
/// contract.qail, down.qail and the per-phase down files.
std::vector<std::pair<std::string, std::string>> phased_files(const PhasedPlan& phased,
                                                              const std::string& key,
                                                              const std::string& from_label,
                                                              const std::string& to_label);

/// A value for a NOT NULL column that has neither a default nor a transform
/// hint: now() for times, 0 for numbers, '' for text, ... (nullopt: no safe guess).
std::optional<std::string> fill_value_for_type(const std::string& type);

/// The column a phased type change adds beside `column` ("<column>_qail_new",
/// shortened to PostgreSQL's 63 bytes); contract renames it to `column`.
std::string retype_temp_column(std::string_view column);

} // namespace qail::exec
