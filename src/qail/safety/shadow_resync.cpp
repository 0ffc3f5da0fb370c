#include "shadow_resync.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include <qail/base/error.hpp>
#include <qail/base/strings.hpp>
#include <qail/diff/diff.hpp>
#include <qail/exec/history.hpp>
#include <qail/plan/build.hpp>
#include <qail/plan/create_sql.hpp>
#include <qail/safety/catalog.hpp>
#include <qail/sql/quote.hpp>

namespace qail::safety {

namespace {

using model::QualifiedName;

/// Moves tables into staging schemas, one per schema of the originals
/// (`_qail_resync_0`, ...), so that two tables of one name never meet.
class Staging {
public:
    explicit Staging(const std::vector<std::string>& taken) : m_taken(taken.begin(), taken.end()) {}

    QualifiedName operator()(const QualifiedName& name) {
        auto it = m_schemas.find(name.schema);
        if (it == m_schemas.end()) {
            std::string staged;
            for (size_t n = m_schemas.size();; ++n) {
                staged = fmt::format("_qail_resync_{}", n);
                if (m_taken.count(staged) == 0) {
                    break;
                }
            }
            m_taken.insert(staged);
            it = m_schemas.emplace(name.schema, staged).first;
        }
        return {it->second, name.name};
    }
    std::vector<model::SchemaDef> schemas() const {
        std::vector<model::SchemaDef> out;
        for (const auto& [original, staged] : m_schemas) {
            out.push_back(model::SchemaDef{staged, {}});
        }
        return out;
    }
    std::vector<std::string> names() const {
        std::vector<std::string> out;
        for (const auto& [original, staged] : m_schemas) {
            out.push_back(staged);
        }
        return out;
    }

private:
    std::set<std::string> m_taken;
    std::map<std::string, std::string> m_schemas;
};

/// The part of a table a re-sync needs: its columns and the constraints
/// that the migration's steps may touch on its own rows. Foreign keys,
/// exclusions, partitioning, row security and storage options stay out (they
/// concern other tables or no rows).
model::Table staged_table(const model::Table& table, Staging& stage) {
    model::Table out;
    out.name = stage(table.name);
    out.columns = table.columns;
    out.primary_key = table.primary_key;
    out.uniques = table.uniques;
    out.checks = table.checks;
    out.unlogged = true; // dropped at the end of the transaction: no WAL needed
    return out;
}

/// The table's BEFORE ROW triggers, moved with it: they shape the rows a
/// backfill writes (an updated_at column, say), so the staged rows match.
std::vector<model::Trigger> staged_row_triggers(const model::Schema& schema,
                                                const QualifiedName& table, Staging& stage) {
    std::vector<model::Trigger> out;
    for (const model::Trigger& t : schema.triggers) {
        if (t.table == table && t.timing == model::TriggerTiming::before && t.for_each_row &&
            t.enabled && !t.constraint) {
            model::Trigger moved = t;
            moved.table = stage(table);
            out.push_back(std::move(moved));
        }
    }
    return out;
}

/// A trigger that a backfill of `table` fires and that a re-sync cannot
/// replay (it acts after the row is written, or on the whole statement).
const model::Trigger* unreplayable_trigger(const model::Schema& schema,
                                           const QualifiedName& table) {
    for (const model::Trigger& t : schema.triggers) {
        if (t.table == table && t.enabled && t.on_update &&
            !(t.timing == model::TriggerTiming::before && t.for_each_row && !t.constraint)) {
            return &t;
        }
    }
    return nullptr;
}

bool is_backfill_of(const plan::Step& step, const QualifiedName& staged) {
    return step.kind == plan::StepKind::backfill && step.target.name == staged;
}

/// The hints of `to` that concern the staged tables, moved with them.
void stage_hints(const model::Schema& to, const std::set<QualifiedName>& old_names,
                 const std::set<QualifiedName>& new_names, Staging& stage, model::Schema& out) {
    for (const model::RenameHint& h : to.renames) {
        bool ours = old_names.count(h.from) > 0 || new_names.count(h.to) > 0;
        if (ours && (h.target == model::RenameHint::Target::table ||
                     h.target == model::RenameHint::Target::column)) {
            model::RenameHint moved = h;
            moved.from = stage(h.from);
            moved.to = stage(h.to);
            out.renames.push_back(std::move(moved));
        }
    }
    for (const model::TransformHint& h : to.transforms) {
        if (new_names.count(h.table) > 0) {
            model::TransformHint moved = h;
            moved.table = stage(h.table);
            out.transforms.push_back(std::move(moved));
        }
    }
    for (const model::DropHint& h : to.drops) {
        if ((h.target == model::DropHint::Target::column ||
             h.target == model::DropHint::Target::table ||
             h.target == model::DropHint::Target::constraint) &&
            (old_names.count(h.name) > 0 || new_names.count(h.name) > 0)) {
            model::DropHint moved = h;
            moved.name = stage(h.name);
            out.drops.push_back(std::move(moved));
        }
    }
}

/// Moves each sequence behind a serial or identity column of `table` past
/// the largest value the column now holds.
void advance_column_sequences(pg::Connection& shadow, const QualifiedName& table,
                              const std::vector<std::string>& columns) {
    for (const std::string& column : columns) {
        std::vector<pg::Param> params{qualified_sql(table), column};
        pg::Result seq = shadow.exec_params("SELECT pg_get_serial_sequence($1, $2)", params);
        if (seq.is_null(0, 0)) {
            continue;
        }
        shadow.exec(fmt::format(
            "SELECT setval({0}, m) FROM (SELECT max({1})::bigint AS m FROM {2}) x, "
            "pg_sequences s WHERE format('%I.%I', s.schemaname, s.sequencename)::regclass = "
            "{0}::regclass AND m IS NOT NULL AND (s.last_value IS NULL OR s.last_value < m)",
            sql::quote_literal(seq.get_string(0, 0)), sql::quote_ident(column),
            qualified_sql(table)));
    }
}

} // namespace

std::optional<QualifiedName> migrated_name(const model::Schema& from, const model::Schema& to,
                                           const QualifiedName& table) {
    if (from.find_table(table) == nullptr) {
        return table; // not the migration's business: carried over as it is
    }
    QualifiedName name = table;
    for (const model::RenameHint& h : to.renames) {
        if (h.target == model::RenameHint::Target::table && h.from == name) {
            name = h.to;
        }
    }
    if (to.find_table(name) == nullptr) {
        return std::nullopt;
    }
    return name;
}

void resync_tables(pg::Connection& primary, pg::Connection& shadow, const ResyncRequest& request,
                   const std::vector<SyncTable*>& tables) {
    if (tables.empty()) {
        return;
    }
    const model::Schema& live = *request.live;
    std::vector<std::string> refusals;
    pg::Result taken = shadow.exec("SELECT nspname FROM pg_namespace");
    std::vector<std::string> taken_names;
    for (int i = 0; i < taken.rows(); ++i) {
        taken_names.push_back(taken.get_string(i, 0));
    }
    Staging stage(taken_names);

    struct Target {
        SyncTable* table;
        QualifiedName into; ///< its name in the shadow
        bool migrated;      ///< the migration's plan has steps for it (else copied as it is)
    };
    std::vector<Target> targets;
    model::Schema staged_live;
    model::Schema staged_from;
    model::Schema staged_to;
    std::set<QualifiedName> old_names;
    std::set<QualifiedName> new_names;
    for (SyncTable* t : tables) {
        if (std::find(request.written_by_migration.begin(), request.written_by_migration.end(),
                      t->name) != request.written_by_migration.end()) {
            refusals.push_back(
                t->name.name == exec::k_history_table
                    ? fmt::format("{}: a migration was recorded on the primary since the sync; "
                                  "the shadow has not had it",
                                  table_label(t->name))
                    : fmt::format("{}: the migration itself wrote rows to it in the shadow (a "
                                  "trigger its backfill fires), which a copy of the primary's "
                                  "rows would drop",
                                  table_label(t->name)));
            continue;
        }
        const model::Table* now = live.find_table(t->name);
        if (now == nullptr) {
            refusals.push_back(fmt::format("{}: no longer in the primary", table_label(t->name)));
            continue;
        }
        std::optional<QualifiedName> into = migrated_name(*request.from, *request.to, t->name);
        if (!into) {
            continue; // the migration drops it: nothing to bring over
        }
        bool migrated = request.from->find_table(t->name) != nullptr;
        targets.push_back(Target{t, *into, migrated});
        staged_live.tables.push_back(staged_table(*now, stage));
        for (model::Trigger& trigger : staged_row_triggers(live, t->name, stage)) {
            staged_live.triggers.push_back(std::move(trigger));
        }
        if (migrated) {
            old_names.insert(t->name);
            new_names.insert(*into);
            staged_from.tables.push_back(staged_table(*request.from->find_table(t->name), stage));
            staged_to.tables.push_back(staged_table(*request.to->find_table(*into), stage));
        }
    }
    if (!refusals.empty()) {
        throw RefusedError(fmt::format("cannot re-sync {} from the primary:\n  {}",
                                       refusals.size() == 1 ? "a table" : "tables",
                                       join(refusals, "\n  ")));
    }
    if (targets.empty()) {
        return;
    }
    staged_live.schemas = stage.schemas();
    staged_from.schemas = stage.schemas();
    staged_to.schemas = stage.schemas();
    stage_hints(*request.to, old_names, new_names, stage, staged_to);
    model::normalize(staged_live);
    model::normalize(staged_from);
    model::normalize(staged_to);
    plan::BuildOptions plain;
    plain.lock_safe = false; // the staging tables are ours alone
    plan::Plan steps = plan::build(diff::diff(staged_from, staged_to), staged_to, plain);
    for (Target& t : targets) {
        QualifiedName staged_old = stage(t.table->name);
        QualifiedName staged = stage(t.into);
        t.migrated = std::any_of(steps.steps.begin(), steps.steps.end(), [&](const plan::Step& s) {
            return s.target.name == staged || s.target.name == staged_old ||
                   s.locked_relation == staged || s.locked_relation == staged_old;
        });
        if (!t.migrated) {
            continue;
        }
        bool backfilled = std::any_of(steps.steps.begin(), steps.steps.end(),
                                      [&](const plan::Step& s) { return is_backfill_of(s, staged); });
        const model::Trigger* trigger = nullptr;
        if (backfilled) {
            trigger = unreplayable_trigger(*request.to, t.into);
            trigger = trigger != nullptr ? trigger : unreplayable_trigger(live, t.table->name);
        }
        if (trigger != nullptr) {
            refusals.push_back(fmt::format(
                "{}: the migration's backfill fires trigger {} on its rows, which a re-sync "
                "cannot replay",
                table_label(t.into), trigger->name));
        }
    }
    for (const plan::Step& s : steps.steps) {
        if (s.outside_transaction) {
            refusals.push_back(fmt::format("{}: step `{}` cannot run in the re-sync's transaction",
                                           s.target.display(), s.sql));
        }
    }
    if (!refusals.empty()) {
        throw RefusedError(fmt::format("cannot re-sync from the primary:\n  {}",
                                       join(refusals, "\n  ")));
    }

    pg::Transaction tx(shadow);
    // foreign keys and triggers of the real tables stay quiet while their rows are replaced
    shadow.exec("SET LOCAL session_replication_role = replica");
    shadow.exec(plan::create_sql(staged_live));
    for (const Target& t : targets) {
        // a table the plan leaves alone is copied straight into place
        QualifiedName into = t.migrated ? stage(t.table->name) : t.into;
        if (!t.migrated) {
            shadow.exec("DELETE FROM " + qualified_sql(into));
        }
        std::string columns = column_list(t.table->columns);
        t.table->rows = stream_rows(
            primary, fmt::format("SELECT {} FROM {}", columns, qualified_sql(t.table->name)),
            shadow, fmt::format("COPY {} ({}) FROM STDIN", qualified_sql(into), columns));
        if (!t.migrated) {
            advance_column_sequences(shadow, into, t.table->columns);
        }
    }
    for (const plan::Step& s : steps.steps) {
        shadow.exec(s.sql);
    }
    for (const Target& t : targets) {
        if (!t.migrated) {
            continue;
        }
        QualifiedName staged = stage(t.into);
        std::optional<LiveTable> into = describe_table(shadow, t.into);
        std::optional<LiveTable> from = describe_table(shadow, staged);
        if (!into || !from) {
            throw RefusedError(fmt::format("cannot re-sync {}: the table is not where the "
                                           "migration put it ({})",
                                           table_label(t.table->name), table_label(t.into)));
        }
        std::vector<std::string> columns;
        for (const LiveColumn& c : into->columns) {
            if (c.generated) {
                continue;
            }
            if (from->column(c.name) == nullptr) {
                throw RefusedError(fmt::format(
                    "cannot re-sync {}: nothing in the migration fills column {} of its rows",
                    table_label(t.into), c.name));
            }
            columns.push_back(c.name);
        }
        std::string list = column_list(columns);
        shadow.exec("DELETE FROM " + qualified_sql(t.into));
        pg::Result inserted = shadow.exec(fmt::format(
            "INSERT INTO {} ({}) OVERRIDING SYSTEM VALUE SELECT {} FROM {}", qualified_sql(t.into),
            list, list, qualified_sql(staged)));
        t.table->rows = inserted.affected_rows();
        advance_column_sequences(shadow, t.into, columns);
    }
    for (const std::string& schema : stage.names()) {
        shadow.exec("DROP SCHEMA " + sql::quote_ident(schema) + " CASCADE");
    }
    tx.commit();
}

} // namespace qail::safety
