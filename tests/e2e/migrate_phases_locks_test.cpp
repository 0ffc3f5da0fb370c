// Lock safety of the contract phase: a check (or foreign key) is added NOT
// VALID in a short transaction of its own and validated in another, so the
// validation scan runs under SHARE UPDATE EXCLUSIVE only and never under the
// ACCESS EXCLUSIVE lock of the ADD; readers and writers of the table go on
// meanwhile. A run killed between those steps resumes after the last one done.

#include <gtest/gtest.h>

#include <filesystem>

#include "e2e/migrate_support.hpp"

namespace qail::testing::migrate {
namespace {

constexpr const char* k_lock_holder =
    "SELECT coalesce(min(pid), 0) FROM pg_locks WHERE locktype = 'advisory' AND granted "
    "AND classid = 1363233100 AND database = (SELECT oid FROM pg_database WHERE datname = "
    "current_database())";

// Two tables that each get a new NOT NULL column filled by the backfill,
// migrated through expand and backfill.
void expand_and_backfill(const TempDatabase& db, const Project& p) {
    db.exec("CREATE TABLE alpha (id bigint PRIMARY KEY, v int);"
            "CREATE TABLE beta (id bigint PRIMARY KEY, v int);"
            "INSERT INTO alpha SELECT g, g FROM generate_series(1, 3000) g;"
            "INSERT INTO beta SELECT g, g FROM generate_series(1, 300) g;");
    p.write("v1.qail", "table alpha {\n  id bigint primary_key\n  v integer\n}\n"
                       "table beta {\n  id bigint primary_key\n  v integer\n}\n");
    p.write("v2.qail", "table alpha {\n  id bigint primary_key\n  v integer\n"
                       "  flag boolean not_null\n}\n"
                       "table beta {\n  id bigint primary_key\n  v integer\n"
                       "  score integer not_null\n}\n");
    RunResult created =
        p.qail_plain({"migrate", "new", "flags", "--from", "v1.qail", "--to", "v2.qail"});
    ASSERT_EQ(created.exit_code, 0) << created.err;
    ASSERT_EQ(p.qail({"migrate", "apply", "--phase", "expand"}).exit_code, 0);
    ASSERT_EQ(p.qail({"migrate", "apply", "--phase", "backfill"}).exit_code, 0);
}

void expect_contracted(const TempDatabase& db) {
    EXPECT_EQ(db.scalar("SELECT string_agg(table_name || '.' || column_name || ':' || "
                        "is_nullable || ':' || coalesce(column_default, '-'), ',' ORDER BY "
                        "table_name) FROM information_schema.columns WHERE column_name IN "
                        "('flag', 'score')"),
              "alpha.flag:NO:-,beta.score:NO:-");
    // the helper checks are gone, and no other constraint was left behind
    EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_constraint WHERE conrelid IN "
                        "('alpha'::regclass, 'beta'::regclass) AND contype = 'c'"),
              "0");
    EXPECT_EQ(db.scalar("SELECT count(*) FROM alpha WHERE flag IS NULL"), "0");
}

TEST(MigratePhasesLocks, ValidateScansWithoutAccessExclusiveWritersGoOn) {
    require_server();
    TempDatabase db;
    Project p(db);
    expand_and_backfill(db, p);
    std::string contract = read_file((only_migration(p) / "contract.qail").string());
    size_t add_alpha = contract.find("ADD CONSTRAINT alpha_flag_not_null");
    size_t add_beta = contract.find("ADD CONSTRAINT beta_score_not_null");
    size_t validate = contract.find("VALIDATE CONSTRAINT");
    ASSERT_NE(add_alpha, std::string::npos) << contract;
    ASSERT_NE(add_beta, std::string::npos) << contract;
    // both checks are added before the first validation
    EXPECT_LT(std::max(add_alpha, add_beta), validate) << contract;
    EXPECT_NE(contract.find("sql alone $$\nALTER TABLE alpha VALIDATE CONSTRAINT"),
              std::string::npos)
        << contract;
    bool alpha_first = add_alpha < add_beta;
    std::string first = alpha_first ? "alpha" : "beta";
    std::string second = alpha_first ? "beta" : "alpha";
    std::string first_check = alpha_first ? "alpha_flag_not_null" : "beta_score_not_null";

    // a reader of the second table holds up its ADD CONSTRAINT (the migration
    // waits for it, retrying), which gives this test the time to take a lock on
    // the first table that the first VALIDATE must wait for
    pg::Connection second_reader = db.connect();
    second_reader.exec("BEGIN");
    second_reader.exec("SELECT count(*) FROM " + second);
    Background apply({"migrate", "apply", "--phase", "contract", "--lock-timeout", "0.5",
                      db.conninfo()},
                     p.options());
    // the first check is committed on its own, before the migration goes on
    ASSERT_TRUE(eventually(
        [&] {
            return db.scalar("SELECT count(*) FROM pg_constraint WHERE conname = '" + first_check +
                             "'") == "1";
        },
        30));
    pg::Connection validate_blocker = db.connect();
    validate_blocker.exec("SET lock_timeout = '5s'");
    validate_blocker.exec("BEGIN");
    // succeeds at once: the migration holds no lock on the first table any more
    validate_blocker.exec("LOCK TABLE " + first + " IN SHARE UPDATE EXCLUSIVE MODE");
    second_reader.exec("COMMIT");

    // the migration now waits in the first VALIDATE: its backend holds
    // nothing on the table but waits for SHARE UPDATE EXCLUSIVE
    std::string waiting_pid;
    ASSERT_TRUE(eventually(
        [&] {
            waiting_pid = db.scalar(
                "SELECT coalesce(min(l.pid), 0) FROM pg_locks l JOIN pg_stat_activity a USING "
                "(pid) WHERE l.relation = '" + first + "'::regclass AND NOT l.granted AND "
                "l.mode = 'ShareUpdateExclusiveLock' AND a.query LIKE '%VALIDATE CONSTRAINT%'");
            return waiting_pid != "0";
        },
        30));
    EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_locks WHERE pid = " + waiting_pid +
                        " AND granted AND relation = '" + first + "'::regclass"),
              "0");
    EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_locks WHERE pid = " + waiting_pid +
                        " AND granted AND mode = 'AccessExclusiveLock'"),
              "0");
    // readers and writers of the table are not held up meanwhile
    pg::Connection app = db.connect();
    app.exec("SET lock_timeout = '1s'");
    app.exec("SELECT count(*) FROM " + first);
    app.exec("UPDATE " + first + " SET v = v + 1 WHERE id <= 10");
    app.exec("INSERT INTO " + first + " (id, v) VALUES (100000, 1)");
    app.exec("DELETE FROM " + first + " WHERE id = 3");
    EXPECT_EQ(db.scalar("SELECT count(*) FROM " + first + " WHERE id = 100000"), "1");

    validate_blocker.exec("COMMIT");
    RunResult r = apply.wait();
    ASSERT_EQ(r.exit_code, 0) << r.err;
    expect_contracted(db);
    std::vector<std::string> rows = history(db);
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_NE(rows[2].find("|contract|applied|"), std::string::npos) << rows[2];
}

TEST(MigratePhasesLocks, ContractKilledBetweenItsStepsResumes) {
    require_server();
    // after the first ADD, after the last VALIDATE, inside the closing transaction
    for (const char* kill_point : {"after_step:1", "after_step:4", "after_step:5"}) {
        SCOPED_TRACE(kill_point);
        TempDatabase db;
        Project p(db);
        expand_and_backfill(db, p);
        RunResult killed =
            p.qail({"migrate", "apply", "--phase", "contract"}, {{"QAIL_FAILPOINT", kill_point}});
        EXPECT_EQ(killed.exit_code, 128 + SIGKILL) << killed.err;
        ASSERT_TRUE(eventually([&] { return db.scalar(k_lock_holder) == "0"; }, 30));
        std::vector<std::string> before = history(db);
        ASSERT_EQ(before.size(), 3u);
        EXPECT_NE(before[2].find("|contract|partial|"), std::string::npos) << before[2];
        RunResult rerun = p.qail({"migrate", "apply", "--phase", "contract"});
        ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
        EXPECT_NE(rerun.err.find("resum"), std::string::npos) << rerun.err;
        expect_contracted(db);
        std::vector<std::string> rows = history(db);
        ASSERT_EQ(rows.size(), 3u);
        EXPECT_NE(rows[2].find("|contract|applied|"), std::string::npos) << rows[2];
    }
}

} // namespace
} // namespace qail::testing::migrate
