#pragma once
// `qail migrate reset <schema> --yes` (development databases): in ONE
// transaction, drop every user object the live database holds (dependents
// first, so tables go in foreign-key order), clear _qail_migrations, and
// create the schema. Any failure rolls all three phases back.

#include <functional>
#include <string>

#include <qail/exec/output.hpp>
#include <qail/exec/runner.hpp>
#include <qail/introspect/introspect.hpp>
#include <qail/model/schema.hpp>
#include <qail/pg/connection.hpp>

namespace qail::exec {

struct ResetRequest {
    model::Schema target;
    std::string label; ///< the schema file, for messages and the history row
    bool wait_for_lock = false;
    RunSettings settings;
    /// Reads the live database (introspect::introspect; the CLI passes its
    /// own entry point).
    std::function<introspect::Result(pg::Connection&)> introspect;
};

struct ResetSummary {
    int dropped = 0; ///< drop statements run
    int created = 0; ///< create statements run
    int history_rows = 0; ///< rows cleared
    std::string version;  ///< the reset's own history row
};

ResetSummary reset_database(pg::Connection& conn, const ResetRequest& request, const Output& output);

} // namespace qail::exec
