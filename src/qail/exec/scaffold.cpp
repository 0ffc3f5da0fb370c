#include "scaffold.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include <qail/base/error.hpp>
#include <qail/base/strings.hpp>
#include <qail/exec/history.hpp>
#include <qail/lang/syntax.hpp>
#include <qail/model/naming.hpp>
#include <qail/sql/quote.hpp>

namespace qail::exec {

namespace fs = std::filesystem;

namespace {

void write_text(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
    if (!out) {
        throw InputError(fmt::format("{}: cannot write the file", path.string()));
    }
}

std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

} // namespace

// ---------------------------------------------------------------- migrate new

std::vector<std::pair<std::string, std::string>> migration_templates(const std::string& key) {
    std::string expand = fmt::format(
        R"(# {0}: expand phase
#
# Additive, lock-safe changes that the old and the new code can both live
# with: new tables, new nullable columns, new indexes, new functions and
# triggers. Runs first (qail migrate apply --phase expand), in one
# transaction; `index concurrently` and the statements PostgreSQL forbids in
# a transaction run on their own.
#
# Examples:
#   table user_profiles {{
#     id serial primary_key
#     user_id integer not_null references users(id)
#   }}
#   alter users add display_name:text:nullable
#   index concurrently idx_users_display_name on users (display_name)
#   sql $$ ALTER TYPE order_status ADD VALUE 'archived' $$
)",
        key);
    std::string backfill = fmt::format(
        R"(# {0}: backfill phase
#
# Data movement, after every expand file and before contract
# (qail migrate apply --phase backfill --backfill-chunk-size 10000).
#
# Examples:
#   transform trim(full_name) -> users.display_name
#   sql $$ UPDATE orders SET total_cents = round(total * 100) WHERE total_cents IS NULL $$
#
# Or a chunked backfill by primary key, one transaction per chunk. The file
# then holds only these directive lines (without the leading '#'):
#   -- @backfill.table: users
#   -- @backfill.set: display_name = trim(full_name)
#   -- @backfill.where: display_name IS NULL
#   -- @backfill.chunk_size: 5000
)",
        key);
    std::string contract = fmt::format(
        R"(# {0}: contract phase
#
# Removal and tightening, once no code uses the old shape. Runs last
# (qail migrate apply --phase contract --codebase ./src refuses while files
# under ./src still name a dropped table or column). Drops of data need
# `confirm`.
#
# Examples:
#   drop users.full_name confirm
#   drop table legacy_sessions confirm
#   alter users drop constraint users_legacy_check
#   alter users add constraint users_display_name_present check(display_name IS NOT NULL)
)",
        key);
    std::string down = fmt::format(
        R"(# {0}: down
#
# Undoes the whole migration, newest phase first
# (qail migrate rollback --to <an earlier version>, or --to base).
#
# Examples:
#   drop index idx_users_display_name
#   drop users.display_name confirm
#
# To let a rollback stop between phases, add down.contract.qail,
# down.backfill.qail or down.expand.qail beside this file: each undoes one phase.
)",
        key);
    return {{"expand.qail", expand},
            {"backfill.qail", backfill},
            {"contract.qail", contract},
            {"down.qail", down}};
}

fs::path create_migration(const fs::path& migrations_dir, const std::string& name) {
    return create_migration(migrations_dir, name, migration_templates);
}

fs::path create_migration(
    const fs::path& migrations_dir, const std::string& name,
    const std::function<std::vector<std::pair<std::string, std::string>>(const std::string&)>&
        files_for_key) {
    bool ok = !name.empty() && name.size() <= 100;
    for (char c : name) {
        ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-');
    }
    if (!ok) {
        throw InputError(Diagnostic{
            .file = "<name>", .line = 0, .column = 0, .length = 1, .line_text = {},
            .message = fmt::format("'{}' is not a migration name", name),
            .help = "use letters, digits, '_' and '-', e.g. add_user_name"});
    }
    std::string key = version_timestamp() + "_" + name;
    fs::path folder = migrations_dir / key;
    std::error_code ec;
    if (fs::exists(folder, ec)) {
        throw InputError(fmt::format("{} already exists", folder.string()));
    }
    fs::create_directories(folder, ec);
    if (ec) {
        throw InputError(fmt::format("{}: cannot create the folder: {}", folder.string(), ec.message()));
    }
    for (const auto& [file, text] : files_for_key(key)) {
        write_text(folder / file, text);
    }
    return folder;
}

// ------------------------------------------------------------ sync generate

namespace {

constexpr const char* k_sync_suffix = "_qail_sync_triggers";
constexpr const char* k_rules_marker = "# --- outbox triggers (generated from qail.toml [[sync]]) ---";

bool plain_identifier(std::string_view s) {
    if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) {
        return false;
    }
    return std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    });
}

struct Watched {
    std::string table_text; ///< as written in qail.toml, folded
    model::QualifiedName table;
    std::vector<std::string> columns; ///< watched columns; empty: every update
    bool every_update = false;
    std::vector<std::string> collections;
    std::string suffix; ///< table with '.' as '_'
};

[[noreturn]] void rule_error(const lang::ProjectConfig& config, const lang::SyncRule& rule,
                             const std::string& message, const std::string& help = {}) {
    throw InputError(Diagnostic{.file = config.file.string(), .line = rule.line, .column = 1,
                                .length = 1, .line_text = {}, .message = message, .help = help});
}

std::vector<Watched> watched_tables(const lang::ProjectConfig& config) {
    if (config.sync.empty()) {
        throw InputError(fmt::format(
            "{}: no [[sync]] rules; add one, e.g.\n  [[sync]]\n  source_table = \"products\"\n"
            "  target_collection = \"products_search\"\n  trigger_column = \"description\"",
            config.file.string()));
    }
    std::vector<Watched> out;
    for (const lang::SyncRule& rule : config.sync) {
        std::string table_text = to_lower(trim(rule.source_table));
        if (table_text.empty()) {
            rule_error(config, rule, "a [[sync]] rule needs source_table");
        }
        if (trim(rule.target_collection).empty()) {
            rule_error(config, rule, "a [[sync]] rule needs target_collection");
        }
        std::vector<std::string> parts = split(table_text, '.');
        if (parts.size() > 2 || !std::all_of(parts.begin(), parts.end(), plain_identifier)) {
            rule_error(config, rule,
                       fmt::format("source_table '{}' is not a table name", rule.source_table),
                       "write `table` or `schema.table` (letters, digits and '_')");
        }
        std::string_view collection = trim(rule.target_collection);
        bool collection_ok = std::all_of(collection.begin(), collection.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
        });
        if (!collection_ok) {
            rule_error(config, rule,
                       fmt::format("target_collection '{}' may hold only letters, digits, '_', "
                                   "'-' and '.'",
                                   rule.target_collection));
        }
        std::optional<std::string> column;
        if (rule.trigger_column && !trim(*rule.trigger_column).empty()) {
            column = to_lower(trim(*rule.trigger_column));
            if (!plain_identifier(*column)) {
                rule_error(config, rule,
                           fmt::format("trigger_column '{}' is not a column name",
                                       *rule.trigger_column));
            }
        }
        auto it = std::find_if(out.begin(), out.end(),
                               [&](const Watched& w) { return w.table_text == table_text; });
        if (it == out.end()) {
            Watched w;
            w.table_text = table_text;
            w.table = parts.size() == 1 ? model::QualifiedName{model::k_default_schema, parts[0]}
                                        : model::QualifiedName{parts[0], parts[1]};
            w.suffix = replace_all(table_text, ".", "_");
            if (w.suffix.size() + std::string("_qail_sync__notify").size() >
                model::k_max_identifier_length) {
                rule_error(config, rule,
                           fmt::format("source_table '{}' is too long for the trigger names",
                                       rule.source_table));
            }
            out.push_back(std::move(w));
            it = out.end() - 1;
        }
        it->collections.emplace_back(collection);
        if (column) {
            if (std::find(it->columns.begin(), it->columns.end(), *column) == it->columns.end()) {
                it->columns.push_back(*column);
            }
        } else {
            it->every_update = true;
        }
    }
    return out;
}

std::string function_name(const Watched& w) {
    return "_qail_sync_" + w.suffix + "_notify";
}

std::string trigger_name(const Watched& w) {
    return "qail_sync_" + w.suffix;
}

std::string queue_block() {
    return R"(# the outbox: one row per change, for the sync worker
sql $$
CREATE TABLE IF NOT EXISTS public._qail_queue (
    id bigserial PRIMARY KEY,
    ref_table text NOT NULL,
    ref_id text,
    operation text NOT NULL,
    payload jsonb,
    status text NOT NULL DEFAULT 'pending',
    retry_count integer NOT NULL DEFAULT 0,
    error_message text,
    created_at timestamptz NOT NULL DEFAULT now(),
    processed_at timestamptz
);
CREATE INDEX IF NOT EXISTS _qail_queue_status_id_idx ON public._qail_queue (status, id)
$$
)";
}

std::string rules_block(const std::vector<Watched>& watched) {
    std::string out = std::string(k_rules_marker) + "\n";
    for (const Watched& w : watched) {
        std::string ref_table = sql::quote_literal(w.table_text);
        std::string condition;
        if (!w.every_update && !w.columns.empty()) {
            std::vector<std::string> changed;
            for (const std::string& c : w.columns) {
                changed.push_back(fmt::format("NEW.{0} IS DISTINCT FROM OLD.{0}", sql::quote_ident(c)));
            }
            condition = join(changed, " OR ");
        }
        out += fmt::format("\n# {} -> {}{}\n", w.table_text, join(w.collections, ", "),
                           condition.empty() ? std::string(" (every insert, update and delete)")
                                             : fmt::format(" (inserts, deletes, and updates of {})",
                                                           join(w.columns, ", ")));
        out += fmt::format("function {}() returns trigger language plpgsql $$\n", function_name(w));
        out += "BEGIN\n";
        out += "    IF TG_OP = 'DELETE' THEN\n";
        out += "        INSERT INTO public._qail_queue (ref_table, ref_id, operation, payload)\n";
        out += fmt::format("        VALUES ({}, to_jsonb(OLD) ->> 'id', 'DELETE', to_jsonb(OLD));\n",
                           ref_table);
        out += "        RETURN OLD;\n";
        out += "    END IF;\n";
        if (!condition.empty()) {
            out += fmt::format("    IF TG_OP = 'UPDATE' AND NOT ({}) THEN\n", condition);
            out += "        RETURN NEW;\n";
            out += "    END IF;\n";
        }
        out += "    INSERT INTO public._qail_queue (ref_table, ref_id, operation, payload)\n";
        out += fmt::format("    VALUES ({}, to_jsonb(NEW) ->> 'id', 'UPSERT', to_jsonb(NEW));\n",
                           ref_table);
        out += "    RETURN NEW;\n";
        out += "END;\n";
        out += "$$\n";
        out += fmt::format("sql $$ DROP TRIGGER IF EXISTS {} ON {} $$\n",
                           sql::quote_ident(trigger_name(w)),
                           sql::quote_qualified(w.table.schema, w.table.name));
        out += fmt::format("trigger {} on {} after insert or update or delete execute {}\n",
                           trigger_name(w), lang::qail_name(w.table), function_name(w));
    }
    return out;
}

struct OldTrigger {
    std::string trigger;
    std::string table; ///< as written in the .qail file
    std::string function;
};

// `trigger <name> on <table> ... execute <function>` lines of an earlier sync migration.
std::vector<OldTrigger> triggers_in(const std::string& expand) {
    std::vector<OldTrigger> out;
    std::istringstream in(expand);
    std::string line;
    while (std::getline(in, line)) {
        std::vector<std::string> words;
        std::istringstream ws(line);
        std::string w;
        while (ws >> w) {
            words.push_back(w);
        }
        if (words.size() >= 4 && words[0] == "trigger" && words[2] == "on") {
            OldTrigger t{words[1], words[3], {}};
            auto exec = std::find(words.begin(), words.end(), "execute");
            if (exec != words.end() && exec + 1 != words.end()) {
                t.function = *(exec + 1);
            }
            out.push_back(std::move(t));
        }
    }
    return out;
}

std::string drop_trigger_sql(const std::string& trigger, const std::string& table_text,
                             const std::string& function) {
    std::vector<std::string> parts = split(table_text, '.');
    std::string table = parts.size() == 2 ? sql::quote_qualified(parts[0], parts[1])
                                          : sql::quote_ident(table_text);
    std::string out = fmt::format("sql $$ DROP TRIGGER IF EXISTS {} ON {} $$\n",
                                  sql::quote_ident(trigger), table);
    if (!function.empty()) {
        out += fmt::format("sql $$ DROP FUNCTION IF EXISTS {}() $$\n", sql::quote_ident(function));
    }
    return out;
}

bool mentions_queue_outside_sync(const fs::path& dir) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        return false;
    }
    for (auto it = fs::recursive_directory_iterator(dir, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) {
            break;
        }
        if (it->is_directory(ec) && it->path().filename().string().ends_with(k_sync_suffix)) {
            it.disable_recursion_pending();
            continue;
        }
        if (it->is_regular_file(ec) && it->path().extension() == ".qail" &&
            read_text(it->path()).find("_qail_queue") != std::string::npos) {
            return true;
        }
    }
    return false;
}

} // namespace

SyncMigration plan_sync_migration(const lang::ProjectConfig& config, const fs::path& migrations_dir) {
    std::vector<Watched> watched = watched_tables(config);
    SyncMigration m;
    for (const Watched& w : watched) {
        m.tables.push_back(w.table_text);
    }
    // earlier sync migrations, newest last
    std::vector<fs::path> earlier;
    std::error_code ec;
    if (fs::is_directory(migrations_dir, ec)) {
        for (const auto& entry : fs::directory_iterator(migrations_dir, ec)) {
            if (entry.is_directory() &&
                entry.path().filename().string().ends_with(k_sync_suffix) &&
                fs::is_regular_file(entry.path() / "expand.qail")) {
                earlier.push_back(entry.path());
            }
        }
    }
    std::sort(earlier.begin(), earlier.end());
    std::string rules = rules_block(watched);
    std::string previous_rules;
    std::vector<OldTrigger> stale;
    if (!earlier.empty()) {
        std::string previous = read_text(earlier.back() / "expand.qail");
        size_t marker = previous.find(k_rules_marker);
        if (marker != std::string::npos) {
            previous_rules = previous.substr(marker);
        }
        if (previous_rules == rules) {
            m.up_to_date = true;
            m.key = earlier.back().filename().string();
            return m;
        }
        for (const OldTrigger& t : triggers_in(previous_rules)) {
            bool kept = std::any_of(watched.begin(), watched.end(), [&](const Watched& w) {
                return trigger_name(w) == t.trigger;
            });
            if (!kept) {
                stale.push_back(t);
            }
        }
    }
    m.key = version_timestamp() + k_sync_suffix;
    m.expand = fmt::format(
        "# {}: outbox triggers for the [[sync]] rules of {}.\n"
        "# Written by `qail sync generate`; apply with `qail migrate apply`.\n"
        "# Every insert, update (of a watched column) and delete of a watched table\n"
        "# queues one row in _qail_queue.\n\n",
        m.key, config.file.filename().string());
    m.expand += queue_block();
    if (!stale.empty()) {
        m.expand += "\n# triggers of rules that are gone from qail.toml\n";
        for (const OldTrigger& t : stale) {
            m.expand += drop_trigger_sql(t.trigger, t.table, t.function);
        }
    }
    m.expand += "\n" + rules;

    m.down = fmt::format("# {}: down. Removes the outbox triggers{}.\n\n", m.key,
                         earlier.empty() ? std::string()
                                         : std::string(" and restores those of ") +
                                               earlier.back().filename().string());
    for (const Watched& w : watched) {
        m.down += drop_trigger_sql(trigger_name(w), w.table_text, function_name(w));
    }
    if (!earlier.empty()) {
        if (!previous_rules.empty()) {
            m.down += "\n# the previous outbox triggers\n" + previous_rules;
        }
    } else if (!mentions_queue_outside_sync(migrations_dir)) {
        m.down += "\n# the outbox itself (created by this migration)\n"
                  "sql $$ DROP TABLE IF EXISTS public._qail_queue $$\n";
    }
    return m;
}

fs::path write_sync_migration(const fs::path& migrations_dir, const SyncMigration& m) {
    fs::path folder = migrations_dir / m.key;
    std::error_code ec;
    if (fs::exists(folder, ec)) {
        throw InputError(fmt::format("{} already exists", folder.string()));
    }
    fs::create_directories(folder, ec);
    if (ec) {
        throw InputError(fmt::format("{}: cannot create the folder: {}", folder.string(), ec.message()));
    }
    write_text(folder / "expand.qail", m.expand);
    write_text(folder / "down.qail", m.down);
    return folder;
}

} // namespace qail::exec
