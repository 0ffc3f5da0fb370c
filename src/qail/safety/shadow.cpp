#include "shadow.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <deque>
#include <exception>
#include <mutex>
#include <ostream>
#include <sstream>
#include <thread>

#include <qail/base/error.hpp>
#include <qail/base/strings.hpp>
#include <qail/diff/diff.hpp>
#include <qail/exec/checksum.hpp>
#include <qail/exec/history.hpp>
#include <qail/exec/state.hpp>
#include <qail/plan/build.hpp>
#include <qail/plan/create_sql.hpp>
#include <qail/safety/catalog.hpp>
#include <qail/sql/quote.hpp>

namespace qail::safety {

namespace {

using model::QualifiedName;
using Clock = std::chrono::steady_clock;

const char* k_rule = "━━━━━━━━━━━━━━━━━━━━━━━━━━";

/// One table to copy: where it is in the primary and in the shadow, and
/// which primary column fills which shadow column.
struct SyncTable {
    QualifiedName shadow;
    QualifiedName primary;
    std::vector<std::string> shadow_columns;
    std::vector<std::string> primary_columns;
    long long rows = 0;
};

nlohmann::json to_json(const std::vector<SyncTable>& tables) {
    nlohmann::json out = nlohmann::json::array();
    for (const SyncTable& t : tables) {
        out.push_back({{"shadow_schema", t.shadow.schema},
                       {"shadow_table", t.shadow.name},
                       {"primary_schema", t.primary.schema},
                       {"primary_table", t.primary.name},
                       {"shadow_columns", t.shadow_columns},
                       {"primary_columns", t.primary_columns},
                       {"rows", t.rows}});
    }
    return out;
}

std::vector<SyncTable> tables_from_json(const nlohmann::json& j) {
    std::vector<SyncTable> out;
    for (const nlohmann::json& t : j) {
        SyncTable s;
        s.shadow = {t.at("shadow_schema").get<std::string>(), t.at("shadow_table").get<std::string>()};
        s.primary = {t.at("primary_schema").get<std::string>(),
                     t.at("primary_table").get<std::string>()};
        s.shadow_columns = t.at("shadow_columns").get<std::vector<std::string>>();
        s.primary_columns = t.at("primary_columns").get<std::vector<std::string>>();
        s.rows = t.at("rows").get<long long>();
        out.push_back(std::move(s));
    }
    return out;
}

std::string ident(const std::string& name) {
    return sql::quote_ident(name);
}

std::string column_list(const std::vector<std::string>& columns) {
    std::string out;
    for (const std::string& c : columns) {
        out += (out.empty() ? "" : ", ") + ident(c);
    }
    return out;
}

pg::Connection maintenance(const pg::Connection& primary) {
    return pg::Connection::open(primary.conninfo_for_database("postgres"));
}

bool database_exists(pg::Connection& maint, const std::string& name) {
    std::vector<pg::Param> params{name};
    return maint.exec_params("SELECT 1 FROM pg_database WHERE datname = $1", params).rows() > 0;
}

void terminate_others(pg::Connection& maint, const std::string& dbname, int keep_pid) {
    std::vector<pg::Param> params{dbname, std::to_string(keep_pid)};
    for (int attempt = 0; attempt < 100; ++attempt) {
        pg::Result r = maint.exec_params(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1 "
            "AND pid <> pg_backend_pid() AND pid <> $2::int",
            params);
        if (r.get_int(0, 0) == 0) {
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw RefusedError(fmt::format("connections to {} keep coming back; stop the clients and retry",
                                   dbname));
}

// ------------------------------------------------------------- the copy

/// Chunks between the COPY reader (primary) and the COPY writer (shadow).
class ChunkQueue {
public:
    bool push(std::string chunk) {
        std::unique_lock lock(m_mutex);
        m_cv.wait(lock, [&] { return m_chunks.size() < 16 || m_failed; });
        if (m_failed) {
            return false;
        }
        m_chunks.push_back(std::move(chunk));
        m_cv.notify_all();
        return true;
    }
    void close() {
        std::lock_guard lock(m_mutex);
        m_closed = true;
        m_cv.notify_all();
    }
    void fail() {
        std::lock_guard lock(m_mutex);
        m_failed = true;
        m_cv.notify_all();
    }
    /// False at the end; throws when the reader failed.
    bool pop(std::string& out) {
        std::unique_lock lock(m_mutex);
        m_cv.wait(lock, [&] { return !m_chunks.empty() || m_closed || m_failed; });
        if (m_failed) {
            throw InternalError("the copy from the primary stopped");
        }
        if (m_chunks.empty()) {
            return false;
        }
        out = std::move(m_chunks.front());
        m_chunks.pop_front();
        m_cv.notify_all();
        return true;
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_cv;
    std::deque<std::string> m_chunks;
    bool m_closed = false;
    bool m_failed = false;
};

struct StopCopy {};

/// Streams one table: COPY TO STDOUT on the primary, COPY FROM STDIN on the
/// shadow, through a bounded queue. Returns the rows copied.
long long stream_table(pg::Connection& from, pg::Connection& to, const SyncTable& t) {
    ChunkQueue queue;
    std::exception_ptr write_error;
    std::string copy_in = fmt::format("COPY {} ({}) FROM STDIN", qualified_sql(t.shadow),
                                      column_list(t.shadow_columns));
    std::thread writer([&] {
        try {
            to.copy_in(copy_in, [&](std::string& buffer) { return queue.pop(buffer); });
        } catch (...) {
            write_error = std::current_exception();
            queue.fail();
        }
    });
    long long rows = 0;
    std::string batch;
    try {
        from.copy_out(fmt::format("COPY (SELECT {} FROM {}) TO STDOUT",
                                  column_list(t.primary_columns), qualified_sql(t.primary)),
                      [&](std::string_view row) {
                          // text COPY: one line per row (newlines inside values are escaped)
                          rows += std::count(row.begin(), row.end(), '\n');
                          batch.append(row);
                          if (batch.size() >= (1u << 16)) {
                              if (!queue.push(std::move(batch))) {
                                  throw StopCopy{};
                              }
                              batch.clear();
                          }
                      });
        if (!batch.empty()) {
            queue.push(std::move(batch));
        }
        queue.close();
    } catch (...) {
        queue.fail();
        writer.join();
        if (write_error) {
            std::rethrow_exception(write_error);
        }
        throw;
    }
    writer.join();
    if (write_error) {
        std::rethrow_exception(write_error);
    }
    return rows;
}

struct CopyJob {
    std::string primary_conninfo;
    std::string shadow_conninfo;
    std::optional<std::string> snapshot_id; ///< pg_export_snapshot() of the sync
    int parallel = 4;
    std::ostream* progress = nullptr;
};

/// Copies every table (in parallel), filling each one's `rows`, and checks
/// that the shadow holds as many rows as were streamed.
void copy_tables(const CopyJob& job, std::vector<SyncTable>& tables) {
    std::atomic<size_t> next{0};
    std::mutex print_mutex;
    std::vector<std::string> failures;
    int workers = std::max(1, std::min(job.parallel, static_cast<int>(tables.size())));
    std::vector<std::thread> threads;
    for (int w = 0; w < workers; ++w) {
        threads.emplace_back([&] {
            std::optional<pg::Connection> from;
            std::optional<pg::Connection> to;
            size_t i = 0;
            while ((i = next++) < tables.size()) {
                SyncTable& t = tables[i];
                try {
                    if (!from) {
                        from.emplace(pg::Connection::open(job.primary_conninfo));
                        from->exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
                        if (job.snapshot_id) {
                            from->exec("SET TRANSACTION SNAPSHOT " +
                                       sql::quote_literal(*job.snapshot_id));
                        }
                        to.emplace(pg::Connection::open(job.shadow_conninfo));
                        // foreign keys and triggers stay quiet while tables arrive in any order
                        to->exec("SET session_replication_role = replica");
                    }
                    t.rows = stream_table(*from, *to, t);
                    long long landed =
                        to->exec("SELECT count(*) FROM " + qualified_sql(t.shadow)).get_int(0, 0);
                    if (landed != t.rows) {
                        throw RefusedError(fmt::format("{} rows streamed but {} in the shadow",
                                                       t.rows, landed));
                    }
                    std::lock_guard lock(print_mutex);
                    *job.progress << fmt::format("    ✓ {} ({} rows)\n", table_label(t.shadow),
                                                 with_commas(t.rows));
                    job.progress->flush();
                } catch (const std::exception& e) {
                    std::lock_guard lock(print_mutex);
                    std::string message = e.what();
                    failures.push_back(fmt::format("{}: {}", table_label(t.shadow),
                                                   message.substr(0, message.find('\n'))));
                    *job.progress << fmt::format("    ✗ {}: {}\n", table_label(t.shadow),
                                                 message.substr(0, message.find('\n')));
                    from.reset();
                    to.reset();
                }
            }
        });
    }
    for (std::thread& t : threads) {
        t.join();
    }
    if (!failures.empty()) {
        throw RefusedError(fmt::format("the data sync to the shadow failed:\n  {}",
                                       join(failures, "\n  ")));
    }
}

// Sequences follow the primary (a sequence only moves forward, so a later
// value is always safe).
void sync_sequences(pg::Connection& primary, pg::Connection& shadow) {
    pg::Result r = primary.exec("SELECT schemaname, sequencename, last_value FROM pg_sequences "
                                "WHERE last_value IS NOT NULL");
    for (int i = 0; i < r.rows(); ++i) {
        std::string name = sql::quote_qualified(r.get_string(i, 0), r.get_string(i, 1), true);
        std::vector<pg::Param> params{name, r.get_string(i, 2)};
        shadow.exec_params("SELECT setval(to_regclass($1), $2::bigint) WHERE to_regclass($1) IS "
                           "NOT NULL",
                           params);
    }
}

// The tables of `to` that the primary can fill, following rename hints.
std::vector<SyncTable> plan_sync(pg::Connection& primary, pg::Connection& shadow,
                                 const model::Schema& to) {
    std::vector<SyncTable> out;
    for (const model::Table& table : to.tables) {
        if (table.partition_of || table.name.name.rfind("_qail", 0) == 0) {
            continue; // partitions fill through their parent
        }
        QualifiedName source = table.name;
        for (const model::RenameHint& h : to.renames) {
            if (h.target == model::RenameHint::Target::table && h.to == table.name) {
                source = h.from;
            }
        }
        std::optional<LiveTable> from = describe_table(primary, source);
        std::optional<LiveTable> into = describe_table(shadow, table.name);
        if (!from || !into) {
            continue; // new in the shadow: nothing to copy
        }
        SyncTable s;
        s.shadow = table.name;
        s.primary = source;
        for (const LiveColumn& c : into->columns) {
            if (c.generated) {
                continue;
            }
            std::string source_column = c.name;
            for (const model::RenameHint& h : to.renames) {
                if (h.target == model::RenameHint::Target::column && h.to == table.name &&
                    h.to_column == c.name) {
                    source_column = h.from_column;
                }
            }
            const LiveColumn* p = from->column(source_column);
            if (p != nullptr && !p->generated) {
                s.shadow_columns.push_back(c.name);
                s.primary_columns.push_back(source_column);
            }
        }
        if (!s.shadow_columns.empty()) {
            out.push_back(std::move(s));
        }
    }
    return out;
}

void ensure_state_table(pg::Connection& conn) {
    conn.exec("CREATE TABLE IF NOT EXISTS public._qail_shadow_state (\n"
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

void copy_history(pg::Connection& primary, pg::Connection& shadow) {
    exec::History(shadow).ensure();
    std::optional<LiveTable> from = describe_table(primary, {"public", exec::k_history_table});
    if (!from) {
        return;
    }
    std::optional<LiveTable> into = describe_table(shadow, {"public", exec::k_history_table});
    SyncTable t;
    t.shadow = t.primary = {"public", exec::k_history_table};
    for (const LiveColumn& c : into->columns) {
        if (from->column(c.name)) {
            t.shadow_columns.push_back(c.name);
            t.primary_columns.push_back(c.name);
        }
    }
    stream_table(primary, shadow, t);
    shadow.exec("SELECT setval(pg_get_serial_sequence('public._qail_migrations', 'id'), max(id)) "
                "FROM public._qail_migrations HAVING max(id) IS NOT NULL");
}

std::string today() {
    std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char buffer[16];
    std::strftime(buffer, sizeof buffer, "%Y%m%d", &utc);
    return buffer;
}

struct StateRow {
    long long id = 0;
    std::string shadow_name;
    std::string snapshot;
    std::vector<SyncTable> tables;
};

std::optional<StateRow> verified_state(pg::Connection& primary) {
    if (!primary.exec("SELECT to_regclass('public._qail_shadow_state') IS NOT NULL").get_bool(0, 0)) {
        return std::nullopt;
    }
    pg::Result r = primary.exec("SELECT id, shadow_name, sync_snapshot, sync_tables::text FROM "
                                "public._qail_shadow_state WHERE status = 'verified' ORDER BY id "
                                "DESC LIMIT 1");
    if (r.rows() == 0) {
        return std::nullopt;
    }
    return StateRow{r.get_int(0, 0), r.get_string(0, 1), r.get_string(0, 2),
                    tables_from_json(nlohmann::json::parse(r.get_string(0, 3)))};
}

void set_status(pg::Connection& primary, long long id, const std::string& status,
                const std::string& promoted_as = {}) {
    std::vector<pg::Param> params{std::to_string(id), status,
                                  promoted_as.empty() ? pg::Param() : pg::Param(promoted_as)};
    primary.exec_params("UPDATE public._qail_shadow_state SET status = $2, promoted_as = $3 WHERE "
                        "id = $1::int",
                        params);
}

/// Tables of the primary written since the sync snapshot: a row version the
/// snapshot cannot see (insert or update), or another row count (delete).
std::vector<SyncTable*> changed_since(pg::Connection& primary, const std::string& snapshot,
                                      std::vector<SyncTable>& tables) {
    std::string current =
        primary.exec("SELECT pg_snapshot_xmax(pg_current_snapshot())::text").get_string(0, 0);
    std::vector<SyncTable*> out;
    for (SyncTable& t : tables) {
        std::vector<pg::Param> params{snapshot, current};
        // xmin is 32 bits: widen it with the epoch of the current transaction id
        pg::Result r = primary.exec_params(
            fmt::format("SELECT count(*), count(*) FILTER (WHERE NOT pg_visible_in_snapshot(((("
                        "($2::bigint >> 32) - CASE WHEN xmin::text::bigint > ($2::bigint & "
                        "4294967295) THEN 1 ELSE 0 END) << 32) | xmin::text::bigint)::text::xid8, "
                        "$1::pg_snapshot)) FROM {}",
                        qualified_sql(t.primary)),
            params);
        if (r.get_int(0, 0) != t.rows || r.get_int(0, 1) > 0) {
            out.push_back(&t);
        }
    }
    return out;
}

/// Re-enables connections to a database unless dismissed (promote failed half-way).
class AllowConnectionsAgain {
public:
    AllowConnectionsAgain(pg::Connection& maint, std::string dbname)
        : m_maint(maint), m_dbname(std::move(dbname)) {}
    AllowConnectionsAgain(const AllowConnectionsAgain&) = delete;
    AllowConnectionsAgain& operator=(const AllowConnectionsAgain&) = delete;
    ~AllowConnectionsAgain() {
        if (m_armed) {
            try {
                m_maint.exec(fmt::format("ALTER DATABASE {} WITH ALLOW_CONNECTIONS true",
                                         ident(m_dbname)));
            } catch (...) { // NOLINT(bugprone-empty-catch): already failing; the first error wins
            }
        }
    }
    void dismiss() { m_armed = false; }
    void rename(std::string dbname) { m_dbname = std::move(dbname); }

private:
    pg::Connection& m_maint;
    std::string m_dbname;
    bool m_armed = true;
};

} // namespace

// Without introspection: every table and column of `to` exists in the shadow.
std::optional<std::string> compare_tables_and_columns(pg::Connection& shadow, const model::Schema& to) {
    std::vector<std::string> missing;
    for (const model::Table& t : to.tables) {
        std::optional<LiveTable> live = describe_table(shadow, t.name);
        if (!live) {
            missing.push_back("table " + table_label(t.name));
            continue;
        }
        for (const model::Column& c : t.columns) {
            if (!live->column(c.name)) {
                missing.push_back("column " + table_label(t.name) + "." + c.name);
            }
        }
    }
    if (missing.empty()) {
        return std::nullopt;
    }
    return "missing in the shadow: " + join(missing, ", ");
}

ShadowSummary create_shadow(pg::Connection& primary, const ShadowRequest& request,
                            const exec::Output& output) {
    std::ostream& err = *output.err;
    std::string db = primary.database();
    ShadowSummary summary;
    summary.shadow_name = db + "_shadow";
    const std::string& shadow_name = summary.shadow_name;

    err << "\n🔄 Shadow Migration Mode\n" << k_rule << "\n";
    err << fmt::format("  [1/4] Creating shadow database: {}", shadow_name);
    err.flush();
    pg::Connection maint = maintenance(primary);
    bool replaced = database_exists(maint, shadow_name);
    if (replaced) {
        maint.exec(fmt::format("DROP DATABASE {} WITH (FORCE)", ident(shadow_name)));
    }
    std::vector<pg::Param> db_param{db};
    pg::Result settings = maint.exec_params(
        "SELECT pg_encoding_to_char(encoding), datcollate, datctype FROM pg_database WHERE "
        "datname = $1",
        db_param);
    maint.exec(fmt::format("CREATE DATABASE {} TEMPLATE template0 ENCODING {} LC_COLLATE {} "
                           "LC_CTYPE {}",
                           ident(shadow_name), sql::quote_literal(settings.get_string(0, 0)),
                           sql::quote_literal(settings.get_string(0, 1)),
                           sql::quote_literal(settings.get_string(0, 2))));
    err << fmt::format(" ✓{}\n", replaced ? " (replaced the earlier one)" : "");

    std::string shadow_conninfo = primary.conninfo_for_database(shadow_name);
    pg::Connection shadow = pg::Connection::open(shadow_conninfo);
    err << "  [2/4] Applying migration to shadow...";
    err.flush();
    std::string base_sql = plan::create_sql(model::without_hints(request.from));
    if (!trim(base_sql).empty()) {
        shadow.exec(base_sql);
    }
    copy_history(primary, shadow);
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
    err << fmt::format(" ✓{}\n", migrated.version.empty()
                                     ? std::string(" (no changes)")
                                     : fmt::format(" ({} steps, recorded as {})", migrated.steps,
                                                   migrated.version));

    err << "  [3/4] Syncing data from primary to shadow...\n";
    err.flush();
    std::vector<SyncTable> tables = plan_sync(primary, shadow, request.to);
    pg::Transaction snapshot_tx(primary, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    pg::Result exported = primary.exec("SELECT pg_export_snapshot(), pg_current_snapshot()::text");
    std::string snapshot_id = exported.get_string(0, 0);
    std::string snapshot = exported.get_string(0, 1);
    copy_tables(CopyJob{primary.conninfo_for_database(db), shadow_conninfo, snapshot_id,
                        request.parallel, output.err},
                tables);
    snapshot_tx.commit();
    sync_sequences(primary, shadow);
    for (const SyncTable& t : tables) {
        summary.rows += t.rows;
    }
    summary.tables = static_cast<int>(tables.size());
    err << fmt::format("    ✓ Synced {} table{}, {} rows\n", summary.tables,
                       summary.tables == 1 ? "" : "s", with_commas(summary.rows));

    // verification: the schema is `to`, and every table holds the primary's rows
    std::optional<std::string> difference = request.verify_schema
                                                ? request.verify_schema(shadow, request.to)
                                                : compare_tables_and_columns(shadow, request.to);
    std::vector<std::string> statements;
    for (const plan::Step& step : plan::build(diff::diff(request.from, request.to), request.to).steps) {
        statements.push_back(step.sql);
    }
    ensure_state_table(primary);
    std::vector<pg::Param> params{shadow_name,
                                  request.display_url ? request.display_url(db) : db,
                                  exec::checksum_statements(statements),
                                  request.from_label,
                                  request.to_label,
                                  difference ? "failed" : "verified",
                                  snapshot,
                                  to_json(tables).dump()};
    primary.exec("UPDATE public._qail_shadow_state SET status = 'replaced' WHERE status IN "
                 "('pending', 'verified')");
    primary.exec_params("INSERT INTO public._qail_shadow_state (shadow_name, primary_url, "
                        "diff_checksum, old_schema_path, new_schema_path, status, sync_snapshot, "
                        "sync_tables) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)",
                        params);
    if (difference) {
        throw RefusedError(fmt::format("the shadow's schema is not {}: {}", request.to_label,
                                       *difference));
    }
    err << fmt::format("    ✓ Verified: schema matches {}, row counts equal\n", request.to_label);
    err << "  [4/4] Shadow ready for validation\n\n";
    err << fmt::format("  Shadow URL: {}\n\n",
                       request.display_url ? request.display_url(shadow_name) : shadow_name);
    err << "  Available Commands:\n"
           "    qail migrate promote → Switch traffic to shadow\n"
           "    qail migrate abort   → Drop shadow, keep primary\n";
    return summary;
}

PromoteSummary promote_shadow(pg::Connection& primary, const exec::Output& output) {
    std::ostream& err = *output.err;
    std::string db = primary.database();
    std::optional<StateRow> state = verified_state(primary);
    if (!state) {
        throw RefusedError(fmt::format("no verified shadow of {} to promote; run `qail migrate "
                                       "shadow old.qail:new.qail` first",
                                       db));
    }
    pg::Connection maint = maintenance(primary);
    if (!database_exists(maint, state->shadow_name)) {
        throw RefusedError(fmt::format("the shadow database {} no longer exists; run `qail "
                                       "migrate shadow` again",
                                       state->shadow_name));
    }
    PromoteSummary summary;
    summary.old_name = db + "_old_" + today();
    for (int n = 2; database_exists(maint, summary.old_name); ++n) {
        summary.old_name = fmt::format("{}_old_{}_{}", db, today(), n);
    }

    err << "\n🚀 Promoting Shadow to Primary\n━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━\n";
    // from here on no client can write to the primary
    maint.exec(fmt::format("ALTER DATABASE {} WITH ALLOW_CONNECTIONS false", ident(db)));
    AllowConnectionsAgain reopen(maint, db);
    terminate_others(maint, db, primary.backend_pid());

    std::vector<SyncTable*> changed = changed_since(primary, state->snapshot, state->tables);
    if (changed.empty()) {
        err << "  Writes to the primary since the sync: none\n";
    } else {
        std::vector<SyncTable> resync;
        for (SyncTable* t : changed) {
            resync.push_back(*t);
            summary.resynced.push_back(table_label(t->primary));
        }
        err << fmt::format("  Writes to the primary since the sync in {}: re-syncing\n",
                           join(summary.resynced, ", "));
        std::string shadow_conninfo = primary.conninfo_for_database(state->shadow_name);
        try {
            // new connections to the primary are refused now: ours streams alone
            pg::Connection shadow = pg::Connection::open(shadow_conninfo);
            shadow.exec("SET session_replication_role = replica");
            for (SyncTable& t : resync) {
                pg::Transaction tx(shadow);
                shadow.exec("DELETE FROM " + qualified_sql(t.shadow));
                t.rows = stream_table(primary, shadow, t);
                tx.commit();
                err << fmt::format("    ✓ {} ({} rows)\n", table_label(t.shadow),
                                   with_commas(t.rows));
            }
        } catch (const Error& e) {
            throw RefusedError(fmt::format(
                "refusing to promote: {} changed on the primary since the sync and could not be "
                "re-synced ({}); run `qail migrate shadow` again",
                join(summary.resynced, ", "), std::string(e.what()).substr(0, 300)));
        }
    }
    {
        pg::Connection shadow =
            pg::Connection::open(primary.conninfo_for_database(state->shadow_name));
        sync_sequences(primary, shadow);
    }
    set_status(primary, state->id, "promoted", summary.old_name);
    {
        // our own connection must go too before the rename
        pg::Connection closing = std::move(primary);
    }
    terminate_others(maint, db, 0);
    maint.exec(fmt::format("ALTER DATABASE {} RENAME TO {}", ident(db), ident(summary.old_name)));
    reopen.rename(summary.old_name);
    err << fmt::format("  [1/3] Renaming {} → {} ✓\n", db, summary.old_name);
    try {
        terminate_others(maint, state->shadow_name, 0);
        maint.exec(fmt::format("ALTER DATABASE {} RENAME TO {}", ident(state->shadow_name),
                               ident(db)));
    } catch (...) {
        // put the primary back under its name
        maint.exec(fmt::format("ALTER DATABASE {} RENAME TO {}", ident(summary.old_name),
                               ident(db)));
        reopen.rename(db);
        throw;
    }
    err << fmt::format("  [2/3] Renaming {} → {} ✓\n", state->shadow_name, db);
    err << "  [3/3] Keeping old database as backup\n\n";
    // the old database stays open for inspection (reopen's destructor)
    err << "✓ Shadow promoted successfully!\n";
    err << fmt::format("  Old database preserved as: {}\n", summary.old_name);
    err << fmt::format("  To clean up: DROP DATABASE {}\n", summary.old_name);
    return summary;
}

void abort_shadow(pg::Connection& primary, const exec::Output& output) {
    std::ostream& err = *output.err;
    std::string shadow_name = primary.database() + "_shadow";
    err << "\n🛑 Aborting Shadow Migration\n━━━━━━━━━━━━━━━━━━━━━━━━━━━━\n";
    err << fmt::format("  Dropping shadow database: {}\n", shadow_name);
    pg::Connection maint = maintenance(primary);
    bool existed = database_exists(maint, shadow_name);
    maint.exec(fmt::format("DROP DATABASE IF EXISTS {} WITH (FORCE)", ident(shadow_name)));
    if (primary.exec("SELECT to_regclass('public._qail_shadow_state') IS NOT NULL").get_bool(0, 0)) {
        primary.exec("UPDATE public._qail_shadow_state SET status = 'aborted' WHERE status IN "
                     "('pending', 'verified', 'failed')");
    }
    err << (existed ? "\n✓ Shadow database dropped. Primary unchanged.\n"
                    : "\n✓ There was no shadow database. Primary unchanged.\n");
}

} // namespace qail::safety
