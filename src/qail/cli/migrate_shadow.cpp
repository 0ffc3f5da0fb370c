// qail migrate shadow old:new / promote / abort: blue-green rehearsal on
// <db>_shadow and the cut-over.

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>
#include <memory>
#include <ostream>

#include <qail/base/error.hpp>
#include <qail/base/strings.hpp>
#include <qail/cli/database_url.hpp>
#include <qail/cli/migrate_safety.hpp>
#include <qail/cli/runtime.hpp>
#include <qail/cli/sources.hpp>
#include <qail/lang/schema_io.hpp>
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
std::string display_url(const DatabaseTarget& target, const std::string& current,
                        const std::string& dbname) {
    std::string shown = redact(target.conninfo);
    if (!current.empty()) {
        size_t at = shown.rfind(current);
        if (at != std::string::npos) {
            return shown.replace(at, current.size(), dbname);
        }
    }
    return shown.empty() ? dbname : shown + " dbname=" + dbname;
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
    request.wait_for_lock = options.db.wait_for_lock;
    DatabaseTarget target = resolve_database(options.db.url_positional, options.db.url);
    request.display_url = [&](const std::string& primary, const std::string& dbname) {
        return display_url(target, primary, dbname);
    };
    request.canonicalize = [](pg::Connection& server, const model::Schema& schema) {
        return canonicalize(server, schema).schema;
    };
    safety::create_shadow(target.conninfo, request, output_of(rt));
}

struct PromoteOptions {
    DatabaseOptions db;
    bool terminate_sessions = false;
    double grace = 10.0;
};

// A yes/no question on the terminal; anything but y or yes is no.
bool ask(Runtime& rt, const std::string& question) {
    *rt.err << "  " << question;
    rt.err->flush();
    std::string answer;
    if (!std::getline(std::cin, answer)) {
        return false;
    }
    std::string word = to_lower(trim(answer));
    return word == "y" || word == "yes";
}

safety::PromoteRequest promote_request(Runtime& rt, const PromoteOptions& options) {
    if (options.grace < 0) {
        throw UsageError("--grace must be a number of seconds (0 or more)");
    }
    safety::PromoteRequest request;
    request.wait_for_lock = options.db.wait_for_lock;
    request.sessions.terminate_sessions = options.terminate_sessions;
    request.sessions.grace =
        std::chrono::milliseconds(static_cast<long long>(options.grace * 1000.0));
    if (rt.stdin_is_terminal && rt.err_is_terminal) {
        request.sessions.confirm = [&rt](const std::string& question) { return ask(rt, question); };
    }
    request.settings.qail_version = QAIL_VERSION;
    return request;
}

void add_database_options(CLI::App* cmd, DatabaseOptions& options) {
    cmd->add_option("url", options.url_positional, "Database URL or conninfo");
    cmd->add_option("--url", options.url, "Database URL (else DATABASE_URL, qail.toml, libpq)");
    cmd->add_flag("--wait-for-lock", options.wait_for_lock,
                  "Wait for another running migration instead of exiting 4");
}

} // namespace

void add_shadow_commands(CLI::App* migrate, Runtime& rt) {
    auto shadow_options = std::make_shared<ShadowOptions>();
    CLI::App* shadow = migrate->add_subcommand(
        "shadow", "Rehearse old:new on <db>_shadow with a copy of the data");
    shadow->add_option("diff", shadow_options->diff, "old.qail:new.qail")->required();
    add_database_options(shadow, shadow_options->db);
    shadow->add_flag("--allow-destructive,-y,--yes", shadow_options->allow_destructive,
                     "Allow drops that no 'drop ... confirm' hint covers (in the shadow)");
    shadow->add_option("--parallel", shadow_options->parallel, "Tables copied at once (default 4)")
        ->check(CLI::Range(1, 64));
    shadow->add_option("--lock-timeout", shadow_options->lock_timeout,
                       "Seconds a DDL step may wait for its lock before retrying (default 2)");
    shadow->callback([&rt, shadow_options] { run_shadow(rt, *shadow_options); });

    for (const char* verb : {"promote", "abort"}) {
        auto options = std::make_shared<PromoteOptions>();
        bool promote = std::string(verb) == "promote";
        CLI::App* cmd = migrate->add_subcommand(
            verb, promote ? "Switch to the shadow database, keeping the old one"
                          : "Drop the shadow database; the primary stays as it is");
        add_database_options(cmd, options->db);
        if (promote) {
            cmd->add_flag("--terminate-sessions", options->terminate_sessions,
                          "End the primary's other sessions without asking (needed without a "
                          "terminal when there are any)");
            cmd->add_option("--grace", options->grace,
                            "Seconds the primary's sessions may take to leave once new "
                            "connections are refused, before they are ended (default 10)");
        }
        cmd->callback([&rt, options, promote] {
            DatabaseTarget target = resolve_database(options->db.url_positional, options->db.url);
            safety::PromoteRequest request = promote_request(rt, *options);
            if (promote) {
                safety::promote_shadow(target.conninfo, request, output_of(rt));
            } else {
                safety::abort_shadow(target.conninfo, request, output_of(rt));
            }
        });
    }
}

} // namespace qail::cli
