// qail migrate shadow old:new / promote / abort: blue-green rehearsal on
// <db>_shadow and the cut-over (seed: data-safe-migrations, Phase 3).

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <memory>
#include <ostream>

#include <qail/base/error.hpp>
#include <qail/base/strings.hpp>
#include <qail/cli/database_url.hpp>
#include <qail/cli/migrate_safety.hpp>
#include <qail/cli/runtime.hpp>
#include <qail/cli/sources.hpp>
#include <qail/diff/diff.hpp>
#include <qail/introspect/introspect.hpp>
#include <qail/lang/schema_io.hpp>
#include <qail/plan/build.hpp>
#include <qail/safety/shadow.hpp>

#ifndef QAIL_VERSION
#define QAIL_VERSION "0.0.0"
#endif

namespace qail::cli {

namespace {

struct ShadowOptions {
    DatabaseOptions db;
    std::string diff;
    bool allow_destructive = false;
    int parallel = 4;
    double lock_timeout = 2.0;
};

exec::Output output_of(const Runtime& rt) {
    return exec::Output{rt.out, rt.err, rt.color_err, rt.err_is_terminal};
}

// The URL of another database of the server, for display: the user's URL
// (password hidden) with the database name replaced.
std::string display_url(const DatabaseTarget& target, const pg::Connection& conn,
                        const std::string& dbname) {
    std::string shown = redact(target.conninfo);
    std::string current = conn.database();
    if (!current.empty()) {
        size_t at = shown.rfind(current);
        if (at != std::string::npos) {
            return shown.replace(at, current.size(), dbname);
        }
    }
    return fmt::format("postgres://{}@{}:{}/{}", conn.user(), conn.host(), conn.port(), dbname);
}

// The shadow's live schema against `to`, as `qail diff` would compare them.
std::optional<std::string> verify_with_introspection(pg::Connection& shadow,
                                                     const model::Schema& to) {
    introspect::Result pulled;
    try {
        pulled = introspect_live(shadow);
    } catch (const UsageError&) {
        // introspection not built in yet: tables and columns only
        return safety::compare_tables_and_columns(shadow, to);
    }
    Canonical canonical = canonicalize(shadow, to);
    plan::Plan difference =
        plan::build(diff::diff(pulled.schema, model::without_hints(canonical.schema)),
                    canonical.schema);
    if (difference.empty()) {
        return std::nullopt;
    }
    std::vector<std::string> shown;
    for (size_t i = 0; i < difference.steps.size() && i < 5; ++i) {
        shown.push_back(difference.steps[i].sql);
    }
    return fmt::format("{} difference{}, e.g.: {}", difference.steps.size(),
                       difference.steps.size() == 1 ? "" : "s", join(shown, "; "));
}

void run_shadow(Runtime& rt, const ShadowOptions& options) {
    size_t colon = options.diff.find(':');
    // like migrate up: old.qail:new.qail (paths may hold ':' in principle; sides must exist)
    std::string from_spec;
    std::string to_spec;
    for (size_t i = 0; i < options.diff.size(); ++i) {
        if (options.diff[i] == ':' && i > 0 && i + 1 < options.diff.size()) {
            std::string a = options.diff.substr(0, i);
            std::string b = options.diff.substr(i + 1);
            if ((a == "_" || std::filesystem::exists(a)) && std::filesystem::exists(b)) {
                from_spec = a;
                to_spec = b;
                break;
            }
        }
    }
    if (to_spec.empty()) {
        if (colon == std::string::npos) {
            throw UsageError(fmt::format(
                "expected old.qail:new.qail (two schema files joined by ':'), got '{}'",
                options.diff));
        }
        from_spec = options.diff.substr(0, colon);
        to_spec = options.diff.substr(colon + 1);
    }
    safety::ShadowRequest request;
    request.from = load_side(from_spec).schema;
    request.to = load_side(to_spec).schema;
    request.from_label = from_spec;
    request.to_label = to_spec;
    request.allow_destructive = options.allow_destructive;
    request.parallel = options.parallel;
    if (options.lock_timeout <= 0) {
        throw UsageError("--lock-timeout must be a positive number of seconds");
    }
    request.settings.lock_timeout =
        std::chrono::milliseconds(static_cast<long long>(options.lock_timeout * 1000.0));
    request.settings.qail_version = QAIL_VERSION;
    DatabaseTarget target = resolve_database(options.db.url_positional, options.db.url);
    pg::Connection conn = pg::Connection::open(target.conninfo);
    request.display_url = [&](const std::string& dbname) {
        return display_url(target, conn, dbname);
    };
    request.verify_schema = verify_with_introspection;
    safety::create_shadow(conn, request, output_of(rt));
}

} // namespace

void add_shadow_commands(CLI::App* migrate, Runtime& rt) {
    auto shadow_options = std::make_shared<ShadowOptions>();
    CLI::App* shadow = migrate->add_subcommand(
        "shadow", "Rehearse old:new on <db>_shadow with a copy of the data");
    shadow->add_option("diff", shadow_options->diff, "old.qail:new.qail")->required();
    shadow->add_option("url", shadow_options->db.url_positional, "Database URL or conninfo");
    shadow->add_option("--url", shadow_options->db.url,
                       "Database URL (else DATABASE_URL, qail.toml, libpq)");
    shadow->add_flag("--allow-destructive,-y,--yes", shadow_options->allow_destructive,
                     "Allow drops that no 'drop ... confirm' hint covers (in the shadow)");
    shadow->add_option("--parallel", shadow_options->parallel, "Tables copied at once (default 4)")
        ->check(CLI::Range(1, 64));
    shadow->add_option("--lock-timeout", shadow_options->lock_timeout,
                       "Seconds a DDL step may wait for its lock before retrying (default 2)");
    shadow->callback([&rt, shadow_options] { run_shadow(rt, *shadow_options); });

    for (const char* verb : {"promote", "abort"}) {
        auto options = std::make_shared<DatabaseOptions>();
        bool promote = std::string(verb) == "promote";
        CLI::App* cmd = migrate->add_subcommand(
            verb, promote ? "Switch to the shadow database, keeping the old one"
                          : "Drop the shadow database; the primary stays as it is");
        cmd->add_option("url", options->url_positional, "Database URL or conninfo");
        cmd->add_option("--url", options->url, "Database URL (else DATABASE_URL, qail.toml, libpq)");
        cmd->callback([&rt, options, promote] {
            DatabaseTarget target = resolve_database(options->url_positional, options->url);
            pg::Connection conn = pg::Connection::open(target.conninfo);
            if (promote) {
                safety::promote_shadow(conn, output_of(rt));
            } else {
                safety::abort_shadow(conn, output_of(rt));
            }
        });
    }
}

} // namespace qail::cli
