#include "state.hpp"

#include <fmt/format.h>

#include <ostream>

#include <qail/base/error.hpp>
#include <qail/base/strings.hpp>
#include <qail/diff/diff.hpp>
#include <qail/exec/checksum.hpp>
#include <qail/exec/history.hpp>
#include <qail/exec/lock.hpp>
#include <qail/plan/build.hpp>

namespace qail::exec {

StateSummary migrate_state(pg::Connection& conn, const StateRequest& request, const Output& output) {
    const char* direction = request.down ? "down" : "up";
    diff::Result changes = diff::diff(request.from, request.to);
    plan::Plan p = plan::build(changes, request.to);
    if (p.empty()) {
        *output.err << fmt::format("✓ Nothing to migrate: {} and {} describe the same schema\n",
                                   request.from_label, request.to_label);
        return {};
    }
    if (!changes.unconfirmed_drops.empty() && !request.allow_destructive) {
        std::string listed;
        for (const diff::UnconfirmedDrop& d : changes.unconfirmed_drops) {
            listed += fmt::format("  {} {} (to confirm, add `{}` to {})\n",
                                  d.column.empty() ? "DROP TABLE " : "DROP COLUMN",
                                  d.column.empty() ? d.table.display()
                                                   : d.table.display() + "." + d.column,
                                  d.hint(), request.to_label);
        }
        throw RefusedError(fmt::format(
            "refusing to drop data that no hint confirms:\n{}or pass --allow-destructive (or "
            "--yes) to run them anyway",
            listed));
    }

    std::vector<std::string> statements;
    for (const plan::Step& s : p.steps) {
        statements.push_back(s.sql);
    }
    std::string checksum = checksum_statements(statements);
    std::string name = fmt::format("{} {} -> {}", direction, request.from_label, request.to_label);

    MigrationLock lock(conn, request.wait_for_lock);
    History history(conn);
    history.ensure();
    prepare_session(conn, request.settings);

    FileJob job;
    // an interrupted run of the same plan is resumed rather than started over
    for (const HistoryRow& row : history.rows()) {
        if (row.status == "partial" && row.name == name && row.checksum == checksum) {
            job.row = row;
            job.resumed = true;
            job.resume_from = row.steps_done;
        }
    }
    if (!job.resumed) {
        job.row.version = fmt::format("{}_{}", version_timestamp(), direction);
        // two runs in one second: keep versions unique
        for (int n = 2; history.find(job.row.version); ++n) {
            job.row.version = fmt::format("{}_{}_{}", version_timestamp(), direction, n);
        }
        job.row.duration_ms = 0;
    }
    job.row.name = name;
    job.row.phase = "all";
    job.row.checksum = checksum;
    job.row.sql_up = p.sql();
    std::string inverse;
    for (auto it = p.steps.rbegin(); it != p.steps.rend(); ++it) {
        if (it->inverse_sql) {
            inverse += *it->inverse_sql + ";\n";
        }
    }
    job.row.sql_down = inverse;
    for (const plan::Step& s : p.steps) {
        job.steps.push_back(DeltaStep{s, 0, std::nullopt});
    }
    if (request.before_run) {
        request.before_run(conn, p, job.row.version);
    }
    size_t outside = 0;
    for (const plan::Step& s : p.steps) {
        outside += s.outside_transaction ? 1 : 0;
    }
    *output.err << fmt::format("→ {} ({} -> {}): {} step{}{}{} ...", job.row.version,
                               request.from_label, request.to_label, p.steps.size(),
                               p.steps.size() == 1 ? "" : "s",
                               outside > 0 ? fmt::format(", {} outside a transaction", outside)
                                           : std::string(),
                               job.resumed ? fmt::format(", resuming after step {}", job.resume_from)
                                           : std::string());
    if (outside > 0) {
        *output.err << "\n";
    }
    output.err->flush();
    FileResult result = run_file(conn, history, job, request.settings, output);
    Colors style{output.color};
    *output.err << fmt::format(" {}✓{} ({})\n", style.green(), style.reset(),
                               format_duration(result.duration_ms));
    *output.err << fmt::format("{}✓ Migrated {} ({} steps{}); recorded as {}{}\n", style.green(),
                               direction, p.steps.size(), outside == 0 ? ", atomic" : "",
                               job.row.version, style.reset());
    return StateSummary{job.row.version, static_cast<int>(p.steps.size()), result.duration_ms};
}

} // namespace qail::exec
