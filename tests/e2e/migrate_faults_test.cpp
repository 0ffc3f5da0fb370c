// Faults, as the issue lists them: two applies at once, a tampered applied
// file, a missing down file, a phase out of order, and kill -9 during a
// transactional step, after a concurrent index build, during a real
// concurrent index build, during a long transactional step and during a
// backfill; each re-run must end exactly as an uninterrupted run.

#include <gtest/gtest.h>

#include <qail/exec/delta.hpp>

#include "e2e/migrate_support.hpp"

namespace qail::testing::migrate {
namespace {

// 0x5141494C: exec::k_lock_class
constexpr const char* k_lock_holder =
    "SELECT coalesce(min(pid), 0) FROM pg_locks WHERE locktype = 'advisory' AND granted "
    "AND classid = 1363233100 AND database = (SELECT oid FROM pg_database WHERE datname = "
    "current_database())";

void expect_same_end(const TempDatabase& db, const TempDatabase& reference) {
    EXPECT_EQ(normalized_dump(db.name()), normalized_dump(reference.name()));
    EXPECT_EQ(history(db), history(reference));
    for (const std::string& row : history(db)) {
        EXPECT_NE(row.find("|applied|"), std::string::npos) << row;
    }
}

TEST(MigrateFaults, TwoAppliesAtOnceOneIsRefusedAndTheMigrationRunsOnce) {
    require_server();
    TempDatabase db;
    Project p(db);
    p.write("deltas/001_slow.up.qail", "table t {\n  id integer primary_key\n}\n"
                                       "sql $$ SELECT pg_sleep(3) $$\n"
                                       "sql $$ INSERT INTO t VALUES (1) $$\n");
    p.write("deltas/001_slow.down.qail", "drop table t confirm\n");
    Background first({"migrate", "apply", db.conninfo()}, p.options());
    std::string holder;
    ASSERT_TRUE(eventually([&] {
        holder = db.scalar(k_lock_holder);
        return holder != "0";
    })) << first.wait().err;
    RunResult second = p.qail({"migrate", "apply"});
    EXPECT_EQ(second.exit_code, 4) << second.err;
    EXPECT_NE(second.err.find("lock held by pid " + holder), std::string::npos) << second.err;
    EXPECT_NE(second.err.find("--wait-for-lock"), std::string::npos) << second.err;
    RunResult done = first.wait();
    EXPECT_EQ(done.exit_code, 0) << done.err;
    EXPECT_EQ(db.scalar("SELECT count(*) FROM t"), "1");
    EXPECT_EQ(history(db).size(), 1u);

    // --wait-for-lock waits for the holder, then finds nothing left to do
    p.write("deltas/002_slow.up.qail", "sql $$ SELECT pg_sleep(2) $$\n"
                                       "sql $$ INSERT INTO t VALUES (2) $$\n");
    p.write("deltas/002_slow.down.qail", "sql $$ DELETE FROM t WHERE id = 2 $$\n");
    Background third({"migrate", "apply", db.conninfo()}, p.options());
    ASSERT_TRUE(eventually([&] { return db.scalar(k_lock_holder) != "0"; }));
    RunResult waiting = p.qail({"migrate", "apply", "--wait-for-lock"});
    EXPECT_EQ(waiting.exit_code, 0) << waiting.err;
    EXPECT_NE(waiting.err.find("up to date"), std::string::npos) << waiting.err;
    EXPECT_EQ(third.wait().exit_code, 0);
    EXPECT_EQ(db.scalar("SELECT count(*) FROM t"), "2");
    EXPECT_EQ(history(db).size(), 2u);
}

TEST(MigrateFaults, TamperedAppliedFileIsRefusedShowingBothChecksums) {
    require_server();
    TempDatabase db;
    Project p(db);
    p.write("deltas/20260101000000_init/expand.qail", "table t {\n  id integer primary_key\n}\n");
    p.write("deltas/20260101000000_init/down.qail", "drop table t confirm\n");
    ASSERT_EQ(p.qail({"migrate", "apply"}).exit_code, 0);
    std::string stored = db.scalar("SELECT checksum FROM _qail_migrations");
    std::filesystem::path file =
        p.write("deltas/20260101000000_init/expand.qail", "table t {\n  id bigint primary_key\n}\n");
    std::string current = exec::compile_delta_file(file, plan::Phase::expand).checksum();
    ASSERT_NE(stored, current);
    RunResult r = p.qail({"migrate", "apply"});
    EXPECT_EQ(r.exit_code, 4) << r.err;
    EXPECT_NE(r.err.find("checksum mismatch"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("20260101000000_init/expand.qail"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(stored), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(current), std::string::npos) << r.err;
    // rollback refuses too: its down file may no longer match what ran
    RunResult back = p.qail({"migrate", "rollback", "--to", "base"});
    EXPECT_EQ(back.exit_code, 4) << back.err;
    EXPECT_EQ(db.scalar("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE "
                        "attrelid = 't'::regclass AND attname = 'id'"),
              "integer");
}

TEST(MigrateFaults, MissingDownFileIsNamed) {
    require_server();
    TempDatabase db;
    Project p(db);
    p.write("deltas/20260527090000_add_user_name.expand.up.qail", "table t {\n  id integer\n}\n");
    RunResult r = p.qail({"migrate", "apply"});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("missing down file"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("deltas/20260527090000_add_user_name.down.qail"), std::string::npos)
        << r.err;
    EXPECT_EQ(db.scalar("SELECT to_regclass('t') IS NULL"), "t");
}

TEST(MigrateFaults, PhaseOutOfOrderNamesTheMissingPhase) {
    require_server();
    TempDatabase db;
    db.exec("CREATE TABLE users (id int PRIMARY KEY, username text)");
    Project p(db);
    p.write("deltas/20260527090000_add_user_name/expand.qail", "alter users add name:text:nullable\n");
    p.write("deltas/20260527090000_add_user_name/backfill.qail",
            "transform username -> users.name\n");
    p.write("deltas/20260527090000_add_user_name/contract.qail", "drop users.username confirm\n");
    p.write("deltas/20260527090000_add_user_name/down.qail", "drop users.name confirm\n");
    RunResult backfill = p.qail({"migrate", "apply", "--phase", "backfill"});
    EXPECT_EQ(backfill.exit_code, 4) << backfill.err;
    EXPECT_NE(backfill.err.find("the expand phase"), std::string::npos) << backfill.err;
    ASSERT_EQ(p.qail({"migrate", "apply", "--phase", "expand"}).exit_code, 0);
    RunResult contract = p.qail({"migrate", "apply", "--phase", "contract"});
    EXPECT_EQ(contract.exit_code, 4) << contract.err;
    EXPECT_NE(contract.err.find("the backfill phase of migration 20260527090000_add_user_name "
                                "(20260527090000_add_user_name/backfill.qail) has not been applied"),
              std::string::npos)
        << contract.err;
    EXPECT_NE(contract.err.find("--phase backfill"), std::string::npos) << contract.err;
    EXPECT_EQ(history(db).size(), 1u);
}

// Three transactional steps; killed right after the second ran.
TEST(MigrateFaults, KillDuringATransactionalStepThenRerun) {
    require_server();
    TempDatabase db;
    TempDatabase reference;
    Project p(db);
    Project ref(reference);
    for (const Project* project : {&p, &ref}) {
        project->write("deltas/001_init.up.qail", "table t {\n  id integer primary_key\n}\n");
        project->write("deltas/001_init.down.qail", "drop table t confirm\n");
        project->write("deltas/002_fill/expand.qail",
                       "sql $$ INSERT INTO t SELECT generate_series(1, 50) $$\n"
                       "alter t add label:text:default='x'\n"
                       "sql $$ UPDATE t SET label = 'row ' || id $$\n");
        project->write("deltas/002_fill/down.qail", "drop t.label confirm\n"
                                                    "sql $$ DELETE FROM t $$\n");
    }
    ASSERT_EQ(ref.qail({"migrate", "apply"}).exit_code, 0);
    // step 1 is 001's CREATE TABLE; step 3 is 002's second step
    RunResult killed = p.qail({"migrate", "apply"}, {{"QAIL_FAILPOINT", "after_step:3"}});
    EXPECT_EQ(killed.exit_code, 128 + SIGKILL) << killed.err;
    ASSERT_TRUE(eventually([&] { return db.scalar(k_lock_holder) == "0"; }, 30));
    EXPECT_EQ(history(db).size(), 1u); // 001 committed, 002 rolled back entirely
    EXPECT_EQ(db.scalar("SELECT count(*) FROM t"), "0");
    RunResult rerun = p.qail({"migrate", "apply"});
    ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
    expect_same_end(db, reference);
    EXPECT_EQ(table_text(db, "t", "id, label"), table_text(reference, "t", "id, label"));
}

// Killed after a concurrent index build finished but before its progress was recorded.
TEST(MigrateFaults, KillAfterAConcurrentIndexBuildThenResume) {
    require_server();
    TempDatabase db;
    TempDatabase reference;
    Project p(db);
    Project ref(reference);
    for (const TempDatabase* d : {&db, &reference}) {
        d->exec("CREATE TABLE items (id int PRIMARY KEY, code text);"
                "INSERT INTO items SELECT g, 'c' || g FROM generate_series(1, 100) g");
    }
    for (const Project* project : {&p, &ref}) {
        project->write("deltas/001_codes/expand.qail",
                       "alter items add sku:text:nullable\n"
                       "index concurrently idx_items_code on items (code)\n"
                       "alter items add flag:boolean:default=false\n");
        project->write("deltas/001_codes/down.qail", "drop items.flag confirm\n"
                                                     "drop index idx_items_code\n"
                                                     "drop items.sku confirm\n");
    }
    ASSERT_EQ(ref.qail({"migrate", "apply"}).exit_code, 0);
    RunResult killed = p.qail({"migrate", "apply"}, {{"QAIL_FAILPOINT", "after_step:2"}});
    EXPECT_EQ(killed.exit_code, 128 + SIGKILL) << killed.err;
    ASSERT_TRUE(eventually([&] { return db.scalar(k_lock_holder) == "0"; }, 30));
    ASSERT_EQ(history(db).size(), 1u);
    EXPECT_NE(history(db)[0].find("|partial|1|"), std::string::npos) << history(db)[0];
    RunResult status = p.qail({"migrate", "status"});
    EXPECT_NE(status.out.find("partial, 1 steps done"), std::string::npos) << status.out;
    RunResult rerun = p.qail({"migrate", "apply"});
    ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
    EXPECT_NE(rerun.err.find("resuming after step 1/3"), std::string::npos) << rerun.err;
    EXPECT_NE(rerun.err.find("was built by the interrupted run"), std::string::npos) << rerun.err;
    expect_same_end(db, reference);
}

// A real concurrent index build, killed from outside while it runs: it leaves
// an INVALID index, which the re-run drops and builds again.
TEST(MigrateFaults, KillDuringARealConcurrentIndexBuildThenResume) {
    require_server();
    TempDatabase db;
    TempDatabase reference;
    Project p(db);
    Project ref(reference);
    for (const TempDatabase* d : {&db, &reference}) {
        d->exec("CREATE FUNCTION slow_key(int) RETURNS int IMMUTABLE LANGUAGE plpgsql AS "
                "$$ BEGIN PERFORM pg_sleep(0.01); RETURN $1; END $$;"
                "CREATE TABLE items (id int PRIMARY KEY);"
                "INSERT INTO items SELECT generate_series(1, 300)");
    }
    for (const Project* project : {&p, &ref}) {
        project->write("deltas/001_slow_index/expand.qail",
                       "alter items add note:text:nullable\n"
                       "sql $$ CREATE INDEX CONCURRENTLY idx_items_slow ON items (slow_key(id)) $$\n"
                       "alter items add done:boolean:default=true\n");
        project->write("deltas/001_slow_index/down.qail", "drop items.done confirm\n"
                                                          "drop index idx_items_slow\n"
                                                          "drop items.note confirm\n");
    }
    ASSERT_EQ(ref.qail({"migrate", "apply"}).exit_code, 0);
    Background run({"migrate", "apply", db.conninfo()}, p.options());
    ASSERT_TRUE(eventually([&] {
        return db.scalar("SELECT count(*) FROM pg_class WHERE relname = 'idx_items_slow'") == "1";
    })) << run.wait().err;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    run.kill9();
    EXPECT_EQ(run.wait().exit_code, 128 + SIGKILL);
    // the server notices the dead client within a second (client_connection_check_interval)
    ASSERT_TRUE(eventually([&] { return db.scalar(k_lock_holder) == "0"; }, 30));
    EXPECT_EQ(db.scalar("SELECT indisvalid FROM pg_index WHERE indexrelid = "
                        "'idx_items_slow'::regclass"),
              "f");
    RunResult rerun = p.qail({"migrate", "apply"});
    ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
    EXPECT_NE(rerun.err.find("is INVALID"), std::string::npos) << rerun.err;
    expect_same_end(db, reference);
}

// A long transactional step killed from outside: nothing of the file stays.
TEST(MigrateFaults, KillDuringALongTransactionalStepThenRerun) {
    require_server();
    TempDatabase db;
    TempDatabase reference;
    Project p(db);
    Project ref(reference);
    for (const Project* project : {&p, &ref}) {
        project->write("deltas/001_slow.up.qail", "table t {\n  id integer primary_key\n}\n"
                                                  "sql $$ SELECT pg_sleep(3) $$\n"
                                                  "sql $$ INSERT INTO t VALUES (7) $$\n");
        project->write("deltas/001_slow.down.qail", "drop table t confirm\n");
    }
    ASSERT_EQ(ref.qail({"migrate", "apply"}).exit_code, 0);
    Background run({"migrate", "apply", db.conninfo()}, p.options());
    ASSERT_TRUE(eventually([&] {
        return db.scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                         "AND query LIKE 'SELECT pg_sleep(3)%' AND state = 'active'") == "1";
    })) << run.wait().err;
    run.kill9();
    EXPECT_EQ(run.wait().exit_code, 128 + SIGKILL);
    ASSERT_TRUE(eventually([&] { return db.scalar(k_lock_holder) == "0"; }, 30));
    EXPECT_EQ(db.scalar("SELECT to_regclass('t') IS NULL"), "t");
    EXPECT_TRUE(history(db).empty());
    RunResult rerun = p.qail({"migrate", "apply"});
    ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
    expect_same_end(db, reference);
    EXPECT_EQ(table_text(db, "t", "id"), table_text(reference, "t", "id"));
}

// A chunked backfill killed after two committed chunks.
TEST(MigrateFaults, KillDuringABackfillThenRerun) {
    require_server();
    TempDatabase db;
    TempDatabase reference;
    Project p(db);
    Project ref(reference);
    for (const TempDatabase* d : {&db, &reference}) {
        d->exec("CREATE TABLE readings (id bigint PRIMARY KEY, raw int NOT NULL, scaled int);"
                "INSERT INTO readings (id, raw) SELECT g, g % 17 FROM generate_series(1, 95) g");
    }
    for (const Project* project : {&p, &ref}) {
        project->write("deltas/001_scale/backfill.qail",
                       "-- @backfill.table: readings\n"
                       "-- @backfill.set: scaled = raw * 10\n"
                       "-- @backfill.where: scaled IS NULL\n"
                       "-- @backfill.chunk_size: 20\n");
        project->write("deltas/001_scale/down.qail", "sql $$ UPDATE readings SET scaled = NULL $$\n");
    }
    ASSERT_EQ(ref.qail({"migrate", "apply"}).exit_code, 0);
    RunResult killed = p.qail({"migrate", "apply"}, {{"QAIL_FAILPOINT", "after_chunk:2"}});
    EXPECT_EQ(killed.exit_code, 128 + SIGKILL) << killed.err;
    ASSERT_TRUE(eventually([&] { return db.scalar(k_lock_holder) == "0"; }, 30));
    EXPECT_EQ(db.scalar("SELECT count(*) FROM readings WHERE scaled IS NOT NULL"), "40");
    ASSERT_EQ(history(db).size(), 1u);
    EXPECT_NE(history(db)[0].find("|partial|0|"), std::string::npos) << history(db)[0];
    RunResult rerun = p.qail({"migrate", "apply"});
    ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
    expect_same_end(db, reference);
    EXPECT_EQ(table_text(db, "readings", "id, raw, scaled"),
              table_text(reference, "readings", "id, raw, scaled"));
}

} // namespace
} // namespace qail::testing::migrate
