// Zero-downtime phases end to end: `qail migrate new --from --to` on the
// seed's example (old writers keep working until contract, every row they
// write is carried over, rollback brings the old column back), `migrate
// plan`, lock timeouts retried without blocking readers, and a backfill
// killed mid-way that resumes from its checkpoint.

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <regex>

#include "e2e/migrate_support.hpp"

namespace qail::testing::migrate {
namespace {

constexpr const char* k_lock_holder =
    "SELECT coalesce(min(pid), 0) FROM pg_locks WHERE locktype = 'advisory' AND granted "
    "AND classid = 1363233100 AND database = (SELECT oid FROM pg_database WHERE datname = "
    "current_database())";

constexpr const char* k_v1 = "table users {\n"
                             "  id serial primary_key\n"
                             "  username text not_null\n"
                             "  email text unique\n"
                             "}\n";

constexpr const char* k_v2 = "table users {\n"
                             "id serial primary_key\n"
                             "name text not_null # was 'username'\n"
                             "email text unique\n"
                             "created_at timestamp not_null\n"
                             "}\n"
                             "rename users.username -> users.name\n";

TEST(MigratePhases, SeedRenameKeepsOldWritersWorkingUntilContract) {
    require_server();
    TempDatabase db;
    db.exec("CREATE TABLE users (id serial PRIMARY KEY, username text NOT NULL, email text UNIQUE);"
            "INSERT INTO users (username, email) SELECT 'user' || g, 'e' || g "
            "FROM generate_series(1, 23) g;");
    Project p(db);
    p.write("v1.qail", k_v1);
    p.write("v2.qail", k_v2);
    RunResult created =
        p.qail_plain({"migrate", "new", "add_user_name", "--from", "v1.qail", "--to", "v2.qail"});
    ASSERT_EQ(created.exit_code, 0) << created.err;
    std::filesystem::path folder = only_migration(p);
    for (const char* file : {"expand.qail", "backfill.qail", "contract.qail", "down.qail",
                             "down.expand.qail", "down.backfill.qail", "down.contract.qail"}) {
        EXPECT_TRUE(std::filesystem::exists(folder / file)) << file;
    }
    std::string expand = read_file((folder / "expand.qail").string());
    EXPECT_NE(expand.find("CREATE TRIGGER"), std::string::npos) << expand;
    EXPECT_EQ(expand.find("RENAME COLUMN"), std::string::npos) << expand;
    std::string contract = read_file((folder / "contract.qail").string());
    EXPECT_NE(contract.find("drop users.username confirm"), std::string::npos) << contract;
    EXPECT_NE(contract.find("VALIDATE CONSTRAINT"), std::string::npos) << contract;

    ASSERT_EQ(p.qail({"migrate", "apply", "--phase", "expand"}).exit_code, 0);
    // the old application, still writing username only
    db.exec("INSERT INTO users (username, email) VALUES ('old_before_backfill', 'o1')");
    db.exec("UPDATE users SET username = 'user2_renamed' WHERE id = 2");
    db.exec("UPDATE users SET email = 'e3_changed' WHERE id = 3"); // a row not backfilled yet
    // the new application, already writing name only
    db.exec("INSERT INTO users (name, email) VALUES ('new_writer', 'n1')");
    EXPECT_EQ(db.scalar("SELECT username FROM users WHERE email = 'n1'"), "new_writer");

    RunResult backfill =
        p.qail({"migrate", "apply", "--phase", "backfill", "--backfill-chunk-size", "5"});
    ASSERT_EQ(backfill.exit_code, 0) << backfill.err;
    db.exec("INSERT INTO users (username, email) VALUES ('old_after_backfill', 'o2')");
    db.exec("UPDATE users SET username = 'user4_renamed' WHERE id = 4");
    EXPECT_EQ(db.scalar("SELECT count(*) FROM users WHERE name IS DISTINCT FROM username"), "0");

    RunResult contracted = p.qail({"migrate", "apply", "--phase", "contract", "--backup=none"});
    ASSERT_EQ(contracted.exit_code, 0) << contracted.err;
    EXPECT_EQ(db.scalar("SELECT count(*) FROM information_schema.columns WHERE table_name = "
                        "'users' AND column_name = 'username'"),
              "0");
    EXPECT_EQ(db.scalar("SELECT string_agg(name, ',' ORDER BY id) FROM users WHERE id <= 4"),
              "user1,user2_renamed,user3,user4_renamed");
    EXPECT_EQ(db.scalar("SELECT string_agg(name, ',' ORDER BY id) FROM users WHERE id > 23"),
              "old_before_backfill,new_writer,old_after_backfill");
    EXPECT_EQ(db.scalar("SELECT count(*) FROM users WHERE created_at IS NULL OR name IS NULL"), "0");
    EXPECT_EQ(db.scalar("SELECT is_nullable FROM information_schema.columns WHERE table_name = "
                        "'users' AND column_name = 'created_at'"),
              "NO");
    EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'users'::regclass AND "
                        "NOT tgisinternal"),
              "0");
    EXPECT_EQ(history(db).size(), 3u);

    // the whole down file brings username back with every value
    RunResult back = p.qail({"migrate", "rollback", "--to", "base"});
    ASSERT_EQ(back.exit_code, 0) << back.err;
    EXPECT_EQ(db.scalar("SELECT string_agg(username, ',' ORDER BY id) FROM users WHERE id <= 4 "
                        "OR id > 23"),
              "user1,user2_renamed,user3,user4_renamed,old_before_backfill,new_writer,"
              "old_after_backfill");
    EXPECT_EQ(db.scalar("SELECT count(*) FROM information_schema.columns WHERE table_name = "
                        "'users' AND column_name IN ('name', 'created_at')"),
              "0");
    EXPECT_TRUE(history(db).empty());
}

TEST(MigratePhases, RollbackAfterExpandOnlyUsesThePhaseDownFile) {
    require_server();
    TempDatabase db;
    db.exec("CREATE TABLE users (id serial PRIMARY KEY, username text NOT NULL, email text UNIQUE);"
            "INSERT INTO users (username) VALUES ('a'), ('b');");
    Project p(db);
    p.write("v1.qail", k_v1);
    p.write("v2.qail", k_v2);
    ASSERT_EQ(p.qail_plain({"migrate", "new", "rn", "--from", "v1.qail", "--to", "v2.qail"})
                  .exit_code,
              0);
    ASSERT_EQ(p.qail({"migrate", "apply", "--phase", "expand"}).exit_code, 0);
    db.exec("INSERT INTO users (username) VALUES ('c')");
    RunResult back = p.qail({"migrate", "rollback", "--to", "base"});
    ASSERT_EQ(back.exit_code, 0) << back.err;
    EXPECT_NE(back.err.find("down.expand.qail"), std::string::npos) << back.err;
    EXPECT_EQ(db.scalar("SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM "
                        "information_schema.columns WHERE table_name = 'users'"),
              "id,username,email");
    EXPECT_EQ(db.scalar("SELECT string_agg(username, ',' ORDER BY id) FROM users"), "a,b,c");
}

TEST(MigratePhases, PlanPrintsEachPhaseWithLocksAndRisksAndRunsNothing) {
    require_server();
    TempDatabase db;
    Project p(db);
    p.write("v1.qail", k_v1);
    p.write("v2.qail", k_v2);
    RunResult r = p.qail_plain({"migrate", "plan", "v1.qail:v2.qail"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    size_t expand = r.out.find("expand —");
    size_t backfill = r.out.find("backfill —");
    size_t contract = r.out.find("contract —");
    ASSERT_NE(expand, std::string::npos) << r.out;
    ASSERT_NE(backfill, std::string::npos) << r.out;
    ASSERT_NE(contract, std::string::npos) << r.out;
    EXPECT_LT(expand, backfill);
    EXPECT_LT(backfill, contract);
    size_t trigger = r.out.find("CREATE TRIGGER");
    EXPECT_TRUE(trigger > expand && trigger < backfill) << r.out;
    size_t drop = r.out.find("DROP COLUMN username");
    EXPECT_GT(drop, contract) << r.out;
    EXPECT_NE(r.out.find("lock: ACCESS EXCLUSIVE on users"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("lock: SHARE UPDATE EXCLUSIVE on users"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("🔴 HIGH"), std::string::npos) << r.out;
    EXPECT_FALSE(std::filesystem::exists(p.path() / "deltas"));
    // bad pairs are usage errors
    EXPECT_EQ(p.qail_plain({"migrate", "plan", "v1.qail"}).exit_code, 2);
    // an unconfirmed drop is refused
    p.write("v3.qail", "table users {\n  id serial primary_key\n}\n");
    RunResult refused = p.qail_plain({"migrate", "plan", "v1.qail:v3.qail"});
    EXPECT_EQ(refused.exit_code, 4) << refused.err;
}

TEST(MigratePhases, LockHeldDuringExpandIsRetriedWithoutBlockingReaders) {
    require_server();
    TempDatabase db;
    db.exec("CREATE TABLE users (id serial PRIMARY KEY, username text NOT NULL);"
            "INSERT INTO users (username) SELECT 'u' || g FROM generate_series(1, 50) g;");
    Project p(db);
    p.write("deltas/001_note/expand.qail", "alter users add note:text:nullable\n");
    p.write("deltas/001_note/down.qail", "drop users.note confirm\n");
    pg::Connection blocker = db.connect();
    blocker.exec("BEGIN");
    blocker.exec("SELECT count(*) FROM users"); // ACCESS SHARE until COMMIT
    std::atomic<bool> stop{false};
    std::atomic<int> reads{0};
    std::atomic<int> failed_reads{0};
    std::thread reader([&] {
        pg::Connection conn = db.connect();
        // a reader queued behind the migration's ACCESS EXCLUSIVE request
        // would wait for the whole retry sequence; 1 s is far more than the
        // 0.2 s lock_timeout that the migration waits at most each time
        conn.exec("SET lock_timeout = '1s'");
        while (!stop) {
            try {
                conn.exec("SELECT count(*) FROM users");
                ++reads;
            } catch (const std::exception&) {
                ++failed_reads;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    });
    Background apply({"migrate", "apply", "--lock-timeout", "0.2", db.conninfo()}, p.options());
    // qail retries (0.2 s lock_timeout, then 0.5 s, 1 s, ... of backoff) while
    // the lock is held; the reader keeps reading meanwhile
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    int reads_while_held = reads;
    blocker.exec("COMMIT");
    RunResult r = apply.wait();
    stop = true;
    reader.join();
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(std::regex_search(r.err, std::regex("retry 2/5 in [0-9]+ ms"))) << r.err;
    EXPECT_NE(r.err.find("SQLSTATE 55P03"), std::string::npos) << r.err;
    EXPECT_GT(reads_while_held, 10);
    EXPECT_EQ(failed_reads.load(), 0);
    EXPECT_EQ(db.scalar("SELECT count(*) FROM information_schema.columns WHERE table_name = "
                        "'users' AND column_name = 'note'"),
              "1");
    EXPECT_EQ(history(db).size(), 1u);
}

TEST(MigratePhases, BackfillKilledMidwayResumesFromItsCheckpoint) {
    require_server();
    TempDatabase db;
    // a composite text/int key, and a SET that is wrong when applied twice
    db.exec("CREATE TABLE events (tenant text, seq int, hits int NOT NULL DEFAULT 0, "
            "PRIMARY KEY (tenant, seq));"
            "INSERT INTO events (tenant, seq) SELECT t, g FROM unnest(ARRAY['a', 'B', 'c d']) t, "
            "generate_series(1, 40) g;");
    Project p(db);
    p.write("deltas/001_hits/backfill.qail",
            "-- @backfill.table: events\n-- @backfill.set: hits = hits + 1\n");
    p.write("deltas/001_hits/down.qail", "sql $$ UPDATE events SET hits = hits - 1 $$\n");
    RunResult killed = p.qail({"migrate", "apply", "--backfill-chunk-size", "7"},
                              {{"QAIL_FAILPOINT", "after_chunk:4"}});
    EXPECT_EQ(killed.exit_code, 128 + SIGKILL) << killed.err;
    ASSERT_TRUE(eventually([&] { return db.scalar(k_lock_holder) == "0"; }, 30));
    EXPECT_EQ(db.scalar("SELECT count(*) FROM events WHERE hits = 1"), "28");
    EXPECT_EQ(db.scalar("SELECT rows_done || '/' || chunks_done || '/' || finished FROM "
                        "_qail_backfill_checkpoints"),
              "28/4/false");
    RunResult rerun = p.qail({"migrate", "apply", "--backfill-chunk-size", "7"});
    ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
    EXPECT_NE(rerun.err.find("resuming after 28 rows"), std::string::npos) << rerun.err;
    EXPECT_EQ(db.scalar("SELECT count(*) || ':' || min(hits) || ':' || max(hits) FROM events"),
              "120:1:1");
    ASSERT_EQ(history(db).size(), 1u);
    EXPECT_NE(history(db)[0].find("|applied|"), std::string::npos) << history(db)[0];

    // rolled back and applied again, the backfill starts over
    ASSERT_EQ(p.qail({"migrate", "rollback", "--to", "base"}).exit_code, 0);
    EXPECT_EQ(db.scalar("SELECT max(hits) FROM events"), "0");
    RunResult again = p.qail({"migrate", "apply", "--backfill-pause", "1"});
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_EQ(db.scalar("SELECT count(*) FROM events WHERE hits = 1"), "120");
}

} // namespace
} // namespace qail::testing::migrate
