#include "discovery.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include <qail/base/error.hpp>
#include <qail/base/strings.hpp>

namespace qail::exec {

namespace fs = std::filesystem;

std::optional<Phase> parse_phase(std::string_view text) {
    if (text == "expand") {
        return Phase::expand;
    }
    if (text == "backfill") {
        return Phase::backfill;
    }
    if (text == "contract") {
        return Phase::contract;
    }
    return std::nullopt;
}

std::string migration_name(std::string_view key) {
    size_t i = 0;
    while (i < key.size() && std::isdigit(static_cast<unsigned char>(key[i]))) {
        ++i;
    }
    if (i > 0 && i < key.size() && (key[i] == '_' || key[i] == '-')) {
        return std::string(key.substr(i + 1));
    }
    return std::string(key);
}

namespace {

bool ends_with(std::string_view text, std::string_view suffix) {
    return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// Upstream's rule for flat files without an explicit phase: a name token
// "contract" or "backfill" decides, else expand.
Phase phase_from_name(std::string_view name) {
    std::string lower = to_lower(name);
    std::vector<std::string> tokens;
    std::string current;
    for (char c : lower) {
        if (std::isalnum(static_cast<unsigned char>(c))) {
            current += c;
        } else if (!current.empty()) {
            tokens.push_back(current);
            current.clear();
        }
    }
    if (!current.empty()) {
        tokens.push_back(current);
    }
    if (std::find(tokens.begin(), tokens.end(), "contract") != tokens.end()) {
        return Phase::contract;
    }
    if (std::find(tokens.begin(), tokens.end(), "backfill") != tokens.end()) {
        return Phase::backfill;
    }
    return Phase::expand;
}

struct Group {
    std::vector<DeltaFile> up;
    std::vector<fs::path> downs;
    std::map<Phase, fs::path> phase_downs;
    std::string expected_down; ///< for the error message
};

} // namespace

std::vector<Migration> discover_migrations(const fs::path& dir) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        return {};
    }
    std::map<std::string, Group> groups;
    std::vector<std::string> sql_files;

    std::vector<fs::directory_entry> entries;
    for (const auto& entry : fs::directory_iterator(dir)) {
        entries.push_back(entry);
    }
    std::sort(entries.begin(), entries.end(),
              [](const auto& a, const auto& b) { return a.path().filename() < b.path().filename(); });

    for (const auto& entry : entries) {
        std::string file = entry.path().filename().string();
        if (file.empty() || file[0] == '.') {
            continue;
        }
        if (entry.is_directory()) {
            Group& group = groups[file];
            group.expected_down = (fs::path(file) / "down.qail").string();
            bool phased = false;
            for (const char* phase_name : {"expand", "backfill", "contract"}) {
                fs::path p = entry.path() / (std::string(phase_name) + ".qail");
                if (fs::is_regular_file(p)) {
                    phased = true;
                    group.up.push_back(DeltaFile{file + "/" + phase_name + ".qail", file,
                                                 *parse_phase(phase_name), p});
                }
            }
            fs::path legacy = entry.path() / "up.qail";
            if (!phased && fs::is_regular_file(legacy)) {
                group.up.push_back(DeltaFile{file + "/up.qail", file, phase_from_name(file), legacy});
            }
            if (fs::is_regular_file(entry.path() / "down.qail")) {
                group.downs.push_back(entry.path() / "down.qail");
            }
            for (const char* phase_name : {"expand", "backfill", "contract"}) {
                fs::path p = entry.path() / (std::string("down.") + phase_name + ".qail");
                if (fs::is_regular_file(p)) {
                    group.phase_downs[*parse_phase(phase_name)] = p;
                }
            }
            for (const char* sql : {"up.sql", "down.sql", "expand.sql", "backfill.sql",
                                    "contract.sql"}) {
                if (fs::is_regular_file(entry.path() / sql)) {
                    sql_files.push_back((fs::path(file) / sql).string());
                }
            }
            if (group.up.empty() && group.downs.empty()) {
                groups.erase(file); // not a migration folder
            }
            continue;
        }
        if (!entry.is_regular_file()) {
            continue;
        }
        if (ends_with(file, ".up.sql") || ends_with(file, ".down.sql")) {
            sql_files.push_back(file);
            continue;
        }
        if (ends_with(file, ".down.qail")) {
            std::string key = file.substr(0, file.size() - std::string(".down.qail").size());
            // "<ts>_<name>.<phase>.down.qail" undoes one phase of its migration
            bool phase_down = false;
            for (const char* phase_name : {"expand", "backfill", "contract"}) {
                std::string suffix = std::string(".") + phase_name;
                if (ends_with(key, suffix)) {
                    key = key.substr(0, key.size() - suffix.size());
                    groups[key].phase_downs[*parse_phase(phase_name)] = entry.path();
                    phase_down = true;
                }
            }
            if (!phase_down) {
                groups[key].downs.push_back(entry.path());
            }
            continue;
        }
        if (ends_with(file, ".up.qail")) {
            std::string stem = file.substr(0, file.size() - std::string(".up.qail").size());
            std::string key = stem;
            Phase phase = Phase::expand;
            bool explicit_phase = false;
            for (const char* phase_name : {"expand", "backfill", "contract"}) {
                std::string suffix = std::string(".") + phase_name;
                if (ends_with(stem, suffix)) {
                    key = stem.substr(0, stem.size() - suffix.size());
                    phase = *parse_phase(phase_name);
                    explicit_phase = true;
                }
            }
            if (!explicit_phase) {
                phase = phase_from_name(stem);
            }
            Group& group = groups[key];
            group.expected_down = key + ".down.qail";
            group.up.push_back(DeltaFile{file, key, phase, entry.path()});
        }
    }

    if (!sql_files.empty()) {
        throw InputError(fmt::format(
            "{}: .sql migration files are not read: {}; write them as .qail delta files "
            "(raw SQL goes in a `sql $$ ... $$` block)",
            dir.string(), join(sql_files, ", ")));
    }

    std::vector<Migration> migrations;
    std::vector<Diagnostic> problems;
    for (auto& [key, group] : groups) {
        if (group.up.empty() && group.downs.empty()) {
            continue; // only per-phase down files: reported with their migration, if any
        }
        if (group.up.empty()) {
            problems.push_back(Diagnostic{.file = group.downs.front().string(), .line = 0,
                                          .column = 0, .length = 1, .line_text = {},
                                          .message = "down file without any up file",
                                          .help = {}});
            continue;
        }
        if (group.downs.empty()) {
            problems.push_back(Diagnostic{
                .file = (dir / group.expected_down).string(), .line = 0, .column = 0, .length = 1,
                .line_text = {},
                .message = fmt::format("missing down file for migration {} (expected {})", key,
                                       (dir / group.expected_down).string()),
                .help = "every migration needs one down file that undoes it"});
            continue;
        }
        if (group.downs.size() > 1) {
            std::vector<std::string> names;
            for (const auto& p : group.downs) {
                names.push_back(p.filename().string());
            }
            problems.push_back(Diagnostic{
                .file = (dir / key).string(), .line = 0, .column = 0, .length = 1, .line_text = {},
                .message = fmt::format("migration {} has several down files: {}", key,
                                       join(names, ", ")),
                .help = "keep one down file per migration"});
            continue;
        }
        std::stable_sort(group.up.begin(), group.up.end(), [](const auto& a, const auto& b) {
            return static_cast<int>(a.phase) < static_cast<int>(b.phase);
        });
        for (size_t i = 1; i < group.up.size(); ++i) {
            if (group.up[i].phase == group.up[i - 1].phase) {
                problems.push_back(Diagnostic{
                    .file = group.up[i].path.string(), .line = 0, .column = 0, .length = 1,
                    .line_text = {},
                    .message = fmt::format("migration {} has two {} files ({} and {})", key,
                                           to_string(group.up[i].phase), group.up[i - 1].version,
                                           group.up[i].version),
                    .help = {}});
            }
        }
        for (DeltaFile& file : group.up) {
            if (auto it = group.phase_downs.find(file.phase); it != group.phase_downs.end()) {
                file.phase_down = it->second;
            }
        }
        migrations.push_back(
            Migration{key, migration_name(key), std::move(group.up), group.downs.front()});
    }
    if (!problems.empty()) {
        throw InputError(std::move(problems));
    }
    return migrations;
}

std::vector<DeltaFile> up_files(const std::vector<Migration>& migrations) {
    std::vector<DeltaFile> files;
    for (const Migration& m : migrations) {
        files.insert(files.end(), m.up.begin(), m.up.end());
    }
    return files;
}

} // namespace qail::exec
