// migrate promote and migrate abort, and the recovery of an interrupted
// promote. The journal in the shadow says how far a promote got:
//
//   closing / resyncing  the primary may refuse connections: both commands
//                        open it again; promote then starts over, abort drops
//                        the shadow
//   switching            the names are swapped in one transaction, so either
//                        the primary still has its name (as above) or the
//                        promoted shadow has it and only the bookkeeping is
//                        left, which both commands finish
//   done                 promoted

#include "shadow.hpp"

#include <fmt/format.h>

#include <ostream>
#include <thread>

#include <qail/base/error.hpp>
#include <qail/base/strings.hpp>
#include <qail/exec/failpoint.hpp>
#include <qail/exec/lock.hpp>
#include <qail/introspect/introspect.hpp>
#include <qail/lang/schema_io.hpp>
#include <qail/pg/sqlstate.hpp>
#include <qail/safety/catalog.hpp>
#include <qail/safety/shadow_resync.hpp>
#include <qail/sql/quote.hpp>

namespace qail::safety {

namespace {

using Clock = std::chrono::steady_clock;

std::string ident(const std::string& name) {
    return sql::quote_ident(name);
}

std::string first_line_of(const std::string& text) {
    return text.substr(0, text.find('\n'));
}

/// A text[] literal for a query parameter.
std::string text_array(const std::vector<std::string>& items) {
    std::string out;
    for (const std::string& item : items) {
        out += (out.empty() ? "" : ",") + std::string("\"") +
               replace_all(replace_all(item, "\\", "\\\\"), "\"", "\\\"") + "\"";
    }
    return "{" + out + "}";
}

// ------------------------------------------------ sessions

struct Session {
    std::string pid;
    std::string user;
    std::string application;
    std::string client;
    std::string database;
};

std::string pid_array(const std::vector<int>& pids) {
    std::string out = "{";
    for (int p : pids) {
        out += (out.size() > 1 ? "," : "") + std::to_string(p);
    }
    return out + "}";
}

/// Client sessions of these databases, except ours.
std::vector<Session> sessions_of(pg::Connection& maint, const std::vector<std::string>& databases,
                                 const std::vector<int>& ours) {
    std::vector<pg::Param> params{text_array(databases), pid_array(ours)};
    pg::Result r = maint.exec_params(
        "SELECT pid, coalesce(usename::text, ''), coalesce(application_name, ''), "
        "coalesce(host(client_addr), 'local'), datname FROM pg_stat_activity WHERE datname = "
        "ANY($1::text[]) AND pid <> pg_backend_pid() AND pid <> ALL($2::int[]) AND "
        "backend_type IN ('client backend', 'walsender') ORDER BY datname, pid",
        params);
    std::vector<Session> out;
    for (int i = 0; i < r.rows(); ++i) {
        out.push_back(Session{r.get_string(i, 0), r.get_string(i, 1), r.get_string(i, 2),
                              r.get_string(i, 3), r.get_string(i, 4)});
    }
    return out;
}

std::string count_of(size_t n, const char* what) {
    return fmt::format("{} {}{}", n, what, n == 1 ? "" : "s");
}

void print_sessions(std::ostream& err, const std::vector<Session>& sessions) {
    err << fmt::format("  {} connected, to be ended by promote:\n",
                       count_of(sessions.size(), "session"));
    for (const Session& s : sessions) {
        err << fmt::format("    pid {}  {}  user {}  application {}  from {}\n", s.pid, s.database,
                           s.user.empty() ? "-" : s.user,
                           s.application.empty() ? "-" : s.application, s.client);
    }
    err.flush();
}

/// Ends every session of these databases except ours, waiting until they
/// are gone. Never ends a running migration: a session holding a database's
/// migration lock is a refusal.
void end_sessions(pg::Connection& maint, const std::vector<std::string>& databases,
                  const std::vector<int>& ours) {
    std::vector<pg::Param> params{text_array(databases), pid_array(ours)};
    std::vector<pg::Param> lock_params{text_array(databases), pid_array(ours),
                                       std::to_string(exec::k_lock_class),
                                       std::to_string(exec::k_lock_object)};
    for (int attempt = 0; attempt < 50; ++attempt) {
        pg::Result holder = maint.exec_params(
            "SELECT l.pid, d.datname FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 AND "
            "l.classid::bigint = ($3::int)::oid::bigint AND l.objid::bigint = $4::bigint AND "
            "d.datname = ANY($1::text[]) AND l.pid <> ALL($2::int[]) LIMIT 1",
            lock_params);
        if (holder.rows() > 0) {
            throw RefusedError(fmt::format(
                "pid {} holds the migration lock of {}: another migration is running there, "
                "and promote does not end it; wait for it to finish and run promote again",
                holder.get(0, 0), holder.get(0, 1)));
        }
        pg::Result left = maint.exec_params(
            "SELECT count(*) FILTER (WHERE NOT pg_terminate_backend(pid, 5000)) FROM "
            "pg_stat_activity WHERE datname = ANY($1::text[]) AND pid <> pg_backend_pid() AND "
            "pid <> ALL($2::int[])",
            params);
        pg::Result remaining = maint.exec_params(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = ANY($1::text[]) AND pid <> "
            "pg_backend_pid() AND pid <> ALL($2::int[])",
            params);
        if (left.get_int(0, 0) == 0 && remaining.get_int(0, 0) == 0) {
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    throw RefusedError(fmt::format("sessions of {} keep coming back; stop the clients and run "
                                   "promote again",
                                   join(databases, ", ")));
}

/// Waits up to `grace` for the primary's sessions to leave by themselves.
/// True when none is left.
bool wait_for_sessions(pg::Connection& maint, const std::string& db, const std::vector<int>& ours,
                       std::chrono::milliseconds grace) {
    auto deadline = Clock::now() + grace;
    while (true) {
        if (sessions_of(maint, {db}, ours).empty()) {
            return true;
        }
        if (Clock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

// ------------------------------------------------ names and connections

void allow_connections(pg::Connection& maint, const std::string& db, bool allow) {
    maint.exec(fmt::format("ALTER DATABASE {} WITH ALLOW_CONNECTIONS {}", ident(db),
                           allow ? "true" : "false"));
}

pg::Connection open_database(pg::Connection& maint, const std::string& name,
                             const exec::RunSettings& settings) {
    pg::Connection c = pg::Connection::open(maint.conninfo_for_database(name));
    prepare_shadow_session(c, settings);
    return c;
}

/// Opens the primary again unless dismissed (a promote that failed before the swap).
class ReopenUnlessSwapped {
public:
    ReopenUnlessSwapped(pg::Connection& maint, std::string db, std::string shadow_conninfo)
        : m_maint(maint), m_db(std::move(db)), m_shadow_conninfo(std::move(shadow_conninfo)) {}
    ReopenUnlessSwapped(const ReopenUnlessSwapped&) = delete;
    ReopenUnlessSwapped& operator=(const ReopenUnlessSwapped&) = delete;
    ~ReopenUnlessSwapped() {
        if (!m_armed) {
            return;
        }
        try {
            allow_connections(m_maint, m_db, true);
            pg::Connection shadow = pg::Connection::open(m_shadow_conninfo);
            set_journal_step(shadow, promote_step::ready);
        } catch (...) { // NOLINT(bugprone-empty-catch): already failing; a re-run recovers
        }
    }
    void dismiss() { m_armed = false; }

private:
    pg::Connection& m_maint;
    std::string m_db;
    std::string m_shadow_conninfo;
    bool m_armed = true;
};

/// <db> -> <old>, <shadow> -> <db>, <old> open again: one transaction, so
/// some database always has the primary's name. Retried while a session of
/// the shadow (which stays open) is in the way.
void swap_names(pg::Connection& maint, const std::string& db, const std::string& shadow,
                const std::string& old_name) {
    for (int attempt = 0;; ++attempt) {
        end_sessions(maint, {db, shadow}, {});
        try {
            pg::Transaction tx(maint);
            maint.exec(fmt::format("ALTER DATABASE {} RENAME TO {}", ident(db), ident(old_name)));
            maint.exec(fmt::format("ALTER DATABASE {} RENAME TO {}", ident(shadow), ident(db)));
            allow_connections(maint, old_name, true);
            tx.commit();
            return;
        } catch (const DatabaseError& e) {
            if (pg::classify(e.sqlstate()) != pg::ErrorClass::object_in_use || attempt >= 50) {
                throw;
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

void print_promoted(std::ostream& err, const std::string& db, const std::string& shadow,
                    const std::string& old_name) {
    err << fmt::format("  [1/3] Renaming {} → {} ✓\n", db, old_name);
    err << fmt::format("  [2/3] Renaming {} → {} ✓\n", shadow, db);
    err << "  [3/3] Keeping old database as backup\n\n";
    err << "✓ Shadow promoted successfully!\n";
    err << fmt::format("  Old database preserved as: {}\n", old_name);
    err << fmt::format("  To clean up: DROP DATABASE {}\n", old_name);
}

/// After the swap: the journal says done, the old database's state row says promoted.
void finish_bookkeeping(pg::Connection& maint, pg::Connection& promoted,
                        const ShadowJournal& journal, const exec::RunSettings& settings) {
    set_journal_step(promoted, promote_step::done);
    if (database_info(maint, journal.old_name).allows_connections) {
        pg::Connection old = open_database(maint, journal.old_name, settings);
        set_state_status(old, journal.state_id, "promoted", journal.old_name);
    }
}

enum class Recovered {
    nothing,  ///< no interrupted promote
    reopened, ///< the primary refused connections; it accepts them again
    promoted, ///< the swap had happened; the bookkeeping is finished now
};

bool closed_by_promote(const std::optional<ShadowJournal>& j, const std::string& db) {
    return j && j->primary_name == db &&
           (j->step == promote_step::closing || j->step == promote_step::resyncing ||
            j->step == promote_step::switching);
}

std::optional<ShadowJournal> journal_of_shadow(pg::Connection& maint, const std::string& db,
                                               const exec::RunSettings& settings) {
    DatabaseInfo shadow = database_info(maint, shadow_name_of(db));
    if (!shadow.exists || !shadow.allows_connections) {
        return std::nullopt;
    }
    pg::Connection c = open_database(maint, shadow_name_of(db), settings);
    return read_journal(c);
}

/// Finds and repairs what an interrupted promote left. `undo`: abort's
/// direction where there is a choice (the primary keeps its name).
Recovered recover(pg::Connection& maint, const std::string& db, bool undo,
                  const exec::RunSettings& settings, std::ostream& err) {
    DatabaseInfo info = database_info(maint, db);
    if (info.exists && info.allows_connections) {
        pg::Connection c = open_database(maint, db, settings);
        std::optional<ShadowJournal> j = read_journal(c);
        if (j && j->primary_name == db && j->shadow_name != db &&
            j->step == promote_step::switching) {
            // interrupted right after the swap: the promoted shadow serves the name
            err << fmt::format("  note: an interrupted promote had already swapped the names; "
                               "finishing it\n");
            finish_bookkeeping(maint, c, *j, settings);
            return Recovered::promoted;
        }
        return Recovered::nothing;
    }
    std::optional<ShadowJournal> j = journal_of_shadow(maint, db, settings);
    if (info.exists) {
        if (!closed_by_promote(j, db)) {
            throw RefusedError(fmt::format(
                "database {} does not accept connections (ALLOW_CONNECTIONS false), and no "
                "interrupted promote of its shadow explains it; `ALTER DATABASE {} WITH "
                "ALLOW_CONNECTIONS true` opens it again",
                db, ident(db)));
        }
        allow_connections(maint, db, true);
        pg::Connection shadow = open_database(maint, shadow_name_of(db), settings);
        set_journal_step(shadow, promote_step::ready);
        err << fmt::format("  note: an interrupted promote had closed {} to new connections "
                           "(step: {}); it accepts them again\n",
                           db, j->step);
        return Recovered::reopened;
    }
    // no database has the name: only a swap done by hand halfway can leave this
    if (j && j->primary_name == db && !j->old_name.empty() &&
        database_info(maint, j->old_name).exists) {
        pg::Transaction tx(maint);
        if (undo) {
            maint.exec(fmt::format("ALTER DATABASE {} RENAME TO {}", ident(j->old_name), ident(db)));
            allow_connections(maint, db, true);
        } else {
            maint.exec(fmt::format("ALTER DATABASE {} RENAME TO {}", ident(shadow_name_of(db)),
                                   ident(db)));
            allow_connections(maint, j->old_name, true);
        }
        tx.commit();
        err << fmt::format("  note: no database was named {}; {} has the name again\n", db,
                           undo ? j->old_name : shadow_name_of(db));
        if (undo) {
            pg::Connection shadow = open_database(maint, shadow_name_of(db), settings);
            set_journal_step(shadow, promote_step::ready);
            return Recovered::reopened;
        }
        pg::Connection promoted = open_database(maint, db, settings);
        finish_bookkeeping(maint, promoted, *j, settings);
        return Recovered::promoted;
    }
    throw DatabaseError(fmt::format("database {} does not exist", db), "3D000");
}

/// The primary's database name, a maintenance connection, and the primary
/// itself when it accepts connections.
struct Opened {
    std::string db;
    std::optional<pg::Connection> maint;
    std::optional<pg::Connection> primary;
};

Opened open_primary(const std::string& conninfo, const exec::RunSettings& settings) {
    Opened out;
    try {
        out.primary.emplace(pg::Connection::open(conninfo));
        out.db = out.primary->database();
        out.maint.emplace(open_maintenance(*out.primary));
    } catch (const DatabaseError& e) {
        if (!is_unreachable_database(e)) {
            throw;
        }
        out.primary.reset();
        out.db = pg::database_named_by(conninfo);
        out.maint.emplace(open_maintenance(conninfo));
    }
    prepare_shadow_session(*out.maint, settings);
    return out;
}

/// The sessions promote will end: listed, and allowed by --terminate-sessions
/// or a yes on the terminal; otherwise refused (or cancelled). True when the
/// user agreed to end sessions.
bool agree_to_end(std::ostream& err, const std::vector<Session>& sessions,
                  const SessionPolicy& policy, const std::string& db) {
    if (sessions.empty()) {
        return policy.terminate_sessions;
    }
    print_sessions(err, sessions);
    if (policy.terminate_sessions) {
        return true;
    }
    std::string what = count_of(sessions.size(), "session");
    if (policy.confirm) {
        if (policy.confirm(fmt::format("End {} and promote? [y/N] ", what))) {
            return true;
        }
        throw CancelledError("promote cancelled; nothing was changed");
    }
    throw RefusedError(fmt::format(
        "refusing to end {} of {} without a yes (no terminal to ask on): re-run with "
        "--terminate-sessions to end them (after a --grace period to leave), or stop the "
        "clients first; nothing was changed",
        what, db));
}

/// What promote and abort start with: the primary's name, a maintenance
/// connection, the shadow lock, the header, and an interrupted promote repaired.
class Begun {
public:
    Begun(const std::string& conninfo, const PromoteRequest& request, std::ostream& err,
          const char* header, bool undo)
        : m_conninfo(conninfo), m_request(request), m_opened(open_primary(conninfo, request.settings)),
          m_lock(*m_opened.maint, m_opened.db, request.wait_for_lock) {
        err << header;
        m_recovered = recover(*m_opened.maint, m_opened.db, undo, request.settings, err);
    }
    Begun(const Begun&) = delete;
    Begun& operator=(const Begun&) = delete;

    const std::string& db() const { return m_opened.db; }
    pg::Connection& maint() { return *m_opened.maint; }
    /// True when the names had been swapped already (the promote is complete).
    bool promoted() const { return m_recovered == Recovered::promoted; }
    /// The promoted database's old name, from its journal.
    std::string old_name() {
        pg::Connection promoted = open_database(maint(), db(), m_request.settings);
        std::optional<ShadowJournal> j = read_journal(promoted);
        return j ? j->old_name : std::string();
    }
    /// The primary, prepared (connected again when recovery opened it first).
    pg::Connection primary() {
        pg::Connection c = m_opened.primary && m_recovered == Recovered::nothing
                               ? std::move(*m_opened.primary)
                               : pg::Connection::open(m_conninfo);
        m_opened.primary.reset();
        prepare_shadow_session(c, m_request.settings);
        return c;
    }

private:
    std::string m_conninfo;
    const PromoteRequest& m_request;
    Opened m_opened;
    ShadowLock m_lock;
    Recovered m_recovered = Recovered::nothing;
};

} // namespace

PromoteSummary promote_shadow(const std::string& conninfo, const PromoteRequest& request,
                              const exec::Output& output) {
    std::ostream& err = *output.err;
    const exec::RunSettings& settings = request.settings;
    Begun begun(conninfo, request, err,
                "\n🚀 Promoting Shadow to Primary\n━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━\n", false);
    const std::string& db = begun.db();
    pg::Connection& maint = begun.maint();
    PromoteSummary summary;
    if (begun.promoted()) {
        summary.old_name = begun.old_name();
        print_promoted(err, db, shadow_name_of(db), summary.old_name);
        return summary;
    }
    std::string shadow_name = shadow_name_of(db);
    std::string shadow_conninfo = maint.conninfo_for_database(shadow_name);
    std::optional<ReopenUnlessSwapped> reopen;
    ShadowJournal journal;
    {
        pg::Connection primary = begun.primary();
        exec::MigrationLock primary_lock(primary, request.wait_for_lock);
        std::optional<ShadowStateRow> state = verified_state(primary);
        if (!state) {
            throw RefusedError(fmt::format("no verified shadow of {} to promote; run `qail "
                                           "migrate shadow old.qail:new.qail` first",
                                           db));
        }
        if (!database_info(maint, shadow_name).exists) {
            throw RefusedError(fmt::format("the shadow database {} no longer exists; run `qail "
                                           "migrate shadow` again",
                                           shadow_name));
        }
        pg::Connection shadow = open_database(maint, shadow_name, settings);
        exec::MigrationLock shadow_migration_lock(shadow, false);
        std::optional<ShadowJournal> read = read_journal(shadow);
        if (!read || read->primary_name != db || read->state_id != state->id) {
            throw RefusedError(fmt::format("{} is not the verified shadow of {} (its journal is "
                                           "missing or describes another); run `qail migrate "
                                           "shadow` again",
                                           shadow_name, db));
        }
        journal = *read;
        model::Schema from = lang::parse_schema(journal.from_schema, journal.from_label);
        model::Schema to = lang::parse_schema(journal.to_schema, journal.to_label);
        introspect::Result live = introspect::introspect(primary);
        if (schema_checksum(live.schema) != journal.live_checksum) {
            throw RefusedError(fmt::format(
                "the schema of {} changed since its shadow was made, so the shadow is out of "
                "date; run `qail migrate shadow {}:{}` again",
                db, journal.from_label, journal.to_label));
        }
        std::vector<pg::Param> db_param{db};
        pg::Result prepared = maint.exec_params(
            "SELECT string_agg(gid, ', ') FROM pg_prepared_xacts WHERE database = $1", db_param);
        if (!prepared.is_null(0, 0)) {
            throw RefusedError(fmt::format(
                "{} has prepared transactions ({}) that would commit to the old database after "
                "the swap; COMMIT PREPARED or ROLLBACK PREPARED them first",
                db, prepared.get_string(0, 0)));
        }
        std::vector<int> ours{primary.backend_pid(), shadow.backend_pid()};
        bool agreed = agree_to_end(err, sessions_of(maint, {db, shadow_name}, ours),
                                   request.sessions, db);

        summary.old_name = old_name_of(db, 1);
        for (int n = 2; database_info(maint, summary.old_name).exists; ++n) {
            summary.old_name = old_name_of(db, n);
        }
        set_journal_step(shadow, promote_step::closing, summary.old_name);
        journal.old_name = summary.old_name;
        // from here on no new client reaches the primary
        reopen.emplace(maint, db, shadow_conninfo);
        allow_connections(maint, db, false);
        exec::failpoint("promote");
        std::vector<int> ours_on_primary{primary.backend_pid()};
        if (!sessions_of(maint, {db}, ours_on_primary).empty()) {
            if (request.sessions.grace.count() > 0) {
                err << fmt::format("  Waiting up to {:g} s for the sessions of {} to leave...",
                                   static_cast<double>(request.sessions.grace.count()) / 1000.0,
                                   db);
                err.flush();
            }
            bool left = wait_for_sessions(maint, db, ours_on_primary, request.sessions.grace);
            if (request.sessions.grace.count() > 0) {
                err << (left ? " all sessions left\n" : " some are still there\n");
            }
            if (!left && !agreed) {
                throw RefusedError(fmt::format(
                    "sessions connected to {} while promote began and did not leave; re-run "
                    "with --terminate-sessions to end them",
                    db));
            }
            if (!left) {
                size_t n = sessions_of(maint, {db}, ours_on_primary).size();
                err << fmt::format("  Ending {} of {}\n", count_of(n, "session"), db);
            }
        }
        end_sessions(maint, {db}, ours_on_primary);
        exec::failpoint("promote");

        // no one else writes to the primary now: its last writes go over
        set_journal_step(shadow, promote_step::resyncing);
        pg::Transaction last_look(primary, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
        std::vector<SyncTable*> changed =
            written_since(primary, journal.sync_snapshot, journal.tables);
        for (const SyncTable* t : changed) {
            summary.resynced.push_back(table_label(t->name));
        }
        if (changed.empty()) {
            err << "  Writes to the primary since the sync: none\n";
        } else {
            err << fmt::format("  Writes to the primary since the sync in {}: re-syncing\n",
                               join(summary.resynced, ", "));
            err.flush();
            try {
                model::Schema old_shape = schema_to_copy(primary);
                ResyncRequest resync{&old_shape, &from, &to, journal.written_by_migration};
                resync_tables(primary, shadow, resync, changed);
            } catch (const Error& e) {
                // a refusal names every table and why; a database error's first line says it
                std::string why = e.kind() == ErrorKind::refused ? e.what() : first_line_of(e.what());
                throw RefusedError(fmt::format(
                    "refusing to promote: {} changed on the primary since the sync and could not "
                    "be re-synced ({}); {} is open again and unchanged; run `qail migrate "
                    "shadow` again",
                    join(summary.resynced, ", "), why, db));
            }
            for (const SyncTable* t : changed) {
                std::optional<model::QualifiedName> into = migrated_name(from, to, t->name);
                err << fmt::format("    ✓ {} ({} rows)\n", table_label(into.value_or(t->name)),
                                   with_commas(t->rows));
            }
        }
        sync_sequences(primary, shadow);
        last_look.commit();
        exec::failpoint("promote");
        set_journal_step(shadow, promote_step::switching);
    }
    // our own connections to both databases are closed now (the swap needs that)
    exec::failpoint("promote");
    swap_names(maint, db, shadow_name, summary.old_name);
    reopen->dismiss();
    exec::failpoint("promote");
    {
        pg::Connection promoted = open_database(maint, db, settings);
        finish_bookkeeping(maint, promoted, journal, settings);
    }
    print_promoted(err, db, shadow_name, summary.old_name);
    return summary;
}

void abort_shadow(const std::string& conninfo, const PromoteRequest& request,
                  const exec::Output& output) {
    std::ostream& err = *output.err;
    Begun begun(conninfo, request, err,
                "\n🛑 Aborting Shadow Migration\n━━━━━━━━━━━━━━━━━━━━━━━━━━━━\n", true);
    const std::string& db = begun.db();
    pg::Connection& maint = begun.maint();
    std::string shadow_name = shadow_name_of(db);
    if (begun.promoted()) {
        std::string old_name = begun.old_name();
        throw RefusedError(fmt::format(
            "refusing to abort: the promote of {} had already swapped the names, so {} is the "
            "promoted database, with every write; the old one is kept as {}; nothing was changed",
            db, db, old_name.empty() ? "<db>_old_<date>" : old_name));
    }
    pg::Connection primary = begun.primary();
    exec::MigrationLock primary_lock(primary, request.wait_for_lock);
    err << fmt::format("  Dropping shadow database: {}\n", shadow_name);
    bool existed = database_info(maint, shadow_name).exists;
    if (existed) {
        refuse_unless_our_shadow(maint, primary, shadow_name);
    }
    maint.exec(fmt::format("DROP DATABASE IF EXISTS {} WITH (FORCE)", ident(shadow_name)));
    mark_state_aborted(primary);
    err << (existed ? "\n✓ Shadow database dropped. Primary unchanged.\n"
                    : "\n✓ There was no shadow database. Primary unchanged.\n");
}

} // namespace qail::safety
