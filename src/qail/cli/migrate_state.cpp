// qail migrate up old:new / down new:old (state-based) and migrate reset.

#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <ostream>

#include <qail/base/error.hpp>
#include <qail/cli/database_url.hpp>
#include <qail/cli/migrate_commands.hpp>
#include <qail/cli/migrate_safety.hpp>
#include <qail/cli/runtime.hpp>
#include <qail/cli/sources.hpp>
#include <qail/exec/reset.hpp>
#include <qail/exec/state.hpp>
#include <qail/lang/schema_io.hpp>
#include <qail/pg/connection.hpp>
#include <qail/safety/apply_guard.hpp>
#include <qail/safety/backup_store.hpp>
#include <qail/safety/guard.hpp>
#include <qail/safety/restore.hpp>

#ifndef QAIL_VERSION
#define QAIL_VERSION "0.0.0"
#endif

namespace qail::cli {

namespace {

namespace fs = std::filesystem;

bool names_side(const std::string& spec) {
    std::error_code ec;
    return spec == "_" || fs::exists(spec, ec);
}

// "old.qail:new.qail": the split where both sides name something (paths may
// hold ':'), else the first ':'.
std::pair<std::string, std::string> split_pair(const std::string& text, const char* form) {
    std::vector<size_t> colons;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == ':') {
            colons.push_back(i);
        }
    }
    for (size_t at : colons) {
        std::string a = text.substr(0, at);
        std::string b = text.substr(at + 1);
        if (!a.empty() && !b.empty() && names_side(a) && names_side(b)) {
            return {a, b};
        }
    }
    if (colons.empty() || colons.front() == 0 || colons.front() + 1 == text.size()) {
        throw UsageError(fmt::format("expected {} (two schema files joined by ':'), got '{}'",
                                     form, text));
    }
    return {text.substr(0, colons.front()), text.substr(colons.front() + 1)};
}

model::Schema load_state_side(const Runtime& rt, const std::string& spec) {
    Side side = load_side(spec);
    for (const introspect::Unmanaged& u : side.unmanaged) {
        *rt.err << fmt::format("warning: unmanaged: {} {} (in {})\n", u.kind, u.name, side.label);
    }
    return std::move(side.schema);
}

exec::Output output_of(const Runtime& rt) {
    return exec::Output{rt.out, rt.err, rt.color_err, rt.err_is_terminal};
}

safety::GuardOptions guard_options_of(const Runtime& rt, const std::optional<std::string>& backup,
                                      bool yes, std::optional<long long> estimate_above) {
    safety::GuardOptions guard_options;
    guard_options.backup = backup;
    guard_options.yes = yes;
    if (estimate_above) {
        if (*estimate_above < 0) {
            throw UsageError("--estimate-above must be a number of rows (0 or more)");
        }
        guard_options.estimate_above = *estimate_above;
    }
    guard_options.interactive = rt.stdin_is_terminal && rt.err_is_terminal;
    guard_options.in = &std::cin;
    guard_options.err = rt.err;
    guard_options.snapshot_base = std::filesystem::current_path();
    return guard_options;
}

// --restore-data: after the schema went back, the newest backup comes back too.
void restore_after_down(Runtime& rt, pg::Connection& conn, const exec::StateSummary& summary,
                        const safety::Guard& guard) {
    safety::adopt_old_backups(conn, false);
    // the backups this down made itself are not the ones to put back
    std::optional<safety::SnapshotSource> source =
        safety::newest_snapshot(conn, std::filesystem::current_path(), guard.backup_ids());
    if (!source) {
        throw RefusedError("--restore-data: no backup to restore (neither _qail_data_snapshots "
                           "nor _qail_snapshots/ holds one that was not restored already; see "
                           "qail rollback --list)");
    }
    if (summary.version.empty()) {
        *rt.err << "note: the schema needed no change; restoring the data of " << source->version
                << "\n";
    }
    safety::RestoreSummary restored = safety::restore_data(conn, *source);
    safety::print_restore_summary(*rt.err, *source, restored);
}

} // namespace

void run_migrate_state(Runtime& rt, const StateOptions& options) {
    auto [from_spec, to_spec] =
        split_pair(options.diff, options.up ? "old.qail:new.qail" : "new.qail:old.qail");
    exec::StateRequest request;
    request.from = load_state_side(rt, from_spec);
    request.to = load_state_side(rt, to_spec);
    request.from_label = from_spec;
    request.to_label = to_spec;
    request.down = !options.up;
    request.allow_destructive = options.allow_destructive || options.yes;
    request.wait_for_lock = options.db.wait_for_lock;
    if (options.lock_timeout <= 0) {
        throw UsageError("--lock-timeout must be a positive number of seconds");
    }
    request.settings.lock_timeout =
        std::chrono::milliseconds(static_cast<long long>(options.lock_timeout * 1000.0));
    request.settings.qail_version = QAIL_VERSION;
    auto guard = std::make_shared<safety::Guard>(
        guard_options_of(rt, options.backup, options.yes, options.estimate_above));
    request.before_run = [guard](pg::Connection& c, const plan::Plan& p, const std::string& v) {
        std::vector<safety::GuardedStep> steps;
        for (const plan::Step& s : p.steps) {
            steps.push_back(safety::GuardedStep{&s, v});
        }
        guard->before_run(c, steps);
    };
    guard->attach(request.settings);

    DatabaseTarget target = resolve_database(options.db.url_positional, options.db.url);
    pg::Connection conn = pg::Connection::open(target.conninfo);
    exec::StateSummary summary = exec::migrate_state(conn, request, output_of(rt));
    guard->print_summary(*rt.err);
    if (options.restore_data) {
        restore_after_down(rt, conn, summary, *guard);
    }
}

std::shared_ptr<safety::Guard> guard_apply(Runtime& rt, const ApplyOptions& options,
                                           exec::ApplyRequest& request) {
    if (options.dry_run || options.direction != "up") {
        return nullptr;
    }
    auto guard = std::make_shared<safety::Guard>(
        guard_options_of(rt, options.backup, options.yes, std::nullopt));
    request.before_run = [guard](pg::Connection& c, const auto& files) {
        safety::guard_delta_files(*guard, c, files);
    };
    guard->attach(request.settings);
    return guard;
}

void run_migrate_reset(Runtime& rt, const ResetOptions& options) {
    if (!options.yes) {
        throw RefusedError(fmt::format(
            "`qail migrate reset` drops every table and all data of the database, clears the "
            "migration history and creates {} from scratch; pass --yes to confirm",
            options.schema));
    }
    exec::ResetRequest request;
    request.target = lang::load_schema(options.schema);
    request.label = options.schema;
    request.wait_for_lock = options.db.wait_for_lock;
    request.settings.qail_version = QAIL_VERSION;
    request.introspect = [](pg::Connection& c) { return introspect_live(c); };
    DatabaseTarget target = resolve_database(options.db.url_positional, options.db.url);
    pg::Connection conn = pg::Connection::open(target.conninfo);
    exec::reset_database(conn, request, output_of(rt));
}

} // namespace qail::cli
