// qail migrate up old:new / down new:old (state-based) and migrate reset.

#include <fmt/format.h>

#include <filesystem>
#include <ostream>

#include <qail/base/error.hpp>
#include <qail/cli/database_url.hpp>
#include <qail/cli/migrate_commands.hpp>
#include <qail/cli/runtime.hpp>
#include <qail/cli/sources.hpp>
#include <qail/exec/reset.hpp>
#include <qail/exec/state.hpp>
#include <qail/lang/schema_io.hpp>
#include <qail/pg/connection.hpp>

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
    if (options.backup && *options.backup != "none") {
        *rt.err << "note: --backup is not implemented yet (impact analysis and backups come "
                   "with issue #7); make your own backup before destructive steps\n";
    }
    if (options.restore_data) {
        throw UsageError("--restore-data is not implemented yet (issue #7)");
    }
    DatabaseTarget target = resolve_database(options.db.url_positional, options.db.url);
    pg::Connection conn = pg::Connection::open(target.conninfo);
    exec::migrate_state(conn, request, output_of(rt));
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
