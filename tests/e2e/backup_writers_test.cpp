// A backup holds exactly what the drop removed, while the application keeps
// writing: every write acknowledged before the drop committed is in it (a
// write that waited for the drop's lock, and writes that landed while the
// backup was being copied), and the bulk of it is copied outside the drop's
// transaction, so writers wait only for the rows that changed meanwhile.

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include <qail/base/error.hpp>

#include "e2e/migrate_support.hpp"

namespace qail::testing::migrate {
namespace {

constexpr const char* k_old = R"(table items {
  id integer primary_key
  label text not_null
  price numeric
}
table events {
  id integer primary_key
  body text
}
)";

constexpr const char* k_new = R"(table items {
  id integer primary_key
  label text not_null
}
drop confirm items.price
drop confirm events
)";

// The schema back: the column and the table return empty.
constexpr const char* k_back = k_old;

void seed(const TempDatabase& db, const Project& p, int rows) {
    p.write("old.qail", k_old);
    p.write("new.qail", k_new);
    p.write("back.qail", k_back);
    RunResult init = p.qail({"migrate", "up", "_:old.qail"});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    db.exec("INSERT INTO items SELECT g, 'item ' || g, g FROM generate_series(1, " +
            std::to_string(rows) + ") g");
    db.exec("INSERT INTO events SELECT g, 'event ' || g FROM generate_series(1, " +
            std::to_string(rows) + ") g");
}

constexpr const char* k_prices = "SELECT string_agg(id || '=' || coalesce(price::text, 'NULL'), "
                                 "',' ORDER BY id) FROM items";
constexpr const char* k_events = "SELECT coalesce(string_agg(id || '=' || coalesce(body, 'NULL'), "
                                 "',' ORDER BY id), '') FROM events";

std::string prices(const TempDatabase& db) {
    return db.scalar(k_prices);
}

std::string events(const TempDatabase& db) {
    return db.scalar(k_events);
}

std::string latest_up(const TempDatabase& db) {
    return db.scalar("SELECT version FROM _qail_migrations WHERE version LIKE '%\\_up%' ORDER BY "
                     "id DESC LIMIT 1");
}

// True once a session waits for a lock on one of the two tables.
bool someone_waits(const TempDatabase& db) {
    return db.scalar("SELECT count(*) FROM pg_locks l WHERE NOT l.granted AND l.relation IN "
                     "('items'::regclass, 'events'::regclass)") != "0";
}

TEST(BackupWriters, AWriteThatWaitedForTheDropIsInTheBackup) {
    require_server();
    for (const std::string mode : {"db", "files"}) {
        SCOPED_TRACE(mode);
        TempDatabase db;
        Project p(db);
        seed(db, p, 100);
        // the application's transaction is open when the migration starts
        pg::Connection app = db.connect();
        app.exec("BEGIN");
        app.exec("UPDATE items SET price = 12345 WHERE id = 7");
        app.exec("DELETE FROM events WHERE id = 8");
        app.exec("INSERT INTO events VALUES (1001, 'late')");
        // what the application's transaction commits, as it sees it
        std::string acknowledged = app.exec(k_prices).get_string(0, 0);
        std::string acknowledged_events = app.exec(k_events).get_string(0, 0);
        Background up({"migrate", "up", "old.qail:new.qail", "--backup=" + mode, db.conninfo()},
                      p.options());
        ASSERT_TRUE(eventually([&] { return someone_waits(db); }, 60));
        app.exec("COMMIT"); // acknowledged: the backup must hold these
        RunResult r = up.wait();
        ASSERT_EQ(r.exit_code, 0) << r.err;

        RunResult down = p.qail({"migrate", "down", "new.qail:back.qail", "--restore-data"});
        ASSERT_EQ(down.exit_code, 0) << down.err;
        EXPECT_EQ(prices(db), acknowledged);
        EXPECT_EQ(db.scalar("SELECT price FROM items WHERE id = 7"), "12345");
        EXPECT_EQ(events(db), acknowledged_events);
        EXPECT_EQ(db.scalar("SELECT count(*) FROM events WHERE id IN (8, 1001)"), "1");
    }
}

// Writers update random rows with values that only grow, and insert and
// delete events, until the drop makes their statements fail; what each
// acknowledged last is what the restore must give back.
TEST(BackupWriters, EveryAcknowledgedWriteOfBusyWritersComesBack) {
    require_server();
    for (const std::string mode : {"db", "files"}) {
        SCOPED_TRACE(mode);
        constexpr int k_rows = 2000;
        TempDatabase db;
        Project p(db);
        seed(db, p, k_rows);
        std::mutex mutex;
        std::map<int, long long> last_price; // acknowledged
        std::set<int> live_events;
        for (int i = 1; i <= k_rows; ++i) {
            last_price[i] = i;
            live_events.insert(i);
        }
        std::atomic<bool> stop{false};
        std::atomic<long long> acknowledged{0};
        std::vector<std::thread> writers;
        for (int w = 0; w < 3; ++w) {
            writers.emplace_back([&, w] {
                pg::Connection conn = db.connect();
                std::mt19937 random(static_cast<unsigned>(w + 1));
                std::uniform_int_distribution<int> pick(1, k_rows);
                long long value = 1'000'000LL * (w + 1);
                int next_event = k_rows + 1 + w * 100'000;
                bool items_gone = false;
                bool events_gone = false;
                while (!stop && !(items_gone && events_gone)) {
                    int id = pick(random);
                    if (!items_gone) {
                        try {
                            std::vector<pg::Param> params{std::to_string(++value),
                                                          std::to_string(id)};
                            conn.exec_params("UPDATE items SET price = $1::numeric WHERE id = "
                                             "$2::integer",
                                             params);
                            std::lock_guard lock(mutex);
                            last_price[id] = value;
                            ++acknowledged;
                        } catch (const qail::DatabaseError&) {
                            items_gone = true;
                        }
                    }
                    if (!events_gone) {
                        try {
                            std::vector<pg::Param> params{std::to_string(id)};
                            conn.exec_params("DELETE FROM events WHERE id = $1::integer", params);
                            {
                                std::lock_guard lock(mutex);
                                live_events.erase(id);
                            }
                            std::vector<pg::Param> insert{std::to_string(++next_event)};
                            conn.exec_params("INSERT INTO events VALUES ($1::integer, 'new')",
                                             insert);
                            std::lock_guard lock(mutex);
                            live_events.insert(next_event);
                            ++acknowledged;
                        } catch (const qail::DatabaseError&) {
                            events_gone = true;
                        }
                    }
                }
            });
        }
        ASSERT_TRUE(eventually([&] { return acknowledged.load() > 200; }, 60));
        RunResult up = p.qail({"migrate", "up", "old.qail:new.qail", "--backup=" + mode});
        stop = true;
        for (std::thread& t : writers) {
            t.join();
        }
        ASSERT_EQ(up.exit_code, 0) << up.err;
        // the writers wrote while the backup was copied: those rows were read again
        EXPECT_NE(up.err.find("written while it was copied were read again"), std::string::npos)
            << up.err;

        RunResult down = p.qail({"migrate", "down", "new.qail:back.qail", "--restore-data"});
        ASSERT_EQ(down.exit_code, 0) << down.err;
        int wrong = 0;
        pg::Result r = db.exec("SELECT id, price::bigint FROM items ORDER BY id");
        ASSERT_EQ(r.rows(), k_rows);
        for (int i = 0; i < r.rows(); ++i) {
            int id = static_cast<int>(r.get_int(i, 0));
            wrong += r.get_int(i, 1) == last_price[id] ? 0 : 1;
        }
        EXPECT_EQ(wrong, 0) << "rows whose restored price is not the last acknowledged one";
        std::set<int> restored;
        pg::Result e = db.exec("SELECT id FROM events");
        for (int i = 0; i < e.rows(); ++i) {
            restored.insert(static_cast<int>(e.get_int(i, 0)));
        }
        EXPECT_EQ(restored, live_events);
    }
}

// Writes that land after the backup's copy, while the drop waits for its
// lock (a reader holds the table), reach the backup through the capture: on
// a partitioned table, updates, inserts, deletes and a TRUNCATE of one
// partition.
TEST(BackupWriters, WritesWhileTheDropWaitsAreCapturedOnEveryPartition) {
    require_server();
    const char* k_from = R"(table m {
  id integer not_null
  k integer not_null
  note text
  primary_key (id, k)
  partition_by range (k)
}
partition m_low of m for values from (0) to (10)
partition m_high of m for values from (10) to (20)
)";
    const char* k_to = R"(table m {
  id integer not_null
  k integer not_null
  primary_key (id, k)
  partition_by range (k)
}
partition m_low of m for values from (0) to (10)
partition m_high of m for values from (10) to (20)
drop confirm m.note
)";
    const std::string notes = "SELECT coalesce(string_agg(id || '/' || k || '=' || coalesce(note, "
                              "'NULL'), ',' ORDER BY id, k), '') FROM m";
    for (const std::string mode : {"db", "files"}) {
        SCOPED_TRACE(mode);
        TempDatabase db;
        Project p(db);
        p.write("from.qail", k_from);
        p.write("to.qail", k_to);
        ASSERT_EQ(p.qail({"migrate", "up", "_:from.qail"}).exit_code, 0);
        db.exec("INSERT INTO m SELECT g, g % 20, 'n' || g FROM generate_series(1, 200) g");
        // the parent alone: the drop waits, a partition can still be truncated
        pg::Connection reader = db.connect();
        reader.exec("BEGIN");
        reader.exec("LOCK TABLE ONLY m IN ACCESS SHARE MODE");
        Background up({"migrate", "up", "from.qail:to.qail", "--backup=" + mode, "--lock-timeout",
                       "0.2", db.conninfo()},
                      p.options());
        // the copy is done once the capture's trigger is on the partitions and the drop waits
        ASSERT_TRUE(eventually([&] {
            return db.scalar("SELECT count(*) FROM pg_trigger WHERE tgname LIKE "
                             "'\\_qail\\_capture%' AND tgrelid = 'm_high'::regclass") == "2";
        }));
        // (each waits at most while the drop's lock request is queued, 0.2 s at a time)
        db.exec("SET lock_timeout = '30s'; UPDATE m SET note = 'updated' WHERE id = 15");
        db.exec("SET lock_timeout = '30s'; INSERT INTO m VALUES (1000, 12, 'inserted')");
        db.exec("SET lock_timeout = '30s'; DELETE FROM m WHERE id = 16");
        db.exec("SET lock_timeout = '30s'; TRUNCATE m_low");
        std::string acknowledged = db.scalar(notes);
        reader.exec("COMMIT");
        RunResult r = up.wait();
        ASSERT_EQ(r.exit_code, 0) << r.err;
        RunResult down = p.qail({"migrate", "down", "to.qail:from.qail", "--restore-data"});
        ASSERT_EQ(down.exit_code, 0) << down.err;
        EXPECT_EQ(db.scalar(notes), acknowledged);
        EXPECT_EQ(db.scalar("SELECT note FROM m WHERE id = 15"), "updated");
    }
}

// The backup's bulk is written before the drop's transaction: in it, only
// rows that changed while the bulk was copied (none here).
TEST(BackupWriters, TheBulkIsCopiedOutsideTheDropsTransaction) {
    require_server();
    TempDatabase db;
    Project p(db);
    seed(db, p, 5000);
    RunResult up = p.qail({"migrate", "up", "old.qail:new.qail", "--backup=db"});
    ASSERT_EQ(up.exit_code, 0) << up.err;
    std::string version = latest_up(db);
    EXPECT_EQ(db.scalar("SELECT count(*) FROM _qail_data_snapshots"), "10000");
    EXPECT_EQ(db.scalar("SELECT count(*) FROM _qail_data_snapshots s WHERE s.xmin = (SELECT xmin "
                        "FROM _qail_migrations WHERE version = '" +
                        version + "')"),
              "0");
}

// While the capture is on, the application's role writes the table without
// any privilege on QAIL's own tables.
TEST(BackupWriters, TheApplicationsRoleNeedsNoPrivilegeForTheCapture) {
    require_server();
    TempDatabase db;
    Project p(db);
    seed(db, p, 20);
    std::string role = "qail_app_" + db.name();
    db.exec("DROP ROLE IF EXISTS " + role);
    db.exec("CREATE ROLE " + role + " LOGIN PASSWORD 'app-secret'");
    db.exec("GRANT SELECT, UPDATE, INSERT, DELETE ON items, events TO " + role);
    RunResult killed = p.qail({"migrate", "up", "old.qail:new.qail", "--backup=db"},
                              {{"QAIL_FAILPOINT", "after_backup_copy:1"}});
    EXPECT_EQ(killed.exit_code, 128 + SIGKILL) << killed.err;
    {
        pg::Connection app =
            pg::Connection::open(db.conninfo() + " user=" + role + " password=app-secret");
        app.exec("UPDATE items SET price = 77 WHERE id = 3");
        app.exec("INSERT INTO events VALUES (500, 'by the app')");
    }
    std::string written = prices(db);
    std::string written_events = events(db);
    RunResult up = p.qail({"migrate", "up", "old.qail:new.qail", "--backup=db"});
    ASSERT_EQ(up.exit_code, 0) << up.err;
    RunResult down = p.qail({"migrate", "down", "new.qail:back.qail", "--restore-data"});
    ASSERT_EQ(down.exit_code, 0) << down.err;
    EXPECT_EQ(prices(db), written);
    EXPECT_EQ(events(db), written_events);
    db.exec("DROP OWNED BY " + role);
    db.exec("DROP ROLE " + role);
}

} // namespace
} // namespace qail::testing::migrate
