#include "guard.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <istream>
#include <ostream>

#include <qail/base/error.hpp>
#include <qail/base/strings.hpp>
#include <qail/safety/backup_store.hpp>
#include <qail/safety/catalog.hpp>

namespace qail::safety {

BackupMode choose_backup(const ImpactReport& report, const GuardOptions& options) {
    if (options.backup) {
        std::optional<BackupMode> mode = parse_backup_mode(*options.backup);
        if (!mode) {
            throw UsageError(fmt::format("--backup must be none, files or db (got '{}')",
                                         *options.backup));
        }
        return *mode;
    }
    if (options.yes || !report.at_risk()) {
        return BackupMode::none;
    }
    if (!options.interactive || options.in == nullptr) {
        std::string what = report.total > 0
                               ? fmt::format("{} record{} at risk", with_commas(report.total),
                                             report.total == 1 ? " is" : "s are")
                               : std::string("data may be at risk (not every step could be counted)");
        throw RefusedError(fmt::format(
            "{} and there is no terminal to ask whether to back it up: pass "
            "--backup=none|files|db (or --yes to proceed without a backup)",
            what));
    }
    std::ostream& err = *options.err;
    err << "Choose an option:\n"
           "  [1] Proceed (I have my own backup)\n"
           "  [2] Backup to files (_qail_snapshots/)\n"
           "  [3] Backup to database (with rollback support)\n"
           "  [4] Cancel migration\n";
    for (int attempt = 0; attempt < 3; ++attempt) {
        err << "> " << std::flush;
        std::string answer;
        if (!std::getline(*options.in, answer)) {
            break;
        }
        std::string_view a = trim(answer);
        if (a == "1") {
            return BackupMode::none;
        }
        if (a == "2") {
            return BackupMode::files;
        }
        if (a == "3") {
            return BackupMode::db;
        }
        if (a == "4" || a.empty()) {
            break;
        }
        err << "Please answer 1, 2, 3 or 4.\n";
    }
    throw CancelledError("migration cancelled; nothing was changed");
}

void Guard::before_run(pg::Connection& conn, const std::vector<GuardedStep>& steps) {
    std::vector<const plan::Step*> destructive;
    for (const GuardedStep& g : steps) {
        if (g.step->destructive) {
            destructive.push_back(g.step);
        }
    }
    if (destructive.empty()) {
        return;
    }
    ImpactReport report = analyze_impact(conn, destructive, m_options.estimate_above);
    print_impact(*m_options.err, report);
    m_mode = choose_backup(report, m_options);
    if (*m_mode != BackupMode::none) {
        check_backup_possible(conn, destructive);
        ensure_backup_tables(conn);
        // what a run that died left: capture triggers on the tables, partial rows
        abandon_dead_captures(conn);
        for (const GuardedStep& g : steps) {
            if (snapshot_type(*g.step)) {
                m_pending.push_back(Pending{g.version, *g.step, std::nullopt});
            }
        }
    }
    m_options.err->flush();
}

Guard::Pending* Guard::find_pending(const std::string& version, const plan::Step& step) {
    // the runner knows the version of delta files and state migrations, not of undo jobs
    for (bool wanting_version : {true, false}) {
        for (Pending& p : m_pending) {
            if (!p.done && p.step == step && (!wanting_version || p.version == version)) {
                return &p;
            }
        }
    }
    return nullptr;
}

Guard::Made& Guard::backup_for(pg::Connection& conn, const std::string& version) {
    auto it = m_made.find(version);
    if (it != m_made.end()) {
        return it->second;
    }
    Made made;
    made.target.version = version;
    made.target.mode = *m_mode;
    made.target.id = open_backup(conn, version, *m_mode);
    if (*m_mode == BackupMode::files) {
        made.target.folder = create_backup_folder(m_options.snapshot_base, version, made.target.id);
        std::error_code ec;
        std::filesystem::path absolute = std::filesystem::absolute(made.target.folder, ec);
        set_backup_folder(conn, made.target.id, (ec ? made.target.folder : absolute).string());
    }
    return m_made.emplace(version, std::move(made)).first->second;
}

void Guard::write_manifest_of(pg::Connection& conn, const Made& made) const {
    std::vector<SnapshotEntry> entries;
    for (const Pending& p : m_pending) {
        if (p.prepared && p.version == made.target.version && p.prepared->entry.entry_id > 0) {
            entries.push_back(p.prepared->entry);
        }
    }
    write_manifest(conn, made.target, entries);
}

void Guard::before_steps(pg::Connection& conn, const std::string& version,
                         std::span<const exec::DeltaStep> steps) {
    if (m_mode == BackupMode::none || !m_mode) {
        return;
    }
    for (const exec::DeltaStep& s : steps) {
        if (!s.step.destructive) {
            continue;
        }
        Pending* p = find_pending(version, s.step);
        if (p == nullptr || p->prepared) {
            continue; // nothing to back up, or prepared by an earlier attempt
        }
        Made& made = backup_for(conn, p->version);
        p->prepared = prepare_backup_entry(conn, made.target, p->step);
        if (made.target.mode == BackupMode::files && p->prepared->entry.entry_id > 0) {
            write_manifest_of(conn, made);
        }
    }
}

void Guard::before_step(pg::Connection& conn, const std::string& version, const plan::Step& step) {
    if (m_mode == BackupMode::none || !m_mode) {
        return;
    }
    Pending* p = find_pending(version, step);
    if (p == nullptr) {
        return;
    }
    Made& made = backup_for(conn, p->version);
    if (!p->prepared) {
        p->prepared = PreparedEntry{};
    }
    if (p->finishing && !p->prepared->captured) {
        // the transaction that recorded this entry was rolled back: record it again
        p->prepared->entry.entry_id = 0;
    }
    p->finishing = true;
    p->under_lock = finish_backup_entry(conn, made.target, *p->prepared, p->step);
    if (made.target.mode == BackupMode::files) {
        write_manifest_of(conn, made); // inside the transaction: before the drop commits
    }
}

void Guard::after_steps(pg::Connection& conn) {
    for (Pending& p : m_pending) {
        if (!p.finishing || p.done) {
            continue;
        }
        p.done = true;
        const SnapshotEntry& e = p.prepared->entry;
        if (m_mode == BackupMode::db) {
            if (std::optional<BackupEntryRecord> record = find_entry(conn, e.entry_id)) {
                compact_entry(conn, *record);
                p.rows = find_entry(conn, e.entry_id)->rows;
            }
        } else {
            p.rows = e.rows + e.changes_rows;
        }
    }
}

void Guard::on_done(pg::Connection& conn) {
    // a backup is complete once every step it covers has its second half
    for (const auto& [version, made] : m_made) {
        bool all = std::all_of(m_pending.begin(), m_pending.end(), [&](const Pending& p) {
            return p.version != version || p.finishing;
        });
        if (all) {
            std::vector<pg::Param> params{std::to_string(made.target.id)};
            conn.exec_params(fmt::format("UPDATE public.{} SET status = 'complete' WHERE id = "
                                         "$1::bigint",
                                         k_backups_table),
                             params);
        }
    }
}

void Guard::on_failure(pg::Connection& conn) noexcept {
    for (Pending& p : m_pending) {
        if (p.prepared && p.prepared->captured && !p.done) {
            try {
                abandon_entry(conn, p.prepared->entry.entry_id);
            } catch (...) { // NOLINT(bugprone-empty-catch): the next guarded run abandons it
            }
        }
    }
}

void Guard::attach(exec::RunSettings& settings) {
    settings.before_steps = [this](pg::Connection& conn, const std::string& version,
                                   std::span<const exec::DeltaStep> steps) {
        before_steps(conn, version, steps);
    };
    settings.before_destructive = [this](pg::Connection& conn, const std::string& version,
                                         const plan::Step& step) {
        before_step(conn, version, step);
    };
    settings.after_steps = [this](pg::Connection& conn, const std::string&) { after_steps(conn); };
    settings.on_done = [this](pg::Connection& conn, const std::string&) { on_done(conn); };
    settings.on_failure = [this](pg::Connection& conn) { on_failure(conn); };
}

std::vector<long long> Guard::backup_ids() const {
    std::vector<long long> out;
    for (const auto& [version, made] : m_made) {
        out.push_back(made.target.id);
    }
    return out;
}

void Guard::print_summary(std::ostream& out) const {
    if (!m_mode || *m_mode == BackupMode::none || m_made.empty()) {
        return;
    }
    std::vector<const Made*> made;
    for (const auto& [version, m] : m_made) {
        made.push_back(&m);
    }
    std::sort(made.begin(), made.end(),
              [](const Made* a, const Made* b) { return a->target.id < b->target.id; });
    for (const Made* m : made) {
        long long rows = 0;
        long long reread = 0;
        long long under_lock = 0;
        int files = 0;
        for (const Pending& p : m_pending) {
            if (p.version == m->target.version && p.done) {
                rows += p.rows;
                reread += p.prepared->reread;
                under_lock += p.prepared->captured ? p.under_lock : 0;
                files += (p.prepared->entry.file.empty() ? 0 : 1) +
                         (p.prepared->entry.changes_file.empty() ? 0 : 1);
            }
        }
        if (*m_mode == BackupMode::db) {
            out << fmt::format("✓ Backed up {} row{} to _qail_data_snapshots (version {}, backup "
                               "#{})\n",
                               with_commas(rows), rows == 1 ? "" : "s", m->target.version,
                               m->target.id);
        } else {
            out << fmt::format("✓ Backed up {} row{} to {}/ ({} file{} and manifest.json; backup "
                               "#{})\n",
                               with_commas(rows), rows == 1 ? "" : "s", m->target.folder.string(),
                               files, files == 1 ? "" : "s", m->target.id);
        }
        if (reread > 0) {
            out << fmt::format("  {} row{} written while it was copied were read again ({} under "
                               "the drop's lock)\n",
                               with_commas(reread), reread == 1 ? "" : "s",
                               with_commas(under_lock));
        }
        out << fmt::format("  Restore the data after a schema rollback: qail rollback --data {}\n",
                           m->target.version);
    }
}

} // namespace qail::safety
