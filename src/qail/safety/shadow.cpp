#include "shadow.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <ostream>
#include <set>
#include <sstream>

#include <qail/base/error.hpp>
#include <qail/base/strings.hpp>
#include <qail/diff/diff.hpp>
#include <qail/exec/checksum.hpp>
#include <qail/exec/history.hpp>
#include <qail/exec/lock.hpp>
#include <qail/exec/state.hpp>
#include <qail/introspect/introspect.hpp>
#include <qail/lang/schema_io.hpp>
#include <qail/plan/build.hpp>
#include <qail/plan/create_sql.hpp>
#include <qail/safety/catalog.hpp>
#include <qail/safety/shadow_resync.hpp>
#include <qail/sql/quote.hpp>

namespace qail::safety {

namespace {

using model::QualifiedName;

const char* k_rule = "━━━━━━━━━━━━━━━━━━━━━━━━━━";

std::string ident(const std::string& name) {
    return sql::quote_ident(name);
}

bool is_qail_table(const QualifiedName& name) {
    return name.name.rfind("_qail", 0) == 0;
}

// ------------------------------------------------ what cannot be carried

/// Refuses, before anything is created, what a copy of the primary would
/// leave behind: objects QAIL does not manage and large objects.
void refuse_what_cannot_be_carried(pg::Connection& primary,
                                   const std::vector<introspect::Unmanaged>& unmanaged) {
    std::vector<std::string> items;
    for (const introspect::Unmanaged& u : unmanaged) {
        items.push_back(u.kind + " " + u.name + (u.reason.empty() ? "" : " (" + u.reason + ")"));
    }
    long long large_objects =
        primary.exec("SELECT count(*) FROM pg_largeobject_metadata").get_int(0, 0);
    if (large_objects > 0) {
        items.push_back(fmt::format("{} large object{}", with_commas(large_objects),
                                    large_objects == 1 ? "" : "s"));
    }
    if (!items.empty()) {
        throw RefusedError(fmt::format(
            "refusing to make a shadow of {}: a copy would not carry over\n  {}\nthe shadow holds "
            "only what QAIL can recreate; without these, promote would lose them",
            primary.database(), join(items, "\n  ")));
    }
}

/// The shadow needs CREATEDB, and to quiet foreign keys and triggers while
/// rows arrive in any order (session_replication_role).
void refuse_missing_privileges(pg::Connection& primary) {
    if (!primary.exec("SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user")
             .get_bool(0, 0)) {
        throw RefusedError(fmt::format("role {} may not create databases (CREATEDB), which "
                                       "`qail migrate shadow` needs",
                                       primary.user()));
    }
    try {
        primary.exec("SET session_replication_role = replica; RESET session_replication_role");
    } catch (const DatabaseError&) {
        throw RefusedError(fmt::format(
            "role {} may not set session_replication_role, which the shadow's copy needs: "
            "connect as a superuser, or run `GRANT SET ON PARAMETER session_replication_role TO "
            "{}`",
            primary.user(), ident(primary.user())));
    }
}

// ------------------------------------------------ the database itself

/// One element per entry of a list setting as pg_db_role_setting stores it
/// (`"$user", public`): double-quoted elements unquoted.
std::vector<std::string> split_list_setting(const std::string& value) {
    std::vector<std::string> out;
    std::string current;
    bool quoted = false;
    for (size_t i = 0; i < value.size(); ++i) {
        char c = value[i];
        if (quoted) {
            if (c == '"' && i + 1 < value.size() && value[i + 1] == '"') {
                current += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                current += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            out.emplace_back(trim(current));
            current.clear();
        } else {
            current += c;
        }
    }
    if (!trim(current).empty() || !out.empty()) {
        out.emplace_back(trim(current));
    }
    return out;
}

bool is_list_setting(const std::string& name) {
    static const std::set<std::string> k_lists = {
        "local_preload_libraries", "search_path", "session_preload_libraries",
        "shared_preload_libraries", "temp_tablespaces", "unix_socket_directories"};
    return k_lists.count(name) > 0;
}

/// CREATE DATABASE for the shadow with the primary's encoding, locale,
/// owner, connection limit, settings, privileges and comment: after
/// promote, the shadow is the database clients connect to.
void create_shadow_database(pg::Connection& maint, const std::string& primary_name,
                            const std::string& shadow_name) {
    std::vector<pg::Param> db_param{primary_name};
    pg::Result d = maint.exec_params(
        "SELECT pg_encoding_to_char(d.encoding), d.datcollate, d.datctype, d.datlocprovider::text, "
        "coalesce(d.daticulocale, ''), pg_get_userbyid(d.datdba), d.datconnlimit, d.datacl IS "
        "NULL, coalesce(shobj_description(d.oid, 'pg_database'), ''), "
        "shobj_description(d.oid, 'pg_database') IS NULL FROM pg_database d WHERE d.datname = $1",
        db_param);
    d.expect_rows(1, "the primary database");
    std::string locale = d.get_string(0, 3) == "i"
                             ? fmt::format(" LOCALE_PROVIDER icu ICU_LOCALE {}",
                                           sql::quote_literal(d.get_string(0, 4)))
                             : std::string();
    maint.exec(fmt::format("CREATE DATABASE {} TEMPLATE template0 ENCODING {} LC_COLLATE {} "
                           "LC_CTYPE {}{}",
                           ident(shadow_name), sql::quote_literal(d.get_string(0, 0)),
                           sql::quote_literal(d.get_string(0, 1)),
                           sql::quote_literal(d.get_string(0, 2)), locale));
    std::string shadow = ident(shadow_name);
    maint.exec(fmt::format("ALTER DATABASE {} OWNER TO {}", shadow, ident(d.get_string(0, 5))));
    if (d.get_int(0, 6) != -1) {
        maint.exec(fmt::format("ALTER DATABASE {} CONNECTION LIMIT {}", shadow, d.get_int(0, 6)));
    }
    if (!d.get_bool(0, 9)) {
        maint.exec(fmt::format("COMMENT ON DATABASE {} IS {}", shadow,
                               sql::quote_literal(d.get_string(0, 8))));
    }
    if (!d.get_bool(0, 7)) {
        maint.exec(fmt::format("REVOKE ALL ON DATABASE {} FROM PUBLIC", shadow));
        pg::Result acl = maint.exec_params(
            "SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END, "
            "a.privilege_type, a.is_grantable FROM pg_database d, aclexplode(d.datacl) a WHERE "
            "d.datname = $1",
            db_param);
        for (int i = 0; i < acl.rows(); ++i) {
            std::string grantee = acl.get_string(i, 0);
            maint.exec(fmt::format("GRANT {} ON DATABASE {} TO {}{}", acl.get_string(i, 1), shadow,
                                   grantee == "PUBLIC" ? grantee : ident(grantee),
                                   acl.get_bool(i, 2) ? " WITH GRANT OPTION" : ""));
        }
    }
    pg::Result settings = maint.exec_params(
        "SELECT coalesce(pg_get_userbyid(s.setrole), ''), s.setrole = 0, c.setting FROM "
        "pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase, "
        "unnest(s.setconfig) c(setting) WHERE d.datname = $1",
        db_param);
    for (int i = 0; i < settings.rows(); ++i) {
        std::string setting = settings.get_string(i, 2);
        size_t eq = setting.find('=');
        std::string name = setting.substr(0, eq);
        std::string value = eq == std::string::npos ? "" : setting.substr(eq + 1);
        std::string values;
        for (const std::string& v :
             is_list_setting(name) ? split_list_setting(value) : std::vector<std::string>{value}) {
            values += (values.empty() ? "" : ", ") + sql::quote_literal(v);
        }
        maint.exec(fmt::format("ALTER {}DATABASE {} SET {} = {}",
                               settings.get_bool(i, 1)
                                   ? std::string()
                                   : "ROLE " + ident(settings.get_string(i, 0)) + " IN ",
                               shadow, ident(name), values));
    }
}

/// A materialized view is created from tables that were still empty: fill
/// the populated ones again, in creation order (which is dependency order).
void refresh_materialized_views(pg::Connection& shadow) {
    pg::Result views = shadow.exec("SELECT c.oid::regclass::text FROM pg_class c WHERE c.relkind "
                                   "= 'm' AND c.relispopulated ORDER BY c.oid");
    for (int i = 0; i < views.rows(); ++i) {
        shadow.exec("REFRESH MATERIALIZED VIEW " + views.get_string(i, 0));
    }
}

/// Tables the migration itself wrote in the shadow besides those its plan
/// changes: the history always; rows written by triggers its backfills fire.
std::vector<QualifiedName> tables_written_by_migration(
    pg::Connection& shadow, const std::string& before_migration, const plan::Plan& plan,
    const model::Schema& live, const model::Schema& from, const model::Schema& to,
    const std::vector<SyncTable>& tables) {
    std::vector<QualifiedName> out{{model::k_default_schema, exec::k_history_table}};
    std::set<QualifiedName> planned;
    bool fires_triggers = false;
    for (const plan::Step& s : plan.steps) {
        planned.insert(s.target.name);
        if (s.kind != plan::StepKind::backfill) {
            continue;
        }
        for (const model::Schema* schema : {&live, &to}) {
            for (const model::Trigger& t : schema->triggers) {
                fires_triggers = fires_triggers || (t.on_update && t.enabled &&
                                                    (t.table == s.target.name));
            }
        }
    }
    if (!fires_triggers) {
        return out;
    }
    std::vector<std::optional<QualifiedName>> names;
    for (const SyncTable& t : tables) {
        std::optional<QualifiedName> into = migrated_name(from, to, t.name);
        names.push_back(into && planned.count(*into) == 0 ? into : std::nullopt);
    }
    for (size_t i : changed_since(shadow, before_migration, tables, names)) {
        out.push_back(tables[i].name);
    }
    return out;
}

/// Marks the shadow's state row failed unless the shadow was finished.
class FailedUnlessFinished {
public:
    FailedUnlessFinished(pg::Connection& primary, long long id) : m_primary(primary), m_id(id) {}
    FailedUnlessFinished(const FailedUnlessFinished&) = delete;
    FailedUnlessFinished& operator=(const FailedUnlessFinished&) = delete;
    ~FailedUnlessFinished() {
        if (m_armed) {
            try {
                set_state_status(m_primary, m_id, "failed");
            } catch (...) { // NOLINT(bugprone-empty-catch): already failing; the first error wins
            }
        }
    }
    void dismiss() { m_armed = false; }

private:
    pg::Connection& m_primary;
    long long m_id;
    bool m_armed = true;
};

// ------------------------------------------------ the expected schema

template <typename T, typename Key>
void carry(std::vector<T>& into, const std::vector<T>& shadow, const std::vector<T>& to,
           const std::vector<T>& from, Key key) {
    using K = decltype(key(shadow.front()));
    std::set<K> named;
    for (const std::vector<T>* side : {&to, &from}) {
        for (const T& x : *side) {
            named.insert(key(x));
        }
    }
    for (const T& x : shadow) {
        if (named.count(key(x)) == 0) {
            into.push_back(x);
        }
    }
}

QualifiedName name_before_renames(const model::Schema& to, QualifiedName name) {
    for (auto it = to.renames.rbegin(); it != to.renames.rend(); ++it) {
        if (it->target == model::RenameHint::Target::table && it->to == name) {
            name = it->from;
        }
    }
    return name;
}

/// Columns and constraints of a table that neither file names.
void carry_table_parts(model::Table& expected, const model::Table& shadow,
                       const model::Table* from) {
    static const model::Table k_none;
    const model::Table& old = from != nullptr ? *from : k_none;
    model::Table to = expected;
    carry(expected.columns, shadow.columns, to.columns, old.columns,
          [](const model::Column& c) { return c.name; });
    carry(expected.uniques, shadow.uniques, to.uniques, old.uniques,
          [](const model::UniqueConstraint& c) { return c.name; });
    carry(expected.checks, shadow.checks, to.checks, old.checks,
          [](const model::CheckConstraint& c) { return c.name; });
    carry(expected.foreign_keys, shadow.foreign_keys, to.foreign_keys, old.foreign_keys,
          [](const model::ForeignKey& c) { return c.name; });
    carry(expected.exclusions, shadow.exclusions, to.exclusions, old.exclusions,
          [](const model::ExclusionConstraint& c) { return c.name; });
    if (!expected.primary_key && !old.primary_key && shadow.primary_key) {
        expected.primary_key = shadow.primary_key;
    }
}

std::string function_key(const model::Function& f) {
    return f.name.schema + "." + f.name.name + "(" + f.identity_args() + ")";
}

/// The shadow's schema against the expected one: nullopt when equal.
std::optional<std::string> schema_difference(const model::Schema& shadow,
                                             const model::Schema& expected) {
    plan::Plan difference =
        plan::build(diff::diff(shadow, model::without_hints(expected)), expected);
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

/// Every table and column of `to` is in the shadow (nullopt), else what is missing.
std::optional<std::string> missing_tables_and_columns(const model::Schema& shadow,
                                                      const model::Schema& to) {
    std::vector<std::string> missing;
    for (const model::Table& t : to.tables) {
        const model::Table* live = shadow.find_table(t.name);
        if (live == nullptr) {
            missing.push_back("table " + table_label(t.name));
            continue;
        }
        for (const model::Column& c : t.columns) {
            if (live->find_column(c.name) == nullptr) {
                missing.push_back("column " + table_label(t.name) + "." + c.name);
            }
        }
    }
    if (missing.empty()) {
        return std::nullopt;
    }
    return "missing in the shadow: " + join(missing, ", ");
}

} // namespace

model::Schema expected_shadow_schema(const model::Schema& to, const model::Schema& from,
                                     const model::Schema& shadow) {
    model::Schema out = model::without_hints(to);
    auto name = [](const auto& x) { return x.name; };
    carry(out.extensions, shadow.extensions, to.extensions, from.extensions, name);
    carry(out.schemas, shadow.schemas, to.schemas, from.schemas, name);
    carry(out.enums, shadow.enums, to.enums, from.enums, name);
    carry(out.domains, shadow.domains, to.domains, from.domains, name);
    carry(out.composite_types, shadow.composite_types, to.composite_types, from.composite_types,
          name);
    carry(out.sequences, shadow.sequences, to.sequences, from.sequences, name);
    carry(out.tables, shadow.tables, to.tables, from.tables, name);
    carry(out.indexes, shadow.indexes, to.indexes, from.indexes, name);
    carry(out.views, shadow.views, to.views, from.views, name);
    carry(out.functions, shadow.functions, to.functions, from.functions, function_key);
    auto on_table = [](const auto& x) { return std::pair(x.table, x.name); };
    carry(out.triggers, shadow.triggers, to.triggers, from.triggers, on_table);
    carry(out.policies, shadow.policies, to.policies, from.policies, on_table);
    auto to_whom = [](const auto& x) { return std::pair(x.object, x.grantee); };
    carry(out.grants, shadow.grants, to.grants, from.grants, to_whom);
    carry(out.revokes, shadow.revokes, to.revokes, from.revokes, to_whom);
    auto object = [](const auto& x) { return x.object; };
    carry(out.comments, shadow.comments, to.comments, from.comments, object);
    carry(out.owners, shadow.owners, to.owners, from.owners, object);
    for (model::Table& t : out.tables) {
        const model::Table* live = shadow.find_table(t.name);
        if (live != nullptr && to.find_table(t.name) != nullptr) {
            carry_table_parts(t, *live, from.find_table(name_before_renames(to, t.name)));
        }
    }
    model::normalize(out);
    return out;
}

ShadowSummary create_shadow(const std::string& conninfo, const ShadowRequest& request,
                            const exec::Output& output) {
    std::ostream& err = *output.err;
    pg::Connection primary = open_primary_for(conninfo, "migrate shadow");
    std::string db = primary.database();
    ShadowSummary summary;
    summary.shadow_name = shadow_name_of(db);
    const std::string& shadow_name = summary.shadow_name;
    auto display = [&](const std::string& name) {
        return request.display_url ? request.display_url(db, name) : name;
    };

    pg::Connection maint = open_maintenance(primary);
    prepare_shadow_session(maint, request.settings);
    prepare_shadow_session(primary, request.settings);
    ShadowLock shadow_lock(maint, db, request.wait_for_lock);
    exec::MigrationLock migration_lock(primary, request.wait_for_lock);
    refuse_missing_privileges(primary);
    introspect::Result live = introspect::introspect(primary);
    refuse_what_cannot_be_carried(primary, live.unmanaged);
    std::string live_checksum = schema_checksum(live.schema);
    model::Schema copied_schema = schema_to_copy(primary);

    bool replaced = database_info(maint, shadow_name).exists;
    if (replaced) {
        refuse_unless_our_shadow(maint, primary, shadow_name);
    }

    err << "\n🔄 Shadow Migration Mode\n" << k_rule << "\n";
    err << fmt::format("  [1/4] Creating shadow database: {}", shadow_name);
    err.flush();
    long long state_id =
        insert_pending_state(primary, shadow_name, display(db), request.from_label, request.to_label);
    FailedUnlessFinished failed(primary, state_id);
    if (replaced) {
        maint.exec(fmt::format("DROP DATABASE {} WITH (FORCE)", ident(shadow_name)));
    }
    create_shadow_database(maint, db, shadow_name);
    std::string shadow_conninfo = primary.conninfo_for_database(shadow_name);
    pg::Connection shadow = pg::Connection::open(shadow_conninfo);
    prepare_shadow_session(shadow, request.settings);
    std::string base_sql = plan::create_sql(copied_schema);
    if (!trim(base_sql).empty()) {
        shadow.exec(base_sql);
    }
    // the data: one snapshot of the primary, every table copied one to one
    std::vector<SyncTable> tables = tables_to_copy(copied_schema);
    std::string sync_snapshot;
    {
        pg::Transaction snapshot_tx(primary, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
        pg::Result exported = primary.exec("SELECT pg_export_snapshot(), pg_current_snapshot()::text");
        sync_snapshot = exported.get_string(0, 1);
        CopyJob job;
        job.primary_conninfo = primary.conninfo_for_database(db);
        job.shadow_conninfo = shadow_conninfo;
        job.snapshot_id = exported.get_string(0, 0);
        job.parallel = request.parallel;
        job.prepare = [&](pg::Connection& c) { prepare_shadow_session(c, request.settings); };
        copy_tables(job, tables);
        snapshot_tx.commit();
    }
    refresh_materialized_views(shadow);
    sync_sequences(primary, shadow);
    if (schema_checksum(introspect::introspect(primary).schema) != live_checksum) {
        throw RefusedError(fmt::format("the schema of {} changed while its shadow was made; run "
                                       "`qail migrate shadow` again",
                                       db));
    }
    err << fmt::format(" ✓{}\n", replaced ? " (replaced the earlier one)" : "");

    // the migration, exactly as `migrate up` runs it, on the real rows
    err << "  [2/4] Applying migration to shadow...";
    err.flush();
    std::string before_migration =
        shadow.exec("SELECT pg_current_snapshot()::text").get_string(0, 0);
    exec::StateRequest state;
    state.from = request.from;
    state.to = request.to;
    state.from_label = request.from_label;
    state.to_label = request.to_label;
    state.allow_destructive = request.allow_destructive;
    state.settings = request.settings;
    std::ostringstream quiet;
    exec::Output quiet_output{&quiet, &quiet, false, false};
    exec::StateSummary migrated = exec::migrate_state(shadow, state, quiet_output);
    plan::Plan plan = plan::build(diff::diff(request.from, request.to), request.to);
    std::vector<QualifiedName> written = tables_written_by_migration(
        shadow, before_migration, plan, live.schema, request.from, request.to, tables);
    err << fmt::format(" ✓{}\n", migrated.version.empty()
                                     ? std::string(" (no changes)")
                                     : fmt::format(" ({} steps, recorded as {})", migrated.steps,
                                                   migrated.version));

    // writes made to the primary meanwhile, as the migration would make them
    err << "  [3/4] Syncing data from primary to shadow...\n";
    err.flush();
    std::set<QualifiedName> resynced;
    {
        pg::Transaction catch_up(primary, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
        std::string now = primary.exec("SELECT pg_current_snapshot()::text").get_string(0, 0);
        std::vector<SyncTable*> changed = written_since(primary, sync_snapshot, tables);
        for (const SyncTable* t : changed) {
            resynced.insert(t->name);
        }
        ResyncRequest resync{&copied_schema, &request.from, &request.to, written};
        try {
            resync_tables(primary, shadow, resync, changed);
        } catch (const Error& e) {
            throw RefusedError(fmt::format(
                "{} was written while its shadow was made, and the shadow cannot follow: {}\n"
                "promote would refuse the same; run `qail migrate shadow` again when the "
                "cause is gone, or `qail migrate abort`",
                db, e.what()));
        }
        catch_up.commit();
        sync_snapshot = now;
    }
    sync_sequences(primary, shadow);
    std::vector<std::string> count_mismatches;
    for (const SyncTable& t : tables) {
        std::optional<QualifiedName> into = migrated_name(request.from, request.to, t.name);
        if (into) {
            long long now = shadow.exec("SELECT count(*) FROM " + qualified_sql(*into)).get_int(0, 0);
            if (now != t.rows && !is_qail_table(t.name)) {
                count_mismatches.push_back(fmt::format("{}: {} rows copied, {} in the shadow",
                                                       table_label(*into), t.rows, now));
            }
        }
        if (is_qail_table(t.name)) {
            continue;
        }
        ++summary.tables;
        summary.rows += t.rows;
        err << fmt::format("    ✓ {} ({} rows{})\n", table_label(into.value_or(t.name)),
                           with_commas(t.rows),
                           !into                     ? "; dropped by the migration"
                           : resynced.count(t.name) ? "; re-synced: written during the copy"
                                                     : "");
    }
    err << fmt::format("    ✓ Synced {} table{}, {} rows\n", summary.tables,
                       summary.tables == 1 ? "" : "s", with_commas(summary.rows));

    // verification: the schema is `to` plus what was carried over, the rows all there
    model::Schema shadow_now = introspect::introspect(shadow).schema;
    std::optional<std::string> difference;
    std::string loosely; // why the schema could only be compared by tables and columns
    try {
        model::Schema canonical_to =
            request.canonicalize ? request.canonicalize(primary, request.to) : request.to;
        difference = schema_difference(
            shadow_now, expected_shadow_schema(canonical_to, request.from, shadow_now));
    } catch (const DatabaseError& e) {
        // `to` alone does not load (it reads what is carried over, say)
        loosely = std::string(e.what()).substr(0, std::string(e.what()).find('\n'));
        difference = missing_tables_and_columns(shadow_now, request.to);
    }
    if (!count_mismatches.empty()) {
        difference = difference.value_or("") + (difference ? "; " : "") +
                     join(count_mismatches, "; ");
    }
    ShadowJournal journal;
    journal.primary_name = db;
    journal.shadow_name = shadow_name;
    journal.state_id = state_id;
    journal.from_label = request.from_label;
    journal.to_label = request.to_label;
    journal.from_schema = lang::print_schema(request.from);
    journal.to_schema = lang::print_schema(request.to);
    journal.allow_destructive = request.allow_destructive;
    journal.live_checksum = live_checksum;
    journal.sync_snapshot = sync_snapshot;
    journal.tables = tables;
    journal.written_by_migration = written;
    write_journal(shadow, journal);
    std::vector<std::string> statements;
    for (const plan::Step& step : plan.steps) {
        statements.push_back(step.sql);
    }
    finish_state(primary, state_id, difference ? "failed" : "verified",
                 exec::checksum_statements(statements), sync_snapshot, tables);
    failed.dismiss();
    if (difference) {
        throw RefusedError(fmt::format("the shadow's schema is not {}: {}", request.to_label,
                                       *difference));
    }
    if (loosely.empty()) {
        err << fmt::format("    ✓ Verified: schema matches {}, row counts equal\n",
                           request.to_label);
    } else {
        err << fmt::format("    ✓ Verified: every table and column of {} is there, row counts "
                           "equal (the schema could not be compared in full: {})\n",
                           request.to_label, loosely);
    }
    err << "  [4/4] Shadow ready for validation\n\n";
    err << fmt::format("  Shadow URL: {}\n\n", display(shadow_name));
    err << "  Available Commands:\n"
           "    qail migrate promote → Switch traffic to shadow\n"
           "    qail migrate abort   → Drop shadow, keep primary\n";
    return summary;
}

} // namespace qail::safety
