// migrate promote / abort under faults: killed at every step and re-run (both
// ways), the migration lock against a running backfill, and the sessions that
// promote ends (listed, refused without a terminal unless
// --terminate-sessions, a grace period for those that leave by themselves).

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <tuple>

#include <qail/base/strings.hpp>

#include "e2e/migrate_support.hpp"

namespace qail::testing::migrate {
namespace {

constexpr const char* k_v1 = R"(table users {
  id serial primary_key
  username text not_null
}
table orders {
  id bigserial primary_key
  user_id integer not_null references users(id)
  total numeric(10,2)
}
)";

constexpr const char* k_v2 = R"(table users {
  id serial primary_key
  name text not_null  # was 'username'
}
table orders {
  id bigserial primary_key
  user_id integer not_null references users(id)
  total numeric(10,2)
  total_cents bigint
}
rename users.username -> users.name
transform (total * 100)::bigint -> orders.total_cents
)";

constexpr const char* k_lock_holder =
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = 1 AND "
    "database = (SELECT oid FROM pg_database WHERE datname = current_database())";

void seed(const TempDatabase& db, const Project& p) {
    p.write("v1.qail", k_v1);
    p.write("v2.qail", k_v2);
    RunResult init = p.qail({"migrate", "up", "_:v1.qail"});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    db.exec("INSERT INTO users (username) SELECT 'user' || g FROM generate_series(1, 200) g");
    db.exec("INSERT INTO orders (user_id, total) SELECT g % 200 + 1, g * 0.25 FROM "
            "generate_series(1, 2000) g");
}

std::string in_database(const std::string& name, const std::string& sql) {
    pg::Connection c = pg::Connection::open("dbname=" + name);
    return c.exec(sql).get_string(0, 0);
}

std::string maintenance(const std::string& sql) {
    return in_database("postgres", sql);
}

bool database_exists(const std::string& name) {
    return maintenance("SELECT count(*) FROM pg_database WHERE datname = '" + name + "'") == "1";
}

/// The application: inserts orders into the database of this name (whatever
/// database has it now) and remembers each insert the server acknowledged.
class Writer {
public:
    explicit Writer(std::string dbname) : m_dbname(std::move(dbname)) {
        m_thread = std::thread([this] { run(); });
    }
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;
    ~Writer() { stop(); }

    void stop() {
        m_stop = true;
        if (m_thread.joinable()) {
            m_thread.join();
        }
    }
    std::vector<std::string> acknowledged() {
        std::lock_guard lock(m_mutex);
        return m_ids;
    }
    size_t count() {
        std::lock_guard lock(m_mutex);
        return m_ids.size();
    }

private:
    void run() {
        std::optional<pg::Connection> c;
        while (!m_stop) {
            try {
                if (!c) {
                    c.emplace(pg::Connection::open("dbname=" + m_dbname +
                                                   " application_name=the-app"));
                }
                std::string id = c->exec("INSERT INTO orders (user_id, total) VALUES (7, 1.5) "
                                         "RETURNING id")
                                     .get_string(0, 0);
                std::lock_guard lock(m_mutex);
                m_ids.push_back(id);
            } catch (const std::exception&) {
                c.reset(); // ended by promote, or the database refuses connections for a moment
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }

    std::string m_dbname;
    std::atomic<bool> m_stop{false};
    std::mutex m_mutex;
    std::vector<std::string> m_ids;
    std::thread m_thread;
};

/// Every acknowledged order is in the database serving the primary's name.
void expect_every_write(const TempDatabase& db, Writer& writer) {
    std::vector<std::string> ids = writer.acknowledged();
    ASSERT_GT(ids.size(), 5u);
    std::string list;
    for (const std::string& id : ids) {
        list += (list.empty() ? "" : ",") + id;
    }
    EXPECT_EQ(db.scalar("SELECT count(*) FROM orders WHERE id IN (" + list + ")"),
              std::to_string(ids.size()))
        << "acknowledged orders are missing from " << db.name();
}

void expect_open(const TempDatabase& db) {
    EXPECT_EQ(maintenance("SELECT datallowconn FROM pg_database WHERE datname = '" + db.name() +
                          "'"),
              "t");
}

std::string old_database(const TempDatabase& db) {
    return maintenance("SELECT coalesce(string_agg(datname, ','), '') FROM pg_database WHERE "
                       "datname LIKE '" + db.name() + "\\_old\\_%'");
}

// QAIL_FAILPOINT=after_promote:N kills promote after its N-th step:
//   1 connections to the primary closed, 2 sessions ended, 3 re-synced,
//   4 about to swap the names, 5 names swapped.
using KillCase = std::tuple<int, std::string>;

class PromoteKilled : public ::testing::TestWithParam<KillCase> {};

TEST_P(PromoteKilled, RerunFinishesOrUndoesWithoutLosingAWrite) {
    require_server();
    auto [step, recovery] = GetParam();
    TempDatabase db;
    Project p(db);
    seed(db, p);
    ASSERT_EQ(p.qail({"migrate", "shadow", "v1.qail:v2.qail"}).exit_code, 0);
    Writer writer(db.name());
    ASSERT_TRUE(eventually([&] { return writer.count() > 20; }));

    RunResult killed = p.qail({"migrate", "promote", "--terminate-sessions", "--grace", "0"},
                              {{"QAIL_FAILPOINT", "after_promote:" + std::to_string(step)}});
    ASSERT_EQ(killed.exit_code, 128 + SIGKILL) << killed.err;
    if (step < 5) {
        // the primary is closed: a new shadow says what to run instead
        RunResult shadow = p.qail({"migrate", "shadow", "v1.qail:v2.qail"});
        EXPECT_EQ(shadow.exit_code, 4) << shadow.err;
        EXPECT_NE(shadow.err.find("run `qail migrate promote` to finish"), std::string::npos)
            << shadow.err;
    }

    std::vector<std::string> args{"migrate", recovery};
    if (recovery == "promote") {
        args.insert(args.end(), {"--terminate-sessions", "--grace", "0"});
    }
    RunResult rerun = p.qail(args);
    size_t before_stop = writer.count();
    ASSERT_TRUE(eventually([&] { return writer.count() > before_stop + 10; }))
        << "the application cannot write after " << recovery << ":\n"
        << rerun.err;
    writer.stop();

    bool promoted = recovery == "promote" || step == 5;
    if (recovery == "abort" && step == 5) {
        // the names were already swapped: abort says so and changes nothing
        EXPECT_EQ(rerun.exit_code, 4) << rerun.err;
        EXPECT_NE(rerun.err.find("already"), std::string::npos) << rerun.err;
    } else {
        EXPECT_EQ(rerun.exit_code, 0) << rerun.err;
    }
    expect_open(db);
    expect_every_write(db, writer);
    EXPECT_FALSE(database_exists(db.name() + "_shadow"));
    if (recovery == "promote") {
        EXPECT_NE(rerun.err.find("✓ Shadow promoted successfully!"), std::string::npos)
            << rerun.err;
    }
    if (promoted) {
        EXPECT_EQ(db.scalar("SELECT count(*) FROM users WHERE name = 'user7'"), "1");
        std::string old_name = old_database(db);
        ASSERT_FALSE(old_name.empty());
        EXPECT_EQ(old_name.find(','), std::string::npos) << old_name;
        // every order the old primary got, written after the sync or not, went
        // through the migration's transform
        std::string last_on_old = in_database(old_name, "SELECT max(id) FROM orders");
        EXPECT_EQ(db.scalar("SELECT count(*) FROM orders WHERE id <= " + last_on_old +
                            " AND total_cents IS DISTINCT FROM (total * 100)::bigint"),
                  "0");
        EXPECT_EQ(maintenance("SELECT datallowconn FROM pg_database WHERE datname = '" + old_name +
                              "'"),
                  "t");
        EXPECT_EQ(in_database(old_name, "SELECT count(*) FROM users WHERE username = 'user7'"),
                  "1");
    } else {
        EXPECT_NE(rerun.err.find("Primary unchanged"), std::string::npos) << rerun.err;
        EXPECT_EQ(db.scalar("SELECT count(*) FROM users WHERE username = 'user7'"), "1");
        EXPECT_EQ(old_database(db), "");
    }
}

INSTANTIATE_TEST_SUITE_P(EveryStep, PromoteKilled,
                         ::testing::Combine(::testing::Values(1, 2, 3, 4, 5),
                                            ::testing::Values("promote", "abort")),
                         [](const ::testing::TestParamInfo<KillCase>& param_info) {
                             return "step" + std::to_string(std::get<0>(param_info.param)) +
                                    "_" + std::get<1>(param_info.param);
                         });

TEST(ShadowLocks, ShadowPromoteAndAbortRefuseWhileABackfillRunsAndLeaveItAlone) {
    require_server();
    TempDatabase db;
    Project p(db);
    seed(db, p);
    ASSERT_EQ(p.qail({"migrate", "shadow", "v1.qail:v2.qail"}).exit_code, 0);
    p.write("deltas/001_fill/expand.qail", "alter users add nick:text:nullable\n");
    p.write("deltas/001_fill/backfill.qail", "-- @backfill.table: users\n"
                                             "-- @backfill.set: nick = username\n"
                                             "-- @backfill.where: nick IS NULL\n");
    p.write("deltas/001_fill/down.qail", "drop users.nick confirm\n");
    Background apply({"migrate", "apply", "--backfill-chunk-size", "5", "--backfill-pause", "300",
                      db.conninfo()},
                     p.options());
    ASSERT_TRUE(eventually([&] {
        try {
            return db.scalar("SELECT count(*) FROM users WHERE nick IS NOT NULL") != "0";
        } catch (const std::exception&) {
            return false; // the column is not there yet
        }
    })) << apply.wait().err;

    for (const char* verb : {"shadow", "promote", "abort"}) {
        std::vector<std::string> args{"migrate", verb};
        if (std::string(verb) == "shadow") {
            args.push_back("v1.qail:v2.qail");
        }
        if (std::string(verb) == "promote") {
            args.push_back("--terminate-sessions");
        }
        RunResult r = p.qail(args);
        EXPECT_EQ(r.exit_code, 4) << verb << ": " << r.err;
        EXPECT_NE(r.err.find("another migration is running"), std::string::npos) << r.err;
    }
    RunResult done = apply.wait();
    EXPECT_EQ(done.exit_code, 0) << done.err;
    EXPECT_EQ(db.scalar("SELECT count(*) FROM users WHERE nick IS NULL"), "0");
    // the shadow and the primary are as they were
    expect_open(db);
    EXPECT_TRUE(database_exists(db.name() + "_shadow"));
    EXPECT_EQ(db.scalar("SELECT status FROM _qail_shadow_state ORDER BY id DESC LIMIT 1"),
              "verified");
}

TEST(ShadowLocks, AKilledShadowFreesTheLockAndARerunStartsOver) {
    require_server();
    TempDatabase db;
    Project p(db);
    seed(db, p);
    db.exec("INSERT INTO orders (user_id, total) SELECT g % 200 + 1, g FROM generate_series(1, "
            "300000) g");
    Background shadow({"migrate", "shadow", "v1.qail:v2.qail", db.conninfo()}, p.options());
    ASSERT_TRUE(eventually([&] {
        return maintenance("SELECT count(*) FROM pg_stat_activity WHERE datname = '" + db.name() +
                           "_shadow' AND query LIKE 'COPY%'") != "0";
    })) << shadow.wait().err;
    // a second one at the same time is refused at once
    RunResult second = p.qail({"migrate", "shadow", "v1.qail:v2.qail"});
    EXPECT_EQ(second.exit_code, 4) << second.err;
    EXPECT_NE(second.err.find("another migration is running"), std::string::npos) << second.err;
    shadow.kill9();
    EXPECT_EQ(shadow.wait().exit_code, 128 + SIGKILL);
    ASSERT_TRUE(eventually([&] { return db.scalar(k_lock_holder) == "0"; }, 30));
    RunResult rerun = p.qail({"migrate", "shadow", "v1.qail:v2.qail"});
    ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
    EXPECT_NE(rerun.err.find("(replaced the earlier one)"), std::string::npos) << rerun.err;
    EXPECT_EQ(in_database(db.name() + "_shadow", "SELECT count(*) FROM orders"), "302000");
}

TEST(ShadowLocks, AMigrationAppliedToThePrimaryAfterTheShadowIsARefusal) {
    require_server();
    TempDatabase db;
    Project p(db);
    seed(db, p);
    ASSERT_EQ(p.qail({"migrate", "shadow", "v1.qail:v2.qail"}).exit_code, 0);
    // data only: the schema stays the same, the history does not
    p.write("deltas/001_shout.up.qail", "sql $$ UPDATE users SET username = username || '!' $$\n");
    p.write("deltas/001_shout.down.qail", "sql $$ UPDATE users SET username = rtrim(username, '!') $$\n");
    ASSERT_EQ(p.qail({"migrate", "apply"}).exit_code, 0);
    RunResult promote = p.qail({"migrate", "promote"});
    EXPECT_EQ(promote.exit_code, 4) << promote.err;
    EXPECT_NE(promote.err.find("a migration was recorded on the primary since the sync"),
              std::string::npos)
        << promote.err;
    expect_open(db);
    EXPECT_EQ(db.scalar("SELECT username FROM users WHERE id = 7"), "user7!");
}

TEST(ShadowSessions, PromoteNamesTheSessionsAndRefusesWithoutATerminal) {
    require_server();
    TempDatabase db;
    Project p(db);
    seed(db, p);
    ASSERT_EQ(p.qail({"migrate", "shadow", "v1.qail:v2.qail"}).exit_code, 0);
    pg::Connection app = pg::Connection::open("dbname=" + db.name() + " application_name=billing");
    std::string pid = std::to_string(app.backend_pid());

    RunResult refused = p.qail({"migrate", "promote"});
    EXPECT_EQ(refused.exit_code, 4) << refused.err;
    EXPECT_NE(refused.err.find("1 session"), std::string::npos) << refused.err;
    EXPECT_NE(refused.err.find(pid), std::string::npos) << refused.err;
    EXPECT_NE(refused.err.find("billing"), std::string::npos) << refused.err;
    EXPECT_NE(refused.err.find("--terminate-sessions"), std::string::npos) << refused.err;
    EXPECT_EQ(refused.err.find("PGPASSWORD"), std::string::npos);
    // nothing changed: the session still works, the shadow is still there
    EXPECT_EQ(app.exec("SELECT count(*) FROM users").get_string(0, 0), "200");
    expect_open(db);
    EXPECT_TRUE(database_exists(db.name() + "_shadow"));

    RunResult promote = p.qail({"migrate", "promote", "--terminate-sessions", "--grace", "0"});
    ASSERT_EQ(promote.exit_code, 0) << promote.err;
    EXPECT_THROW(app.exec("SELECT 1"), std::exception);
    EXPECT_EQ(db.scalar("SELECT count(*) FROM users WHERE name = 'user7'"), "1");
}

TEST(ShadowSessions, ASessionThatLeavesDuringTheGraceIsNotEnded) {
    require_server();
    TempDatabase db;
    Project p(db);
    seed(db, p);
    ASSERT_EQ(p.qail({"migrate", "shadow", "v1.qail:v2.qail"}).exit_code, 0);
    std::optional<pg::Connection> app =
        pg::Connection::open("dbname=" + db.name() + " application_name=leaving");
    Background promote({"migrate", "promote", "--terminate-sessions", "--grace", "120",
                        db.conninfo()},
                       p.options());
    ASSERT_TRUE(eventually([&] {
        return maintenance("SELECT datallowconn FROM pg_database WHERE datname = '" + db.name() +
                           "'") == "f";
    })) << promote.wait().err;
    app.reset(); // the application leaves by itself
    RunResult done = promote.wait();
    ASSERT_EQ(done.exit_code, 0) << done.err;
    EXPECT_NE(done.err.find("Waiting up to 120 s"), std::string::npos) << done.err;
    EXPECT_NE(done.err.find("all sessions left"), std::string::npos) << done.err;
}

TEST(ShadowSessions, NoOtherSessionMeansNoQuestion) {
    require_server();
    TempDatabase db;
    Project p(db);
    seed(db, p);
    ASSERT_EQ(p.qail({"migrate", "shadow", "v1.qail:v2.qail"}).exit_code, 0);
    RunResult promote = p.qail({"migrate", "promote"});
    ASSERT_EQ(promote.exit_code, 0) << promote.err;
    EXPECT_EQ(promote.err.find("session"), std::string::npos) << promote.err;
}

TEST(ShadowNames, ADatabaseThatOnlyHasTheShadowsNameIsNeverDropped) {
    require_server();
    TempDatabase db;
    Project p(db);
    seed(db, p);
    std::string other = db.name() + "_shadow";
    maintenance("CREATE DATABASE " + other);
    in_database(other, "CREATE TABLE precious AS SELECT 42 AS answer; SELECT 1");

    RunResult shadow = p.qail({"migrate", "shadow", "v1.qail:v2.qail"});
    EXPECT_EQ(shadow.exit_code, 4) << shadow.err;
    EXPECT_NE(shadow.err.find("not a shadow"), std::string::npos) << shadow.err;
    RunResult abort = p.qail({"migrate", "abort"});
    EXPECT_EQ(abort.exit_code, 4) << abort.err;
    EXPECT_EQ(in_database(other, "SELECT answer FROM precious"), "42");
}

/// A database of exactly 63 bytes whose name needs quoting: a shadow or old
/// name made by appending to it would be cut by the server, and must never
/// come out as the primary's own name.
class LongNamedDatabase {
public:
    LongNamedDatabase() {
        m_name = "qail_t_" + std::to_string(getpid()) + " \"q\"; drop table y ";
        m_name += std::string(63 - m_name.size(), 'x');
        pg::Connection maint = pg::Connection::open("dbname=postgres");
        maint.exec("CREATE DATABASE " + quoted(m_name));
    }
    LongNamedDatabase(const LongNamedDatabase&) = delete;
    LongNamedDatabase& operator=(const LongNamedDatabase&) = delete;
    ~LongNamedDatabase() {
        try {
            pg::Connection maint = pg::Connection::open("dbname=postgres");
            pg::Result all = maint.exec("SELECT datname FROM pg_database WHERE datname LIKE "
                                        "'qail\\_t\\_" + std::to_string(getpid()) + " %'");
            for (int i = 0; i < all.rows(); ++i) {
                maint.exec("DROP DATABASE IF EXISTS " + quoted(all.get_string(i, 0)) +
                           " WITH (FORCE)");
            }
        } catch (const std::exception&) { // NOLINT(bugprone-empty-catch): best-effort cleanup
        }
    }
    const std::string& name() const { return m_name; }
    std::string conninfo() const { return "dbname='" + m_name + "'"; }
    std::string scalar(const std::string& sql) const {
        pg::Connection c = pg::Connection::open(conninfo());
        return c.exec(sql).get_string(0, 0);
    }
    static std::string quoted(const std::string& name) {
        return "\"" + replace_all(name, "\"", "\"\"") + "\"";
    }
    /// Databases of the server whose name starts like this one's.
    static std::string relatives() {
        return maintenance("SELECT coalesce(string_agg(datname, ' | ' ORDER BY datname), '') FROM "
                           "pg_database WHERE datname LIKE 'qail\\_t\\_" +
                           std::to_string(getpid()) + " %'");
    }

private:
    std::string m_name;
};

TEST(ShadowNames, ASixtyThreeByteQuotedNameKeepsItsDataThroughShadowAbortAndPromote) {
    require_server();
    LongNamedDatabase db;
    TempDatabase unused;
    Project p(unused);
    p.write("v1.qail", k_v1);
    p.write("v2.qail", k_v2);
    ASSERT_EQ(p.qail_plain({"migrate", "up", "_:v1.qail", db.conninfo()}).exit_code, 0);
    pg::Connection(pg::Connection::open(db.conninfo()))
        .exec("INSERT INTO users (username) SELECT 'user' || g FROM generate_series(1, 50) g");

    RunResult shadow = p.qail_plain({"migrate", "shadow", "v1.qail:v2.qail", db.conninfo()});
    ASSERT_EQ(shadow.exit_code, 0) << shadow.err;
    EXPECT_EQ(db.scalar("SELECT count(*) FROM users"), "50");
    RunResult abort = p.qail_plain({"migrate", "abort", db.conninfo()});
    ASSERT_EQ(abort.exit_code, 0) << abort.err;
    EXPECT_EQ(db.scalar("SELECT count(*) FROM users WHERE username = 'user7'"), "1");
    EXPECT_EQ(LongNamedDatabase::relatives(), db.name());

    ASSERT_EQ(p.qail_plain({"migrate", "shadow", "v1.qail:v2.qail", db.conninfo()}).exit_code, 0);
    RunResult promote = p.qail_plain({"migrate", "promote", db.conninfo()});
    ASSERT_EQ(promote.exit_code, 0) << promote.err;
    EXPECT_EQ(db.scalar("SELECT count(*) FROM users WHERE name = 'user7'"), "1");
    std::string all = LongNamedDatabase::relatives();
    EXPECT_NE(all.find("_old_"), std::string::npos) << all;
    EXPECT_EQ(all.find("_shadow"), std::string::npos) << all;
}

} // namespace
} // namespace qail::testing::migrate
