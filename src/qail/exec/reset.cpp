#include "reset.hpp"

#include <fmt/format.h>

#include <chrono>
#include <ostream>

#include <qail/base/error.hpp>
#include <qail/exec/checksum.hpp>
#include <qail/exec/history.hpp>
#include <qail/exec/lock.hpp>
#include <qail/introspect/introspect.hpp>
#include <qail/plan/build.hpp>

namespace qail::exec {

ResetSummary reset_database(pg::Connection& conn, const ResetRequest& request,
                            const Output& output) {
    auto started = std::chrono::steady_clock::now();
    plan::BuildOptions plain;
    plain.lock_safe = false; // one transaction: no CONCURRENTLY
    model::Schema target = model::without_hints(request.target);
    plan::Plan creates = plan::plan_migration(model::Schema{}, target, {}, plain);

    MigrationLock lock(conn, request.wait_for_lock);
    History history(conn);
    history.ensure();
    prepare_session(conn, request.settings);

    if (!request.introspect) {
        throw InternalError("reset_database needs an introspection entry point");
    }
    introspect::Result live = request.introspect(conn);
    for (const introspect::Unmanaged& u : live.unmanaged) {
        *output.err << fmt::format("warning: unmanaged: {} {}{} (left in place)\n", u.kind, u.name,
                                   u.reason.empty() ? std::string() : " - " + u.reason);
    }
    plan::Plan drops = plan::plan_migration(model::without_hints(live.schema), model::Schema{}, {},
                                            plain);

    ResetSummary summary;
    Colors style{output.color};
    pg::Transaction tx(conn);
    *output.err << "Phase 1: DROP all tables (FK-ordered)\n";
    int tables = 0;
    for (const plan::Step& step : drops.steps) {
        conn.exec(step.sql);
        ++summary.dropped;
        tables += step.kind == plan::StepKind::drop_table ? 1 : 0;
    }
    *output.err << fmt::format("  {} table{} dropped ({} statement{})\n", tables,
                               tables == 1 ? "" : "s", summary.dropped,
                               summary.dropped == 1 ? "" : "s");
    *output.err << "Phase 2: CLEAR migration history\n";
    summary.history_rows = static_cast<int>(history.rows().size());
    history.clear();
    *output.err << fmt::format("  {} history row{} removed\n", summary.history_rows,
                               summary.history_rows == 1 ? "" : "s");
    *output.err << "Phase 3: CREATE from schema\n";
    std::vector<std::string> statements;
    for (const plan::Step& step : creates.steps) {
        conn.exec(step.sql);
        statements.push_back(step.sql);
        ++summary.created;
    }
    *output.err << fmt::format("  {} table{} created ({} statement{})\n", target.tables.size(),
                               target.tables.size() == 1 ? "" : "s", summary.created,
                               summary.created == 1 ? "" : "s");
    HistoryRow row;
    row.version = version_timestamp() + "_reset";
    row.name = "reset from " + request.label;
    row.phase = "all";
    row.checksum = checksum_statements(statements);
    row.sql_up = creates.sql();
    row.status = "applied";
    row.steps_done = summary.created;
    row.actor = current_actor();
    row.qail_version = request.settings.qail_version;
    row.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - started)
                          .count();
    history.record(row);
    tx.commit();
    summary.version = row.version;
    *output.err << fmt::format("{}✓ Reset complete{}\n", style.green(), style.reset());
    return summary;
}

} // namespace qail::exec
