#include "migrate_status.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <ostream>
#include <set>

#include <qail/cli/box_table.hpp>
#include <qail/cli/database_url.hpp>
#include <qail/cli/runtime.hpp>
#include <qail/exec/discovery.hpp>
#include <qail/exec/history.hpp>
#include <qail/lang/config.hpp>
#include <qail/pg/connection.hpp>

namespace qail::cli {

namespace {

std::string short_checksum(const std::string& checksum) {
    return checksum.size() > 8 ? checksum.substr(0, 8) + "..." : checksum;
}

std::string duration_text(long long ms) {
    if (ms < 1000) {
        return fmt::format("{} ms", ms);
    }
    return fmt::format("{:.1f} s", static_cast<double>(ms) / 1000.0);
}

} // namespace

void run_migrate_status(Runtime& rt, const StatusRequest& request) {
    DatabaseTarget target = resolve_database(request.url_positional, request.url);
    pg::Connection conn = pg::Connection::open(target.conninfo);
    exec::History history(conn);
    std::vector<exec::HistoryRow> rows = history.rows();

    // What the migrations folder holds that the database has not seen yet.
    std::vector<exec::DeltaFile> pending;
    std::string pending_error;
    try {
        auto config = lang::find_project_config();
        std::set<std::string> applied;
        for (const auto& row : rows) {
            if (row.status == "applied") {
                applied.insert(row.version);
            }
        }
        for (const auto& file : exec::up_files(exec::discover_migrations(lang::migrations_dir(config)))) {
            if (applied.count(file.version) == 0) {
                pending.push_back(file);
            }
        }
    } catch (const Error& e) {
        pending_error = e.what();
    }

    if (request.json) {
        nlohmann::json out;
        out["database"] = conn.database();
        out["applied"] = nlohmann::json::array();
        for (const auto& row : rows) {
            out["applied"].push_back({{"version", row.version},
                                      {"name", row.name},
                                      {"phase", row.phase},
                                      {"applied_at", row.applied_at},
                                      {"checksum", row.checksum},
                                      {"duration_ms", row.duration_ms},
                                      {"actor", row.actor},
                                      {"qail_version", row.qail_version},
                                      {"status", row.status}});
        }
        out["pending"] = nlohmann::json::array();
        for (const auto& file : pending) {
            out["pending"].push_back({{"version", file.version},
                                      {"phase", exec::to_string(file.phase)}});
        }
        *rt.out << out.dump(2) << "\n";
        return;
    }

    Style s{rt.color_out};
    *rt.out << s.bold() << "📋 Migration Status — " << conn.database() << s.reset() << "\n";
    if (rows.empty()) {
        *rt.out << "No migrations applied yet.\n";
    } else {
        std::vector<std::vector<std::string>> cells;
        for (const auto& row : rows) {
            std::string phase = row.phase;
            if (row.status != "applied") {
                phase += fmt::format(" ({}, {} steps done)", row.status, row.steps_done);
            }
            cells.push_back({row.version, row.name, row.applied_at, short_checksum(row.checksum),
                             phase, duration_text(row.duration_ms)});
        }
        *rt.out << box_table({"Version", "Name", "Applied At", "Checksum", "Phase", "Duration"},
                             cells);
        *rt.out << fmt::format("{} migration(s) applied.\n", rows.size());
    }
    if (!pending_error.empty()) {
        *rt.err << "warning: cannot read the migrations folder: " << pending_error << "\n";
    } else if (!pending.empty()) {
        *rt.out << fmt::format("{} pending: ", pending.size());
        for (size_t i = 0; i < pending.size() && i < 5; ++i) {
            *rt.out << (i > 0 ? ", " : "") << pending[i].version;
        }
        *rt.out << (pending.size() > 5 ? ", ..." : "") << "\n";
    }
}

} // namespace qail::cli
