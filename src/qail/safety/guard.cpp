#include "guard.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <istream>
#include <ostream>

#include <qail/base/error.hpp>
#include <qail/base/strings.hpp>
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
    if (*m_mode == BackupMode::files) {
        // one folder per version, in the order the versions run
        std::vector<std::string> versions;
        for (const GuardedStep& g : steps) {
            if (g.step->destructive &&
                std::find(versions.begin(), versions.end(), g.version) == versions.end()) {
                versions.push_back(g.version);
            }
        }
        for (const std::string& v : versions) {
            std::vector<const plan::Step*> of_version;
            for (const GuardedStep& g : steps) {
                if (g.version == v && snapshot_type(*g.step)) {
                    of_version.push_back(g.step);
                }
            }
            if (of_version.empty()) {
                continue;
            }
            FileSnapshot snapshot =
                write_file_snapshot(conn, m_options.snapshot_base, v, of_version);
            *m_options.err << fmt::format("✓ Backed up {} row{} to {}/ ({} file{} and "
                                          "manifest.json)\n",
                                          with_commas(snapshot.rows()),
                                          snapshot.rows() == 1 ? "" : "s",
                                          snapshot.folder.string(), snapshot.entries.size(),
                                          snapshot.entries.size() == 1 ? "" : "s");
            m_files.push_back(std::move(snapshot));
            m_versions.push_back(v);
        }
    } else if (*m_mode == BackupMode::db) {
        for (const GuardedStep& g : steps) {
            if (snapshot_type(*g.step)) {
                m_db_steps.emplace_back(*g.step, g.version);
                if (std::find(m_versions.begin(), m_versions.end(), g.version) ==
                    m_versions.end()) {
                    m_versions.push_back(g.version);
                }
            }
        }
    }
    m_options.err->flush();
}

void Guard::before_step(pg::Connection& conn, const plan::Step& step) {
    if (m_mode != BackupMode::db) {
        return;
    }
    for (size_t i = 0; i < m_db_steps.size(); ++i) {
        if (m_db_steps[i].first == step) {
            // a retried transaction runs this again: the rows replace the earlier count
            m_db_rows[i] = snapshot_step_to_db(conn, m_db_steps[i].second, step);
            return;
        }
    }
}

void Guard::attach(exec::RunSettings& settings) {
    settings.before_destructive = [this](pg::Connection& conn, const plan::Step& step) {
        before_step(conn, step);
    };
}

void Guard::print_summary(std::ostream& out) const {
    if (m_mode == BackupMode::db && !m_db_rows.empty()) {
        long long rows = 0;
        for (const auto& [i, n] : m_db_rows) {
            rows += n;
        }
        out << fmt::format("✓ Backed up {} row{} to _qail_data_snapshots (version {})\n",
                           with_commas(rows), rows == 1 ? "" : "s", join(m_versions, ", "));
    }
    if (m_mode == BackupMode::db || m_mode == BackupMode::files) {
        for (const std::string& v : m_versions) {
            out << fmt::format("  Restore the data after a schema rollback: qail rollback --data {}\n",
                               v);
        }
    }
}

} // namespace qail::safety
