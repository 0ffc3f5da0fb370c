#pragma once
// State-based migrations (`qail migrate up old:new`, `migrate down new:old`):
// the plan that turns one schema file into the other, run on a database and
// recorded as one history row (<YYYYMMDDHHMMSS>_up / _down). Transactional
// steps share one transaction; steps PostgreSQL forbids there run alone and
// resume like delta files. Destructive steps without a `drop ... confirm`
// hint are refused unless allowed.

#include <functional>
#include <string>

#include <qail/exec/output.hpp>
#include <qail/exec/runner.hpp>
#include <qail/model/schema.hpp>
#include <qail/pg/connection.hpp>
#include <qail/plan/plan.hpp>

namespace qail::exec {

struct StateRequest {
    model::Schema from;
    model::Schema to;
    std::string from_label; ///< as the user named the files
    std::string to_label;
    bool down = false; ///< `migrate down`: recorded as _down
    bool allow_destructive = false; ///< --allow-destructive or --yes
    bool wait_for_lock = false;
    RunSettings settings;
    /// Called with the plan and the version it is recorded as, after the
    /// refusals and before anything runs (impact analysis and the backup
    /// choice hook in here).
    std::function<void(pg::Connection&, const plan::Plan&, const std::string& version)> before_run;
};

struct StateSummary {
    std::string version; ///< empty when there was nothing to do
    int steps = 0;
    long long duration_ms = 0;
};

StateSummary migrate_state(pg::Connection& conn, const StateRequest& request, const Output& output);

} // namespace qail::exec
