// qail migrate new / apply / rollback: the file-based workflow.

#include <fmt/format.h>

#include <ostream>

#include <qail/base/error.hpp>
#include <qail/cli/database_url.hpp>
#include <qail/cli/migrate_commands.hpp>
#include <qail/cli/migrate_safety.hpp>
#include <qail/cli/runtime.hpp>
#include <qail/exec/apply.hpp>
#include <qail/exec/scaffold.hpp>
#include <qail/lang/config.hpp>
#include <qail/pg/connection.hpp>

#ifndef QAIL_VERSION
#define QAIL_VERSION "0.0.0"
#endif

namespace qail::cli {

namespace {

exec::Output output_of(const Runtime& rt) {
    return exec::Output{rt.out, rt.err, rt.color_err, rt.err_is_terminal};
}

exec::RunSettings settings_of(double lock_timeout_seconds) {
    if (lock_timeout_seconds <= 0) {
        throw UsageError("--lock-timeout must be a positive number of seconds");
    }
    exec::RunSettings settings;
    settings.lock_timeout =
        std::chrono::milliseconds(static_cast<long long>(lock_timeout_seconds * 1000.0));
    settings.qail_version = QAIL_VERSION;
    return settings;
}

pg::Connection connect(const DatabaseOptions& db) {
    DatabaseTarget target = resolve_database(db.url_positional, db.url);
    return pg::Connection::open(target.conninfo);
}

std::filesystem::path migrations_folder() {
    return lang::migrations_dir(lang::find_project_config());
}

} // namespace

void run_migrate_new(Runtime& rt, const NewOptions& options) {
    if (options.from || options.to) {
        throw UsageError(
            "`qail migrate new <name> --from A --to B` (a delta folder written from a diff) is "
            "not implemented yet (issue #6); run `qail migrate new <name>` for an empty folder");
    }
    std::filesystem::path dir = migrations_folder();
    std::filesystem::path folder = exec::create_migration(dir, options.name);
    *rt.err << fmt::format("✓ Created {}/ with expand.qail, backfill.qail, contract.qail and "
                           "down.qail\n",
                           folder.string());
    *rt.out << folder.string() << "\n";
}

void run_migrate_apply(Runtime& rt, const ApplyOptions& options) {
    exec::Output output = output_of(rt);
    exec::RunSettings settings = settings_of(options.lock_timeout);
    settings.backfill_chunk_size = options.backfill_chunk_size;
    if (options.backfill_chunk_size_given) {
        settings.backfill_chunk_override = options.backfill_chunk_size;
    }
    std::optional<plan::Phase> phase;
    if (options.phase != "all") {
        phase = exec::parse_phase(options.phase);
    }
    std::filesystem::path dir = migrations_folder();
    pg::Connection conn = connect(options.db);
    if (options.direction == "down") {
        if (options.dry_run) {
            throw UsageError("--dry-run is for --direction up");
        }
        exec::apply_down(conn, dir, phase, options.db.wait_for_lock, settings, output);
        return;
    }
    exec::ApplyRequest request;
    request.migrations_dir = dir;
    request.phase = phase;
    request.dry_run = options.dry_run;
    request.allow_destructive = options.allow_destructive;
    request.allow_contract_with_references = options.allow_contract_with_references;
    request.wait_for_lock = options.db.wait_for_lock;
    if (options.codebase) {
        request.codebase = std::filesystem::path(*options.codebase);
    }
    request.settings = settings;
    // impact analysis and the backup choice before destructive steps (issue #7)
    auto guard = guard_apply(rt, options, request);
    exec::apply_migrations(conn, request, output);
    if (guard) {
        guard->print_summary(*rt.err);
    }
}

void run_migrate_rollback(Runtime& rt, const RollbackOptions& options) {
    exec::RollbackRequest request;
    request.migrations_dir = migrations_folder();
    request.to = options.to;
    request.wait_for_lock = options.db.wait_for_lock;
    request.settings = settings_of(options.lock_timeout);
    pg::Connection conn = connect(options.db);
    exec::rollback_migrations(conn, request, output_of(rt));
}

} // namespace qail::cli
