// qail migrate new / apply / rollback: the file-based workflow.

#include <fmt/format.h>

#include <fstream>
#include <ostream>

#include <qail/base/error.hpp>
#include <qail/cli/database_url.hpp>
#include <qail/cli/migrate_commands.hpp>
#include <qail/cli/migrate_safety.hpp>
#include <qail/cli/runtime.hpp>
#include <qail/exec/apply.hpp>
#include <qail/base/strings.hpp>
#include <qail/cli/sources.hpp>
#include <qail/exec/phasing.hpp>
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

// "old:new": the colon that splits the text into two sides that exist.
std::pair<std::string, std::string> split_sides(const std::string& text) {
    auto is_side = [](const std::string& side) {
        return is_empty_side(side) || looks_like_database_url(side) ||
               std::filesystem::exists(side);
    };
    std::vector<size_t> colons;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == ':') {
            colons.push_back(i);
        }
    }
    for (size_t at : colons) {
        std::string a = text.substr(0, at);
        std::string b = text.substr(at + 1);
        if (!a.empty() && !b.empty() && is_side(a) && is_side(b)) {
            return {a, b};
        }
    }
    if (colons.empty() || colons.front() == 0 || colons.front() + 1 == text.size()) {
        throw UsageError(fmt::format(
            "expected old.qail:new.qail (two schema files or directories joined by ':'), got '{}'",
            text));
    }
    return {text.substr(0, colons.front()), text.substr(colons.front() + 1)};
}

exec::PhasedPlan load_phases(Runtime& rt, const std::string& from_spec, const std::string& to_spec,
                             bool allow_destructive) {
    Side from = load_side(from_spec);
    Side to = load_side(to_spec);
    for (const Side* side : {&from, &to}) {
        for (const auto& u : side->unmanaged) {
            *rt.err << "unmanaged: " << u.kind << " " << u.name
                    << (u.reason.empty() ? "" : " (" + u.reason + ")") << "\n";
        }
    }
    exec::PhaseOptions phase_options;
    phase_options.allow_destructive = allow_destructive;
    return exec::plan_phases(from.schema, to.schema, phase_options);
}

void print_phase(std::ostream& out, const Style& style, const char* title, const char* what,
                 const std::vector<exec::PhasedStep>& steps, size_t& number) {
    out << fmt::format("\n{}{}{} — {} ({} step{})\n", style.bold(), title, style.reset(), what,
                       steps.size(), steps.size() == 1 ? "" : "s");
    for (const exec::PhasedStep& s : steps) {
        const plan::Step& step = s.step;
        std::string sql = s.backfill ? s.backfill->describe() : step.sql + ";";
        std::string indented;
        for (const std::string& line : split(sql, '\n')) {
            indented += (indented.empty() ? "" : "\n       ") + line;
        }
        out << fmt::format("{:3}. {}  {}\n", ++number, plan::risk_label(step.risk), indented);
        std::string lock = plan::to_string(step.lock);
        if (!step.locked_relation.name.empty()) {
            lock += " on " + step.locked_relation.display();
        }
        std::string detail = "lock: " + lock;
        if (s.backfill) {
            detail += " · one transaction per chunk";
        } else if (step.outside_transaction) {
            detail += " · outside a transaction";
        }
        if (!step.reason.empty()) {
            detail += " · " + step.reason;
        }
        out << fmt::format("       {}{}{}\n", style.dim(), detail, style.reset());
    }
}

} // namespace

void run_migrate_plan(Runtime& rt, const PlanOptions& options) {
    auto [from_spec, to_spec] = split_sides(options.diff);
    exec::PhasedPlan phased = load_phases(rt, from_spec, to_spec, options.allow_destructive);
    std::ostream& out = *rt.out;
    Style style{rt.color_out};
    out << fmt::format("Phased plan {} → {}: {} expand, {} backfill, {} contract step(s); runs "
                       "nothing\n",
                       from_spec, to_spec, phased.expand.size(), phased.backfill.size(),
                       phased.contract.size());
    size_t number = 0;
    print_phase(out, style, "expand", "additive and lock-safe; the old code keeps working",
                phased.expand, number);
    print_phase(out, style, "backfill", "data movement, chunked by primary key", phased.backfill,
                number);
    print_phase(out, style, "contract", "tightening and removal, once no code uses the old shape",
                phased.contract, number);
    size_t down = phased.down_contract.size() + phased.down_backfill.size() +
                  phased.down_expand.size();
    out << fmt::format("\ndown — {} step{} undo the migration (down.qail; one file per phase "
                       "too)\n",
                       down, down == 1 ? "" : "s");
    if (!phased.notes.empty()) {
        out << "\nnotes:\n";
        for (const std::string& note : phased.notes) {
            out << "  - " << note << "\n";
        }
    }
    if (options.output) {
        std::string sql;
        for (plan::Phase phase : {plan::Phase::expand, plan::Phase::backfill, plan::Phase::contract}) {
            sql += fmt::format("-- {}\n", plan::to_string(phase));
            for (const exec::PhasedStep& s : phased.phase(phase)) {
                sql += s.backfill ? "-- chunked: " + s.backfill->describe() + "\n" : s.step.sql + ";\n";
            }
        }
        std::ofstream file(*options.output, std::ios::binary);
        file << sql;
        if (!file) {
            throw InputError(fmt::format("{}: cannot write the plan", *options.output));
        }
    }
}

void run_migrate_new(Runtime& rt, const NewOptions& options) {
    if (options.from.has_value() != options.to.has_value()) {
        throw UsageError("`qail migrate new <name> --from A --to B` needs both --from and --to");
    }
    std::filesystem::path dir = migrations_folder();
    if (options.from) {
        exec::PhasedPlan phased = load_phases(rt, *options.from, *options.to,
                                              options.allow_destructive);
        if (phased.empty()) {
            throw InputError(fmt::format("{} and {} describe the same schema: nothing to migrate",
                                         *options.from, *options.to));
        }
        std::filesystem::path folder =
            exec::create_migration(dir, options.name, [&](const std::string& key) {
                return exec::phased_files(phased, key, *options.from, *options.to);
            });
        *rt.err << fmt::format(
            "✓ Created {}/ from {} → {}: expand {} step{}, backfill {}, contract {} (and down "
            "files)\n",
            folder.string(), *options.from, *options.to, phased.expand.size(),
            phased.expand.size() == 1 ? "" : "s", phased.backfill.size(), phased.contract.size());
        for (const std::string& note : phased.notes) {
            *rt.err << "note: " << note << "\n";
        }
        *rt.out << folder.string() << "\n";
        return;
    }
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
    settings.backfill_pause = std::chrono::milliseconds(options.backfill_pause_ms);
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
