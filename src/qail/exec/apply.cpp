#include "apply.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <ostream>
#include <set>

#include <qail/base/error.hpp>
#include <qail/base/strings.hpp>
#include <qail/exec/codebase.hpp>
#include <qail/exec/delta.hpp>
#include <qail/exec/history.hpp>
#include <qail/exec/lock.hpp>

namespace qail::exec {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

struct Loaded {
    const Migration* migration = nullptr;
    const DeltaFile* file = nullptr;
    CompiledDelta compiled;
};

std::vector<Loaded> compile_up_files(const std::vector<Migration>& migrations) {
    std::vector<Loaded> out;
    std::vector<Diagnostic> problems;
    for (const Migration& m : migrations) {
        for (const DeltaFile& f : m.up) {
            try {
                out.push_back(Loaded{&m, &f, compile_delta_file(f.path, f.phase)});
            } catch (const InputError& e) {
                problems.insert(problems.end(), e.diagnostics().begin(), e.diagnostics().end());
            }
        }
    }
    if (!problems.empty()) {
        throw InputError(std::move(problems));
    }
    return out;
}

std::map<std::string, HistoryRow> by_version(const std::vector<HistoryRow>& rows) {
    std::map<std::string, HistoryRow> out;
    for (const HistoryRow& row : rows) {
        out[row.version] = row;
    }
    return out;
}

bool is_applied(const std::map<std::string, HistoryRow>& rows, const std::string& version) {
    auto it = rows.find(version);
    return it != rows.end() && it->second.status == "applied";
}

// Refuses (exit 4) when an applied or partly applied file changed since.
void verify_checksums(const std::vector<Loaded>& files,
                      const std::map<std::string, HistoryRow>& rows) {
    std::vector<std::string> changed;
    for (const Loaded& l : files) {
        auto it = rows.find(l.file->version);
        if (it == rows.end()) {
            continue;
        }
        std::string current = l.compiled.checksum();
        if (it->second.checksum != current) {
            changed.push_back(fmt::format("  {}\n    applied with checksum {}\n    file now has  "
                                          "checksum {}",
                                          l.file->version, it->second.checksum, current));
        }
    }
    if (!changed.empty()) {
        throw RefusedError(fmt::format(
            "checksum mismatch: {} applied migration file{} changed since {} applied:\n{}\n"
            "an applied migration must not change: restore the file, or write a new migration "
            "for the new change",
            changed.size(), changed.size() == 1 ? "" : "s", changed.size() == 1 ? "it was" : "they were",
            join(changed, "\n")));
    }
}

std::string lock_text(const plan::Step& step) {
    if (step.reason == "raw SQL (lock not analysed)") {
        return "lock: not analysed (raw SQL)";
    }
    if (step.lock == plan::LockLevel::none) {
        return "lock: none";
    }
    const model::QualifiedName& on =
        step.locked_relation.name.empty() ? step.target.name : step.locked_relation;
    if (on.name.empty()) {
        return fmt::format("lock: {}", plan::to_string(step.lock));
    }
    return fmt::format("lock: {} on {}", plan::to_string(step.lock), on.display());
}

void print_dry_run_file(const Output& output, const Loaded& l, int resume_from) {
    std::ostream& out = *output.out;
    out << fmt::format("-- [{}] {}{}\n", to_string(l.file->phase), l.file->version,
                       resume_from > 0 ? fmt::format(" (resumes after step {})", resume_from)
                                       : std::string());
    if (l.compiled.steps.empty()) {
        out << fmt::format("[{}] {} (no statements)\n", to_string(l.file->phase), l.file->version);
    }
    int number = 0;
    for (const DeltaStep& s : l.compiled.steps) {
        ++number;
        std::string note = lock_text(s.step);
        if (s.step.outside_transaction) {
            note += s.backfill ? ", one transaction per chunk" : ", outside a transaction";
        }
        if (number <= resume_from) {
            note += ", already done";
        }
        out << fmt::format("[{}] {} step {}: {}{}   -- {}\n", to_string(l.file->phase),
                           l.file->version, number, s.step.sql, s.backfill ? "" : ";", note);
    }
}

bool is_folder_file(const fs::path& migrations_dir, const DeltaFile& file) {
    return file.path.parent_path().filename() == fs::path(file.migration) &&
           file.path.parent_path().parent_path() == migrations_dir;
}

// A phase runs only after the earlier phases of its migration, and never
// after a later one.
void check_phase_order(const std::vector<const Loaded*>& pending,
                       const std::map<std::string, HistoryRow>& rows) {
    std::set<std::string> will_run;
    for (const Loaded* l : pending) {
        const Migration& m = *l->migration;
        for (const DeltaFile& g : m.up) {
            if (static_cast<int>(g.phase) < static_cast<int>(l->file->phase)) {
                if (is_applied(rows, g.version) || will_run.count(g.version) > 0) {
                    continue;
                }
                auto it = rows.find(g.version);
                std::string state =
                    it != rows.end()
                        ? fmt::format("is only partly applied ({} steps done)", it->second.steps_done)
                        : std::string("has not been applied");
                throw RefusedError(fmt::format(
                    "cannot apply {} [{}]: the {} phase of migration {} ({}) {}; run `qail "
                    "migrate apply --phase {}` first",
                    l->file->version, to_string(l->file->phase), to_string(g.phase), m.key,
                    g.version, state, to_string(g.phase)));
            }
            if (static_cast<int>(g.phase) > static_cast<int>(l->file->phase) &&
                is_applied(rows, g.version)) {
                throw RefusedError(fmt::format(
                    "phase order violation: {} [{}] is applied but {} [{}] of the same migration "
                    "is not; roll back {} first (qail migrate rollback --to ...)",
                    g.version, to_string(g.phase), l->file->version, to_string(l->file->phase),
                    g.version));
            }
        }
        will_run.insert(l->file->version);
    }
}

void check_unconfirmed_drops(const std::vector<const Loaded*>& pending, bool allowed,
                             const Output& output) {
    std::vector<Diagnostic> drops;
    for (const Loaded* l : pending) {
        drops.insert(drops.end(), l->compiled.unconfirmed_drops.begin(),
                     l->compiled.unconfirmed_drops.end());
    }
    if (drops.empty()) {
        return;
    }
    std::string listed;
    for (const Diagnostic& d : drops) {
        listed += d.render(false);
    }
    if (allowed) {
        *output.err << "warning: unconfirmed drops run because of --allow-destructive:\n"
                    << listed;
        return;
    }
    throw RefusedError(fmt::format(
        "refusing to drop data without confirmation:\n{}confirm each drop in the file (`drop "
        "<table>.<column> confirm`), or pass --allow-destructive",
        listed));
}

void check_codebase(const std::vector<const Loaded*>& pending, const ApplyRequest& request,
                    const Output& output) {
    std::vector<DroppedName> dropped;
    std::vector<std::string> versions;
    for (const Loaded* l : pending) {
        if (l->file->phase != plan::Phase::contract || l->compiled.dropped.empty()) {
            continue;
        }
        versions.push_back(l->file->version);
        for (const DroppedName& d : l->compiled.dropped) {
            if (std::find(dropped.begin(), dropped.end(), d) == dropped.end()) {
                dropped.push_back(d);
            }
        }
    }
    if (dropped.empty()) {
        return;
    }
    std::vector<std::string> names;
    for (const DroppedName& d : dropped) {
        names.push_back(d.display());
    }
    if (!request.codebase) {
        if (!request.dry_run) {
            *output.err << fmt::format(
                "note: {} drop{} {}; pass --codebase DIR to check that no code still uses "
                "{}\n",
                join(versions, ", "), versions.size() == 1 ? "s" : "", join(names, ", "),
                dropped.size() == 1 ? "it" : "them");
        }
        return;
    }
    std::vector<CodeReference> refs = scan_codebase(*request.codebase, dropped);
    if (refs.empty()) {
        *output.err << fmt::format("codebase check: no file under {} names {}\n",
                                   request.codebase->string(), join(names, ", "));
        return;
    }
    std::string listed;
    size_t shown = 0;
    for (const CodeReference& r : refs) {
        if (++shown > 50) {
            listed += fmt::format("  ... and {} more\n", refs.size() - 50);
            break;
        }
        listed += fmt::format("  {}:{}: {} ({})\n", (*request.codebase / r.file).string(), r.line,
                              r.name.display(), r.text);
    }
    if (request.allow_contract_with_references) {
        *output.err << fmt::format(
            "warning: the codebase still names what the contract phase drops "
            "(--allow-contract-with-references):\n{}",
            listed);
        return;
    }
    throw RefusedError(fmt::format(
        "the contract phase drops {}, but the codebase still names {}:\n{}"
        "update the code first, or pass --allow-contract-with-references",
        join(names, ", "), dropped.size() == 1 ? "it" : "them", listed));
}

std::string down_sql(const fs::path& down, plan::Phase phase) {
    return compile_delta_file(down, phase).sql();
}

} // namespace

fs::path expected_phase_down(const fs::path& migrations_dir, const Migration& migration,
                             const DeltaFile& file) {
    if (is_folder_file(migrations_dir, file)) {
        return migrations_dir / migration.key / fmt::format("down.{}.qail", to_string(file.phase));
    }
    return migrations_dir / fmt::format("{}.{}.down.qail", migration.key, to_string(file.phase));
}

ApplySummary apply_migrations(pg::Connection& conn, const ApplyRequest& request,
                              const Output& output) {
    auto started = Clock::now();
    std::vector<Migration> migrations = discover_migrations(request.migrations_dir);
    std::vector<Loaded> files = compile_up_files(migrations);
    std::map<fs::path, std::string> downs; // validated now; stored as sql_down
    for (const Migration& m : migrations) {
        downs[m.down] = down_sql(m.down, plan::Phase::expand);
        for (const DeltaFile& f : m.up) {
            if (f.phase_down) {
                downs[*f.phase_down] = down_sql(*f.phase_down, plan::Phase::expand);
            }
        }
    }

    std::unique_ptr<MigrationLock> lock;
    History history(conn);
    if (!request.dry_run) {
        lock = std::make_unique<MigrationLock>(conn, request.wait_for_lock);
        history.ensure();
        prepare_session(conn, request.settings);
    }
    std::map<std::string, HistoryRow> rows = by_version(history.rows());
    verify_checksums(files, rows);

    std::vector<const Loaded*> pending;
    for (const Loaded& l : files) {
        if (is_applied(rows, l.file->version)) {
            continue;
        }
        if (request.phase && l.file->phase != *request.phase) {
            continue;
        }
        pending.push_back(&l);
    }
    std::string scope = request.phase ? fmt::format(" for phase {}", to_string(*request.phase))
                                      : std::string();
    if (pending.empty()) {
        *output.err << fmt::format("✓ Database is up to date: no pending migrations{}\n", scope);
        return {};
    }
    check_phase_order(pending, rows);
    check_unconfirmed_drops(pending, request.allow_destructive, output);
    check_codebase(pending, request, output);

    ApplySummary summary;
    if (request.dry_run) {
        *output.out << fmt::format("-- dry run: {} pending file{}{}; nothing is executed\n",
                                   pending.size(), pending.size() == 1 ? "" : "s", scope);
        for (const Loaded* l : pending) {
            auto it = rows.find(l->file->version);
            print_dry_run_file(output, *l, it != rows.end() ? it->second.steps_done : 0);
            summary.steps += static_cast<int>(l->compiled.steps.size());
        }
        summary.files = static_cast<int>(pending.size());
        return summary;
    }

    if (request.before_run) {
        std::vector<std::pair<std::string, const std::vector<DeltaStep>*>> files_steps;
        for (const Loaded* l : pending) {
            files_steps.emplace_back(l->file->version, &l->compiled.steps);
        }
        request.before_run(conn, files_steps);
    }
    Colors style{output.color};
    for (const Loaded* l : pending) {
        FileJob job;
        auto it = rows.find(l->file->version);
        if (it != rows.end()) {
            job.resumed = true;
            job.resume_from = it->second.steps_done;
            job.row.duration_ms = it->second.duration_ms;
            ++summary.resumed;
        }
        job.row.version = l->file->version;
        job.row.name = l->migration->name;
        job.row.phase = to_string(l->file->phase);
        job.row.checksum = l->compiled.checksum();
        job.row.sql_up = l->compiled.sql();
        job.row.sql_down = downs[l->file->phase_down.value_or(l->migration->down)];
        job.steps = l->compiled.steps;
        *output.err << fmt::format("→ {} [{}]{} ...", l->file->version, job.row.phase,
                                   job.resumed ? fmt::format(" resuming after step {}/{}",
                                                             job.resume_from, job.steps.size())
                                               : std::string());
        if (l->compiled.has_outside_transaction()) {
            *output.err << "\n";
        }
        output.err->flush();
        FileResult result = run_file(conn, history, job, request.settings, output);
        if (l->compiled.has_outside_transaction()) {
            *output.err << fmt::format("  {}", l->file->version);
        }
        *output.err << fmt::format(" {}✓{} ({} step{}, {})\n", style.green(), style.reset(),
                                   job.steps.size(), job.steps.size() == 1 ? "" : "s",
                                   format_duration(result.duration_ms));
        ++summary.files;
        summary.steps += static_cast<int>(job.steps.size());
    }
    summary.duration_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
    *output.err << fmt::format("{}✓ {} migration file{} applied{} ({} step{}, {}){}\n",
                               style.green(), summary.files, summary.files == 1 ? "" : "s", scope,
                               summary.steps, summary.steps == 1 ? "" : "s",
                               format_duration(summary.duration_ms), style.reset());
    return summary;
}

// ----------------------------------------------------------------- rollback

namespace {

struct AppliedFile {
    const Migration* migration = nullptr;
    const DeltaFile* file = nullptr;
    HistoryRow row;
};

struct UndoJob {
    const Migration* migration = nullptr;
    std::vector<const AppliedFile*> files; ///< newest phase first
    bool whole = false;                    ///< the migration's down file
    fs::path down;
};

std::vector<AppliedFile> applied_files(const std::vector<Migration>& migrations,
                                       const std::vector<HistoryRow>& rows) {
    std::map<std::string, std::pair<const Migration*, const DeltaFile*>> local;
    for (const Migration& m : migrations) {
        for (const DeltaFile& f : m.up) {
            local[f.version] = {&m, &f};
        }
    }
    std::vector<AppliedFile> out;
    for (const HistoryRow& row : rows) { // oldest first
        auto it = local.find(row.version);
        if (it != local.end()) {
            out.push_back(AppliedFile{it->second.first, it->second.second, row});
        }
    }
    return out;
}

// Plans the undo of `undo` (a subset of `applied`): whole migrations with
// their down file, single phases with their phase down files.
std::vector<UndoJob> plan_undo(const fs::path& dir, const std::vector<AppliedFile>& applied,
                               const std::vector<const AppliedFile*>& undo,
                               const std::string& target_text) {
    for (const AppliedFile* a : undo) {
        if (a->row.status != "applied") {
            throw RefusedError(fmt::format(
                "{} is only partly applied ({} steps done): finish it with `qail migrate apply` "
                "before rolling back",
                a->file->version, a->row.steps_done));
        }
    }
    std::map<const Migration*, std::vector<const AppliedFile*>> by_migration;
    std::map<const Migration*, long long> newest;
    for (const AppliedFile* a : undo) {
        by_migration[a->migration].push_back(a);
        newest[a->migration] = std::max(newest[a->migration], a->row.id);
    }
    std::vector<UndoJob> jobs;
    for (auto& [m, files] : by_migration) {
        std::sort(files.begin(), files.end(), [](const AppliedFile* a, const AppliedFile* b) {
            return static_cast<int>(a->file->phase) > static_cast<int>(b->file->phase);
        });
        size_t applied_count = 0;
        const AppliedFile* first_of_m = nullptr;
        for (const AppliedFile& a : applied) {
            if (a.migration == m) {
                ++applied_count;
                if (first_of_m == nullptr) {
                    first_of_m = &a;
                }
            }
        }
        // The whole down file assumes the whole migration; a migration applied
        // only in part is undone with its phase down files when it has them.
        bool phase_downs = std::all_of(files.begin(), files.end(), [](const AppliedFile* a) {
            return a->file->phase_down.has_value();
        });
        if (files.size() == applied_count && (applied_count == m->up.size() || !phase_downs)) {
            jobs.push_back(UndoJob{m, files, true, m->down});
            continue;
        }
        for (const AppliedFile* a : files) {
            if (!a->file->phase_down) {
                std::string before = "base";
                for (const AppliedFile& b : applied) {
                    if (&b == first_of_m) {
                        break;
                    }
                    before = b.row.version;
                }
                throw RefusedError(fmt::format(
                    "rolling back to {} stops inside migration {}: its {} phase ({}) has no down "
                    "file of its own.\nwrite {} to undo just that phase, or roll back to {} "
                    "(before the migration) instead",
                    target_text, m->key, to_string(a->file->phase), a->file->version,
                    expected_phase_down(dir, *m, *a->file).string(), before));
            }
            jobs.push_back(UndoJob{m, {a}, false, *a->file->phase_down});
        }
    }
    // newest migration first
    std::stable_sort(jobs.begin(), jobs.end(), [&](const UndoJob& a, const UndoJob& b) {
        return newest[a.migration] > newest[b.migration];
    });
    return jobs;
}

RollbackSummary run_undo(pg::Connection& conn, History& history, const std::vector<UndoJob>& jobs,
                         const RunSettings& settings, const Output& output) {
    auto started = Clock::now();
    // compile every down file before running any
    std::vector<CompiledDelta> compiled;
    for (const UndoJob& job : jobs) {
        compiled.push_back(compile_delta_file(job.down, plan::Phase::contract));
    }
    Colors style{output.color};
    RollbackSummary summary;
    std::set<const Migration*> migrations;
    for (size_t i = 0; i < jobs.size(); ++i) {
        const UndoJob& undo = jobs[i];
        std::vector<std::string> versions;
        for (const AppliedFile* a : undo.files) {
            versions.push_back(a->file->version);
        }
        FileJob job;
        job.steps = compiled[i].steps;
        job.finish = [&history, versions](pg::Connection&) {
            for (const std::string& v : versions) {
                history.remove(v);
            }
        };
        *output.err << fmt::format("↩ {} {} ...", undo.whole ? undo.migration->key : versions[0],
                                   undo.whole ? fmt::format("(down: {})", undo.down.filename().string())
                                              : fmt::format("[{}] (down: {})",
                                                            to_string(undo.files[0]->file->phase),
                                                            undo.down.filename().string()));
        if (compiled[i].has_outside_transaction()) {
            *output.err << "\n";
        }
        output.err->flush();
        FileResult result = run_file(conn, history, job, settings, output);
        *output.err << fmt::format(" {}✓{} ({} step{}, {})\n", style.green(), style.reset(),
                                   job.steps.size(), job.steps.size() == 1 ? "" : "s",
                                   format_duration(result.duration_ms));
        summary.files += static_cast<int>(versions.size());
        migrations.insert(undo.migration);
    }
    summary.migrations = static_cast<int>(migrations.size());
    summary.duration_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
    return summary;
}

} // namespace

RollbackSummary rollback_migrations(pg::Connection& conn, const RollbackRequest& request,
                                    const Output& output) {
    std::vector<Migration> migrations = discover_migrations(request.migrations_dir);
    MigrationLock lock(conn, request.wait_for_lock);
    History history(conn);
    history.ensure();
    prepare_session(conn, request.settings);
    std::vector<HistoryRow> rows = history.rows();
    std::vector<AppliedFile> applied = applied_files(migrations, rows);

    // verify that what we undo is what was applied
    {
        std::vector<Loaded> files = compile_up_files(migrations);
        verify_checksums(files, by_version(rows));
    }

    const std::string& to = request.to;
    bool base = to == "base" || to == "0" || to == "root";
    long long target_id = -1;
    std::string target_text = base ? std::string("base") : to;
    if (!base) {
        const AppliedFile* target = nullptr;
        for (const AppliedFile& a : applied) {
            if (a.row.version == to) {
                target = &a;
            }
        }
        if (target == nullptr) {
            // a migration key keeps the whole migration
            for (const AppliedFile& a : applied) {
                if (a.migration->key == to) {
                    target = &a;
                }
            }
        }
        if (target == nullptr) {
            std::vector<std::string> versions;
            for (const AppliedFile& a : applied) {
                versions.push_back(a.row.version);
            }
            bool known = false;
            for (const Migration& m : migrations) {
                for (const DeltaFile& f : m.up) {
                    known = known || f.version == to;
                }
            }
            std::vector<std::string_view> candidates(versions.begin(), versions.end());
            candidates.push_back("base");
            throw InputError(Diagnostic{
                .file = "--to", .line = 0, .column = 0, .length = 1, .line_text = {},
                .message = known ? fmt::format("{} is not applied, so there is nothing to roll "
                                               "back to",
                                               to)
                                 : fmt::format("unknown version '{}'", to),
                .help = versions.empty()
                            ? std::string("no migration file is applied")
                            : did_you_mean(to, candidates) +
                                  (did_you_mean(to, candidates).empty() ? "" : " ") +
                                  fmt::format("applied versions: {}; or `base`",
                                              join(versions, ", "))});
        }
        target_id = target->row.id;
        target_text = target->row.version;
    }
    std::vector<const AppliedFile*> undo;
    for (const AppliedFile& a : applied) {
        if (a.row.id > target_id) {
            undo.push_back(&a);
        }
    }
    if (undo.empty()) {
        *output.err << fmt::format("✓ Nothing to roll back: {} is the latest applied version\n",
                                   target_text);
        return {};
    }
    std::vector<UndoJob> jobs = plan_undo(request.migrations_dir, applied, undo, target_text);
    RollbackSummary summary = run_undo(conn, history, jobs, request.settings, output);
    Colors style{output.color};
    *output.err << fmt::format("{}✓ Rolled back {} file{} of {} migration{}; now at {} ({}){}\n",
                               style.green(), summary.files, summary.files == 1 ? "" : "s",
                               summary.migrations, summary.migrations == 1 ? "" : "s", target_text,
                               format_duration(summary.duration_ms), style.reset());
    return summary;
}

RollbackSummary apply_down(pg::Connection& conn, const fs::path& migrations_dir,
                           std::optional<plan::Phase> phase, bool wait_for_lock,
                           const RunSettings& settings, const Output& output) {
    std::vector<Migration> migrations = discover_migrations(migrations_dir);
    MigrationLock lock(conn, wait_for_lock);
    History history(conn);
    history.ensure();
    prepare_session(conn, settings);
    std::vector<HistoryRow> rows = history.rows();
    std::vector<AppliedFile> applied = applied_files(migrations, rows);
    {
        std::vector<Loaded> files = compile_up_files(migrations);
        verify_checksums(files, by_version(rows));
    }
    // the newest migration (that has `phase` applied)
    const AppliedFile* newest = nullptr;
    for (const AppliedFile& a : applied) {
        if (!phase || a.file->phase == *phase) {
            newest = &a;
        }
    }
    if (newest == nullptr) {
        *output.err << fmt::format("✓ Nothing to undo: no applied migration{}\n",
                                   phase ? fmt::format(" has its {} phase applied",
                                                       to_string(*phase))
                                         : std::string());
        return {};
    }
    std::vector<const AppliedFile*> undo;
    for (const AppliedFile& a : applied) {
        if (a.migration != newest->migration) {
            continue;
        }
        if (phase && a.file->phase != *phase) {
            if (static_cast<int>(a.file->phase) > static_cast<int>(*phase)) {
                throw RefusedError(fmt::format(
                    "cannot undo the {} phase of {}: its {} phase ({}) is applied after it; "
                    "undo that first (`qail migrate apply --direction down --phase {}`)",
                    to_string(*phase), newest->migration->key, to_string(a.file->phase),
                    a.file->version, to_string(a.file->phase)));
            }
            continue;
        }
        undo.push_back(&a);
    }
    std::vector<UndoJob> jobs = plan_undo(migrations_dir, applied, undo,
                                          phase ? newest->file->version : newest->migration->key);
    RollbackSummary summary = run_undo(conn, history, jobs, settings, output);
    Colors style{output.color};
    *output.err << fmt::format("{}✓ Undid {} file{} of migration {} ({}){}\n", style.green(),
                               summary.files, summary.files == 1 ? "" : "s",
                               newest->migration->key, format_duration(summary.duration_ms),
                               style.reset());
    return summary;
}

} // namespace qail::exec
