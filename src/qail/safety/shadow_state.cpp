#include "shadow_state.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <ctime>
#include <thread>

#include <qail/base/error.hpp>
#include <qail/base/sha256.hpp>
#include <qail/exec/lock.hpp>
#include <qail/introspect/introspect.hpp>
#include <qail/model/naming.hpp>
#include <qail/pg/sqlstate.hpp>
#include <qail/plan/create_sql.hpp>
#include <qail/sql/quote.hpp>

namespace qail::safety {

namespace {

nlohmann::json tables_json(const std::vector<SyncTable>& tables) {
    nlohmann::json out = nlohmann::json::array();
    for (const SyncTable& t : tables) {
        out.push_back({{"schema", t.name.schema},
                       {"name", t.name.name},
                       {"columns", t.columns},
                       {"rows", t.rows}});
    }
    return out;
}

std::vector<SyncTable> tables_from_json(const nlohmann::json& j) {
    std::vector<SyncTable> out;
    for (const nlohmann::json& t : j) {
        SyncTable s;
        s.name = {t.at("schema").get<std::string>(), t.at("name").get<std::string>()};
        s.columns = t.at("columns").get<std::vector<std::string>>();
        s.rows = t.at("rows").get<long long>();
        out.push_back(std::move(s));
    }
    return out;
}

nlohmann::json names_json(const std::vector<model::QualifiedName>& names) {
    nlohmann::json out = nlohmann::json::array();
    for (const model::QualifiedName& n : names) {
        out.push_back({{"schema", n.schema}, {"name", n.name}});
    }
    return out;
}

std::vector<model::QualifiedName> names_from_json(const nlohmann::json& j) {
    std::vector<model::QualifiedName> out;
    for (const nlohmann::json& n : j) {
        out.push_back({n.at("schema").get<std::string>(), n.at("name").get<std::string>()});
    }
    return out;
}

bool has_table(pg::Connection& conn, const char* table) {
    std::vector<pg::Param> params{std::string("public.") + table};
    return conn.exec_params("SELECT to_regclass($1) IS NOT NULL", params).get_bool(0, 0);
}

} // namespace

void write_journal(pg::Connection& shadow, const ShadowJournal& j) {
    shadow.exec("CREATE TABLE IF NOT EXISTS public._qail_shadow_journal (\n"
                "    id integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),\n"
                "    primary_name text NOT NULL,\n"
                "    shadow_name text NOT NULL,\n"
                "    state_id bigint NOT NULL,\n"
                "    from_label text NOT NULL,\n"
                "    to_label text NOT NULL,\n"
                "    from_schema text NOT NULL,\n"
                "    to_schema text NOT NULL,\n"
                "    allow_destructive boolean NOT NULL,\n"
                "    live_checksum text NOT NULL,\n"
                "    sync_snapshot text NOT NULL,\n"
                "    tables jsonb NOT NULL,\n"
                "    written_by_migration jsonb NOT NULL,\n"
                "    step text NOT NULL,\n"
                "    old_name text,\n"
                "    updated_at timestamptz NOT NULL DEFAULT now()\n"
                ")");
    std::vector<pg::Param> params{j.primary_name,
                                  j.shadow_name,
                                  std::to_string(j.state_id),
                                  j.from_label,
                                  j.to_label,
                                  j.from_schema,
                                  j.to_schema,
                                  j.allow_destructive ? "true" : "false",
                                  j.live_checksum,
                                  j.sync_snapshot,
                                  tables_json(j.tables).dump(),
                                  names_json(j.written_by_migration).dump(),
                                  j.step,
                                  j.old_name.empty() ? pg::Param() : pg::Param(j.old_name)};
    shadow.exec_params(
        "INSERT INTO public._qail_shadow_journal (id, primary_name, shadow_name, state_id, "
        "from_label, to_label, from_schema, to_schema, allow_destructive, live_checksum, "
        "sync_snapshot, tables, written_by_migration, step, old_name) VALUES (1, $1, $2, "
        "$3::bigint, $4, $5, $6, $7, $8::boolean, $9, $10, $11::jsonb, $12::jsonb, $13, $14) "
        "ON CONFLICT (id) DO UPDATE SET primary_name = EXCLUDED.primary_name, shadow_name = "
        "EXCLUDED.shadow_name, state_id = EXCLUDED.state_id, from_label = EXCLUDED.from_label, "
        "to_label = EXCLUDED.to_label, from_schema = EXCLUDED.from_schema, to_schema = "
        "EXCLUDED.to_schema, allow_destructive = EXCLUDED.allow_destructive, live_checksum = "
        "EXCLUDED.live_checksum, sync_snapshot = EXCLUDED.sync_snapshot, tables = "
        "EXCLUDED.tables, written_by_migration = EXCLUDED.written_by_migration, step = "
        "EXCLUDED.step, old_name = EXCLUDED.old_name, updated_at = now()",
        params);
}

std::optional<ShadowJournal> read_journal(pg::Connection& shadow) {
    if (!has_table(shadow, k_shadow_journal_table)) {
        return std::nullopt;
    }
    pg::Result r = shadow.exec(
        "SELECT primary_name, shadow_name, state_id, from_label, to_label, from_schema, "
        "to_schema, allow_destructive, live_checksum, sync_snapshot, tables::text, "
        "written_by_migration::text, step, coalesce(old_name, '') FROM "
        "public._qail_shadow_journal WHERE id = 1");
    if (r.rows() == 0) {
        return std::nullopt;
    }
    ShadowJournal j;
    j.primary_name = r.get_string(0, 0);
    j.shadow_name = r.get_string(0, 1);
    j.state_id = r.get_int(0, 2);
    j.from_label = r.get_string(0, 3);
    j.to_label = r.get_string(0, 4);
    j.from_schema = r.get_string(0, 5);
    j.to_schema = r.get_string(0, 6);
    j.allow_destructive = r.get_bool(0, 7);
    j.live_checksum = r.get_string(0, 8);
    j.sync_snapshot = r.get_string(0, 9);
    j.tables = tables_from_json(nlohmann::json::parse(r.get_string(0, 10)));
    j.written_by_migration = names_from_json(nlohmann::json::parse(r.get_string(0, 11)));
    j.step = r.get_string(0, 12);
    j.old_name = r.get_string(0, 13);
    return j;
}

void set_journal_step(pg::Connection& shadow, const std::string& step,
                      const std::string& old_name) {
    std::vector<pg::Param> params{step, old_name.empty() ? pg::Param() : pg::Param(old_name)};
    shadow.exec_params("UPDATE public._qail_shadow_journal SET step = $1, old_name = "
                       "coalesce($2, old_name), updated_at = now() WHERE id = 1",
                       params);
}

void ensure_state_table(pg::Connection& primary) {
    primary.exec("CREATE TABLE IF NOT EXISTS public._qail_shadow_state (\n"
                 "    id SERIAL PRIMARY KEY,\n"
                 "    shadow_name TEXT NOT NULL,\n"
                 "    primary_url TEXT,\n"
                 "    diff_checksum TEXT,\n"
                 "    old_schema_path TEXT,\n"
                 "    new_schema_path TEXT,\n"
                 "    created_at TIMESTAMPTZ DEFAULT NOW(),\n"
                 "    status VARCHAR(20) NOT NULL,\n"
                 "    sync_snapshot TEXT,\n"
                 "    sync_tables JSONB,\n"
                 "    promoted_as TEXT\n"
                 ")");
}

long long insert_pending_state(pg::Connection& primary, const std::string& shadow_name,
                               const std::string& primary_url, const std::string& from_label,
                               const std::string& to_label) {
    ensure_state_table(primary);
    primary.exec("UPDATE public._qail_shadow_state SET status = 'replaced' WHERE status IN "
                 "('pending', 'verified')");
    std::vector<pg::Param> params{shadow_name, primary_url, from_label, to_label};
    return primary
        .exec_params("INSERT INTO public._qail_shadow_state (shadow_name, primary_url, "
                     "old_schema_path, new_schema_path, status) VALUES ($1, $2, $3, $4, "
                     "'pending') RETURNING id",
                     params)
        .get_int(0, 0);
}

void finish_state(pg::Connection& primary, long long id, const std::string& status,
                  const std::string& checksum, const std::string& snapshot,
                  const std::vector<SyncTable>& tables) {
    std::vector<pg::Param> params{std::to_string(id), status, checksum, snapshot,
                                  tables_json(tables).dump()};
    primary.exec_params("UPDATE public._qail_shadow_state SET status = $2, diff_checksum = $3, "
                        "sync_snapshot = $4, sync_tables = $5::jsonb WHERE id = $1::int",
                        params);
}

void set_state_status(pg::Connection& primary, long long id, const std::string& status,
                      const std::string& promoted_as) {
    if (!has_table(primary, k_shadow_state_table)) {
        return;
    }
    std::vector<pg::Param> params{std::to_string(id), status,
                                  promoted_as.empty() ? pg::Param() : pg::Param(promoted_as)};
    primary.exec_params("UPDATE public._qail_shadow_state SET status = $2, promoted_as = "
                        "coalesce($3, promoted_as) WHERE id = $1::int",
                        params);
}

std::optional<ShadowStateRow> verified_state(pg::Connection& primary) {
    if (!has_table(primary, k_shadow_state_table)) {
        return std::nullopt;
    }
    pg::Result r = primary.exec("SELECT id, shadow_name FROM public._qail_shadow_state WHERE "
                                "status = 'verified' ORDER BY id DESC LIMIT 1");
    if (r.rows() == 0) {
        return std::nullopt;
    }
    return ShadowStateRow{r.get_int(0, 0), r.get_string(0, 1)};
}

void refuse_unless_our_shadow(pg::Connection& maint, pg::Connection& primary,
                              const std::string& shadow_name) {
    if (has_table(primary, k_shadow_state_table)) {
        std::vector<pg::Param> params{shadow_name};
        if (primary
                .exec_params("SELECT count(*) FROM public._qail_shadow_state WHERE shadow_name = $1",
                             params)
                .get_int(0, 0) > 0) {
            return;
        }
    }
    if (database_info(maint, shadow_name).allows_connections) {
        pg::Connection shadow = pg::Connection::open(maint.conninfo_for_database(shadow_name));
        std::optional<ShadowJournal> journal = read_journal(shadow);
        if (journal && journal->primary_name == primary.database()) {
            return;
        }
    }
    throw RefusedError(fmt::format(
        "a database named {} exists and is not a shadow QAIL made of {}: it is left alone; "
        "rename or drop it, then run the command again",
        shadow_name, primary.database()));
}

void mark_state_aborted(pg::Connection& primary) {
    if (has_table(primary, k_shadow_state_table)) {
        primary.exec("UPDATE public._qail_shadow_state SET status = 'aborted' WHERE status IN "
                     "('pending', 'verified', 'failed')");
    }
}

namespace {

std::string today() {
    std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char buffer[16];
    std::strftime(buffer, sizeof buffer, "%Y%m%d", &utc);
    return buffer;
}

std::string distinct_from_primary(const std::string& primary, std::string name) {
    if (name == primary) {
        throw RefusedError(fmt::format(
            "the name of database {} is too long for a shadow or a backup name to differ from "
            "it once cut to {} bytes; rename the database first",
            primary, model::k_max_identifier_length));
    }
    return name;
}

} // namespace

/// The primary's schema with QAIL's own tables (the history, backups, the
/// outbox), without the two that describe shadows themselves.
model::Schema schema_to_copy(pg::Connection& primary) {
    introspect::Options options;
    options.include_qail_tables = true;
    model::Schema schema = introspect::introspect(primary, options).schema;
    auto ours = [](const model::QualifiedName& n) {
        return n.schema == model::k_default_schema &&
               (n.name == k_shadow_state_table || n.name == k_shadow_journal_table);
    };
    std::erase_if(schema.tables, [&](const model::Table& t) { return ours(t.name); });
    std::erase_if(schema.indexes, [&](const model::Index& i) { return ours(i.table); });
    std::erase_if(schema.triggers, [&](const model::Trigger& t) { return ours(t.table); });
    std::erase_if(schema.policies, [&](const model::Policy& p) { return ours(p.table); });
    std::erase_if(schema.grants, [&](const model::Grant& g) { return ours(g.object.name); });
    std::erase_if(schema.revokes, [&](const model::Revoke& r) { return ours(r.object.name); });
    std::erase_if(schema.comments, [&](const model::Comment& c) { return ours(c.object.name); });
    std::erase_if(schema.owners, [&](const model::Owner& o) { return ours(o.object.name); });
    return schema;
}

std::string schema_checksum(const model::Schema& schema) {
    return sha256_hex(plan::create_sql(schema));
}

std::string shadow_name_of(const std::string& primary) {
    return distinct_from_primary(primary, model::make_object_name(primary, "", "shadow"));
}

std::string old_name_of(const std::string& primary, int n) {
    std::string label = "old_" + today() + (n > 1 ? "_" + std::to_string(n) : "");
    return distinct_from_primary(primary, model::make_object_name(primary, "", label));
}

void prepare_shadow_session(pg::Connection& conn, const exec::RunSettings& settings) {
    exec::prepare_session(conn, settings);
    // TCP only (a Unix socket ignores them): the server probes an idle client
    // after 10 s and gives up after 3 unanswered probes 5 s apart.
    conn.exec("SET tcp_keepalives_idle = 10; SET tcp_keepalives_interval = 5; "
              "SET tcp_keepalives_count = 3");
}

namespace {

template <typename ConninfoFor>
pg::Connection open_maintenance_with(ConninfoFor conninfo_for) {
    try {
        return pg::Connection::open(conninfo_for("postgres"));
    } catch (const DatabaseError& e) {
        if (!is_unreachable_database(e)) {
            throw;
        }
        return pg::Connection::open(conninfo_for("template1"));
    }
}

} // namespace

bool is_unreachable_database(const DatabaseError& e) {
    pg::ErrorClass kind = pg::classify(e.sqlstate());
    return kind == pg::ErrorClass::invalid_catalog ||
           kind == pg::ErrorClass::not_in_prerequisite_state;
}

pg::Connection open_maintenance(const pg::Connection& any) {
    return open_maintenance_with(
        [&](const std::string& dbname) { return any.conninfo_for_database(dbname); });
}

pg::Connection open_maintenance(const std::string& conninfo) {
    return open_maintenance_with(
        [&](const std::string& dbname) { return pg::conninfo_with_database(conninfo, dbname); });
}

pg::Connection open_primary_for(const std::string& conninfo, const std::string& command) {
    try {
        return pg::Connection::open(conninfo);
    } catch (const DatabaseError& e) {
        if (pg::classify(e.sqlstate()) != pg::ErrorClass::not_in_prerequisite_state) {
            throw;
        }
        throw RefusedError(fmt::format(
            "{}\nrefusing to {}: the database does not accept connections, as an interrupted "
            "`qail migrate promote` leaves it; run `qail migrate promote` to finish the promote, "
            "or `qail migrate abort` to undo it",
            e.what(), command));
    }
}

DatabaseInfo database_info(pg::Connection& maint, const std::string& name) {
    std::vector<pg::Param> params{name};
    pg::Result r = maint.exec_params("SELECT datallowconn FROM pg_database WHERE datname = $1",
                                     params);
    if (r.rows() == 0) {
        return {};
    }
    return DatabaseInfo{true, r.get_bool(0, 0)};
}

namespace {

bool try_shadow_lock(pg::Connection& maint, const std::string& primary_name) {
    std::vector<pg::Param> params{std::to_string(exec::k_lock_class), primary_name};
    return maint
        .exec_params("SELECT pg_try_advisory_lock($1::int, hashtext('qail shadow ' || $2))", params)
        .get_bool(0, 0);
}

std::string shadow_lock_holder(pg::Connection& maint, const std::string& primary_name) {
    std::vector<pg::Param> params{std::to_string(exec::k_lock_class), primary_name};
    pg::Result r = maint.exec_params(
        "SELECT l.pid, coalesce(a.application_name, '') FROM pg_locks l LEFT JOIN "
        "pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted AND "
        "l.classid::bigint = ($1::int)::oid::bigint AND l.objid::bigint = "
        "(hashtext('qail shadow ' || $2))::oid::bigint AND l.database = (SELECT oid FROM "
        "pg_database WHERE datname = current_database()) LIMIT 1",
        params);
    if (r.rows() == 0) {
        return "another session";
    }
    return fmt::format("pid {}{}", r.get(0, 0),
                       r.get(0, 1).empty() ? "" : fmt::format(" ({})", r.get(0, 1)));
}

} // namespace

ShadowLock::ShadowLock(pg::Connection& maint, const std::string& primary_name, bool wait)
    : m_maint(maint), m_primary_name(primary_name) {
    while (!try_shadow_lock(maint, primary_name)) {
        if (!wait) {
            throw RefusedError(fmt::format(
                "another migration is running on database {}: a shadow, promote or abort of it "
                "(lock held by {}); re-run with --wait-for-lock to wait for it",
                primary_name, shadow_lock_holder(maint, primary_name)));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
}

ShadowLock::~ShadowLock() {
    try {
        std::vector<pg::Param> params{std::to_string(exec::k_lock_class), m_primary_name};
        m_maint.exec_params("SELECT pg_advisory_unlock($1::int, hashtext('qail shadow ' || $2))",
                            params);
    } catch (...) { // NOLINT(bugprone-empty-catch): the session ending frees it anyway
    }
}

} // namespace qail::safety
