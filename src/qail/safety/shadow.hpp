#pragma once
// Shadow databases (blue-green):
//   shadow  — <db>_shadow becomes a copy of the primary as it is live (its
//             schema as introspection reads it, every table's rows from one
//             exported snapshot, QAIL's own tables included), then the very
//             migration `migrate up old:new` runs on it, so transforms, fills
//             and conversions act on the real rows; tables written on the
//             primary meanwhile are re-synced; the result is verified and
//             recorded (shadow_state.hpp).
//   promote — closes the primary to new connections and ends its sessions
//             (listed first; asked on a terminal), re-syncs every table
//             written since the sync (or refuses, naming it), then swaps the
//             names <db> -> <db>_old_<YYYYMMDD> and <db>_shadow -> <db> in one
//             transaction. Each step is journalled in the shadow, so a
//             re-run of promote finishes an interrupted one and abort undoes it.
//   abort   — drops the shadow; the primary stays as it is.
// All three hold the primary's migration lock.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <qail/exec/output.hpp>
#include <qail/exec/runner.hpp>
#include <qail/model/schema.hpp>
#include <qail/pg/connection.hpp>
#include <qail/safety/shadow_state.hpp>

namespace qail::safety {

struct ShadowRequest {
    model::Schema from;
    model::Schema to;
    std::string from_label;
    std::string to_label;
    bool allow_destructive = false;
    bool wait_for_lock = false;
    exec::RunSettings settings;
    int parallel = 4; ///< tables copied at once
    /// The URL of database `dbname` of the primary's server, for display (no
    /// password); `primary` is the primary's name.
    std::function<std::string(const std::string& primary, const std::string& dbname)> display_url;
    /// Brings a hand-written schema to the spelling the catalog prints (on a
    /// scratch database of `server`), to verify the shadow against `to`.
    /// Unset: `to` is compared as written.
    std::function<model::Schema(pg::Connection& server, const model::Schema&)> canonicalize;
};

struct ShadowSummary {
    std::string shadow_name;
    int tables = 0;
    long long rows = 0;
};

/// Makes <db>_shadow for the database `conninfo` names.
ShadowSummary create_shadow(const std::string& conninfo, const ShadowRequest& request,
                            const exec::Output& output);

struct SessionPolicy {
    /// --terminate-sessions: end the primary's other sessions without asking.
    bool terminate_sessions = false;
    /// Asks the user (a terminal) whether to end the listed sessions; unset
    /// when there is no terminal to ask on.
    std::function<bool(const std::string& question)> confirm;
    /// How long the primary's sessions may take to leave by themselves once
    /// new connections are refused, before the rest are ended.
    std::chrono::milliseconds grace{10000};
};

struct PromoteRequest {
    bool wait_for_lock = false;
    SessionPolicy sessions;
    exec::RunSettings settings;
};

struct PromoteSummary {
    std::string old_name;
    std::vector<std::string> resynced;
};

/// Promotes the shadow of the database `conninfo` names, or finishes a
/// promote that was interrupted.
PromoteSummary promote_shadow(const std::string& conninfo, const PromoteRequest& request,
                              const exec::Output& output);

/// Drops the shadow, undoing an interrupted promote first.
void abort_shadow(const std::string& conninfo, const PromoteRequest& request,
                  const exec::Output& output);

/// What the shadow's schema must be after the migration: `to`, plus
/// everything the shadow holds that neither `from` nor `to` names (carried
/// over from the primary untouched).
model::Schema expected_shadow_schema(const model::Schema& to, const model::Schema& from,
                                     const model::Schema& shadow);

} // namespace qail::safety
