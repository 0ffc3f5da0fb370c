// qail migrate new / apply / rollback / status end to end: the seed's phased
// workflow (folders and flat files), dry runs, checksums, phases, drops,
// backfills, --direction down.

#include <gtest/gtest.h>

#include <qail/base/strings.hpp>

#include "e2e/migrate_support.hpp"

namespace qail::testing::migrate {
namespace {

constexpr const char* k_users =
    "CREATE TABLE users (id serial PRIMARY KEY, username text NOT NULL);"
    "INSERT INTO users (username) SELECT 'user' || g FROM generate_series(1, 25) g;";

// The seed's example migration as a folder.
void write_add_user_name(const Project& p, bool with_phase_downs = false) {
    p.write("deltas/20260527090000_add_user_name/expand.qail",
            "# new column, filled in backfill\n"
            "alter users add name:text:nullable\n"
            "index concurrently idx_users_name on users (name)\n");
    p.write("deltas/20260527090000_add_user_name/backfill.qail",
            "-- @backfill.table: users\n"
            "-- @backfill.set: name = username\n"
            "-- @backfill.where: name IS NULL\n"
            "-- @backfill.chunk_size: 7\n");
    p.write("deltas/20260527090000_add_user_name/contract.qail",
            "drop users.username confirm\n"
            "alter users add constraint users_name_present check(name IS NOT NULL)\n");
    p.write("deltas/20260527090000_add_user_name/down.qail",
            "alter users add username:text:nullable\n"
            "sql $$ UPDATE users SET username = name $$\n"
            "drop index idx_users_name\n"
            "drop users.name confirm\n");
    if (with_phase_downs) {
        p.write("deltas/20260527090000_add_user_name/down.contract.qail",
                "alter users drop constraint users_name_present\n"
                "alter users add username:text:nullable\n"
                "sql $$ UPDATE users SET username = name $$\n");
        p.write("deltas/20260527090000_add_user_name/down.backfill.qail",
                "sql $$ UPDATE users SET name = NULL $$\n");
    }
}

TEST(MigrateApply, SeedPhasedWorkflowWithCodebaseGuard) {
    require_server();
    TempDatabase db;
    db.exec(k_users);
    Project p(db);
    write_add_user_name(p);
    p.write("src/app.py", "def names(db):\n    return db.query(\"SELECT username FROM users\")\n");

    RunResult contract_first = p.qail({"migrate", "apply", "--phase", "contract"});
    EXPECT_EQ(contract_first.exit_code, 4) << contract_first.err;
    EXPECT_NE(contract_first.err.find("the expand phase of migration 20260527090000_add_user_name"),
              std::string::npos)
        << contract_first.err;

    RunResult expand = p.qail({"migrate", "apply", "--phase", "expand"});
    ASSERT_EQ(expand.exit_code, 0) << expand.err;
    EXPECT_NE(expand.err.find("→ 20260527090000_add_user_name/expand.qail [expand]"),
              std::string::npos)
        << expand.err;
    EXPECT_EQ(db.scalar("SELECT indisvalid FROM pg_index WHERE indexrelid = "
                        "'idx_users_name'::regclass"),
              "t");

    RunResult backfill =
        p.qail({"migrate", "apply", "--phase", "backfill", "--backfill-chunk-size", "10"});
    ASSERT_EQ(backfill.exit_code, 0) << backfill.err;
    EXPECT_NE(backfill.err.find("25 rows in 3 chunks"), std::string::npos) << backfill.err;
    EXPECT_EQ(db.scalar("SELECT count(*) FROM users WHERE name = username"), "25");

    RunResult guarded = p.qail({"migrate", "apply", "--phase", "contract", "--codebase", "./src"});
    EXPECT_EQ(guarded.exit_code, 4) << guarded.err;
    EXPECT_NE(guarded.err.find("./src/app.py:2: users.username"), std::string::npos) << guarded.err;
    EXPECT_EQ(db.scalar("SELECT count(*) FROM information_schema.columns WHERE table_name = "
                        "'users' AND column_name = 'username'"),
              "1");

    p.write("src/app.py", "def names(db):\n    return db.query(\"SELECT name FROM users\")\n");
    RunResult contract = p.qail(
        {"migrate", "apply", "--phase", "contract", "--codebase", "./src", "--backup=none"});
    ASSERT_EQ(contract.exit_code, 0) << contract.err;
    EXPECT_EQ(db.scalar("SELECT count(*) FROM information_schema.columns WHERE table_name = "
                        "'users' AND column_name = 'username'"),
              "0");

    std::vector<std::string> rows = history(db);
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[0].rfind("20260527090000_add_user_name/expand.qail|expand|applied|2|", 0), 0u)
        << rows[0];
    EXPECT_EQ(rows[1].rfind("20260527090000_add_user_name/backfill.qail|backfill|applied|1|", 0), 0u)
        << rows[1];
    EXPECT_EQ(rows[2].rfind("20260527090000_add_user_name/contract.qail|contract|applied|2|", 0), 0u)
        << rows[2];

    RunResult status = p.qail({"migrate", "status"});
    EXPECT_EQ(status.exit_code, 0) << status.err;
    EXPECT_NE(status.out.find("│ Phase"), std::string::npos) << status.out;
    EXPECT_NE(status.out.find("│ Duration"), std::string::npos) << status.out;
    EXPECT_NE(status.out.find("backfill"), std::string::npos) << status.out;

    RunResult again = p.qail({"migrate", "apply"});
    EXPECT_EQ(again.exit_code, 0) << again.err;
    EXPECT_NE(again.err.find("up to date"), std::string::npos) << again.err;

    // rollback to base: the whole migration with its down file
    RunResult back = p.qail({"migrate", "rollback", "--to", "base"});
    ASSERT_EQ(back.exit_code, 0) << back.err;
    EXPECT_TRUE(history(db).empty());
    EXPECT_EQ(db.scalar("SELECT count(*) FROM users WHERE username LIKE 'user%'"), "25");
    EXPECT_EQ(db.scalar("SELECT count(*) FROM information_schema.columns WHERE table_name = "
                        "'users' AND column_name = 'name'"),
              "0");
}

TEST(MigrateApply, SeedFlatPhasedFilesAndRollbackInsideAMigration) {
    require_server();
    TempDatabase db;
    TempDatabase reference;
    db.exec(k_users);
    reference.exec(k_users);
    Project p(db);
    Project ref(reference);
    for (const Project* project : {&p, &ref}) {
        project->write("deltas/20260527090000_add_user_name.expand.up.qail",
                       "alter users add name:text:nullable\n");
        project->write("deltas/20260527090000_add_user_name.backfill.up.qail",
                       "transform upper(username) -> users.name\n");
        project->write("deltas/20260527090000_add_user_name.contract.up.qail",
                       "drop users.username confirm\n");
        project->write("deltas/20260527090000_add_user_name.down.qail",
                       "alter users add username:text:nullable\n"
                       "sql $$ UPDATE users SET username = lower(name) $$\n"
                       "drop users.name confirm\n");
        project->write("deltas/20260527090000_add_user_name.contract.down.qail",
                       "alter users add username:text:nullable\n"
                       "sql $$ UPDATE users SET username = lower(name); "
                       "ALTER TABLE users ALTER COLUMN username SET NOT NULL $$\n");
    }
    ASSERT_EQ(p.qail({"migrate", "apply", "--backup=none"}).exit_code, 0);
    EXPECT_EQ(history(db).size(), 3u);

    // backfill has no down of its own: rolling back to expand must say which file to write
    RunResult refused =
        p.qail({"migrate", "rollback", "--to", "20260527090000_add_user_name.expand.up.qail"});
    EXPECT_EQ(refused.exit_code, 4) << refused.err;
    EXPECT_NE(refused.err.find("20260527090000_add_user_name.backfill.down.qail"), std::string::npos)
        << refused.err;
    EXPECT_NE(refused.err.find("roll back to base"), std::string::npos) << refused.err;
    EXPECT_EQ(history(db).size(), 3u);

    p.write("deltas/20260527090000_add_user_name.backfill.down.qail",
            "sql $$ UPDATE users SET name = NULL $$\n");
    RunResult back =
        p.qail({"migrate", "rollback", "--to", "20260527090000_add_user_name.expand.up.qail"});
    ASSERT_EQ(back.exit_code, 0) << back.err;
    std::vector<std::string> rows = history(db);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].rfind("20260527090000_add_user_name.expand.up.qail|expand|applied", 0), 0u);

    // the same as a database that only ran expand
    ASSERT_EQ(ref.qail({"migrate", "apply", "--phase", "expand"}).exit_code, 0);
    EXPECT_EQ(normalized_dump(db.name()), normalized_dump(reference.name()));
    EXPECT_EQ(table_text(db, "users", "id, username, name"),
              table_text(reference, "users", "id, username, name"));

    RunResult unknown = p.qail({"migrate", "rollback", "--to", "20260527090000_add_user_nam"});
    EXPECT_EQ(unknown.exit_code, 2) << unknown.err;
    EXPECT_NE(unknown.err.find("unknown version"), std::string::npos) << unknown.err;

    RunResult latest =
        p.qail({"migrate", "rollback", "--to", "20260527090000_add_user_name.expand.up.qail"});
    EXPECT_EQ(latest.exit_code, 0) << latest.err;
    EXPECT_NE(latest.err.find("Nothing to roll back"), std::string::npos) << latest.err;
}

TEST(MigrateApply, DryRunPrintsStepsWithLocksAndTouchesNothing) {
    require_server();
    TempDatabase db;
    db.exec(k_users);
    Project p(db);
    write_add_user_name(p);
    std::string before = normalized_dump(db.name());
    RunResult dry = p.qail({"migrate", "apply", "--dry-run"});
    ASSERT_EQ(dry.exit_code, 0) << dry.err;
    EXPECT_NE(dry.out.find("[expand] 20260527090000_add_user_name/expand.qail step 1: ALTER TABLE "
                           "users ADD COLUMN name TEXT;   -- lock: ACCESS EXCLUSIVE on users"),
              std::string::npos)
        << dry.out;
    EXPECT_NE(dry.out.find("step 2: CREATE INDEX CONCURRENTLY idx_users_name ON users (name);   -- "
                           "lock: SHARE UPDATE EXCLUSIVE on users, outside a transaction"),
              std::string::npos)
        << dry.out;
    EXPECT_NE(dry.out.find("[backfill] 20260527090000_add_user_name/backfill.qail step 1: UPDATE "
                           "users SET name = username WHERE name IS NULL"),
              std::string::npos)
        << dry.out;
    EXPECT_NE(dry.out.find("[contract]"), std::string::npos) << dry.out;
    EXPECT_EQ(db.scalar("SELECT to_regclass('_qail_migrations') IS NULL"), "t");
    EXPECT_EQ(normalized_dump(db.name()), before);
}

TEST(MigrateApply, UnconfirmedDropIsRefusedUnlessAllowed) {
    require_server();
    TempDatabase db;
    db.exec(k_users);
    db.exec("ALTER TABLE users ADD COLUMN legacy text");
    Project p(db);
    p.write("deltas/001_drop_legacy.up.qail", "drop users.legacy\n");
    p.write("deltas/001_drop_legacy.down.qail", "alter users add legacy:text:nullable\n");
    RunResult refused = p.qail({"migrate", "apply"});
    EXPECT_EQ(refused.exit_code, 4) << refused.err;
    EXPECT_NE(refused.err.find("001_drop_legacy.up.qail:1:1"), std::string::npos) << refused.err;
    EXPECT_NE(refused.err.find("drop users.legacy confirm"), std::string::npos) << refused.err;
    EXPECT_TRUE(history(db).empty());
    RunResult allowed = p.qail({"migrate", "apply", "--allow-destructive"});
    EXPECT_EQ(allowed.exit_code, 0) << allowed.err;
    EXPECT_EQ(history(db).size(), 1u);
}

TEST(MigrateApply, ReformattedAppliedFileIsNotAChange) {
    require_server();
    TempDatabase db;
    Project p(db);
    p.write("deltas/001_init.up.qail", "table t {\n  id integer primary_key\n}\n");
    p.write("deltas/001_init.down.qail", "drop table t confirm\n");
    ASSERT_EQ(p.qail({"migrate", "apply"}).exit_code, 0);
    p.write("deltas/001_init.up.qail",
            "# the first table\ntable t {\n    id    integer   primary_key   # key\n}\n");
    RunResult again = p.qail({"migrate", "apply"});
    EXPECT_EQ(again.exit_code, 0) << again.err;
    EXPECT_NE(again.err.find("up to date"), std::string::npos) << again.err;
}

TEST(MigrateApply, DirectionDownUndoesTheNewestMigration) {
    require_server();
    TempDatabase db;
    Project p(db);
    p.write("deltas/001_a.up.qail", "table a {\n  id integer primary_key\n}\n");
    p.write("deltas/001_a.down.qail", "drop table a confirm\n");
    p.write("deltas/002_b/expand.qail", "table b {\n  id integer primary_key\n}\n");
    p.write("deltas/002_b/contract.qail", "alter b add note:text:nullable\n");
    p.write("deltas/002_b/down.qail", "drop table b confirm\n");
    ASSERT_EQ(p.qail({"migrate", "apply"}).exit_code, 0);
    RunResult down = p.qail({"migrate", "apply", "--direction", "down"});
    ASSERT_EQ(down.exit_code, 0) << down.err;
    EXPECT_EQ(db.scalar("SELECT to_regclass('b') IS NULL"), "t");
    EXPECT_EQ(db.scalar("SELECT to_regclass('a') IS NOT NULL"), "t");
    ASSERT_EQ(history(db).size(), 1u);
    EXPECT_EQ(history(db)[0].rfind("001_a.up.qail|", 0), 0u);
}

TEST(MigrateApply, ChunkedBackfillByCompositeKey) {
    require_server();
    TempDatabase db;
    db.exec("CREATE TABLE readings (sensor int, at int, raw int NOT NULL, scaled int, "
            "PRIMARY KEY (sensor, at));"
            "INSERT INTO readings (sensor, at, raw) SELECT s, a, s * 100 + a "
            "FROM generate_series(1, 4) s, generate_series(1, 6) a;");
    Project p(db);
    p.write("deltas/001_scale/backfill.qail",
            "-- @backfill.table: readings\n-- @backfill.set: scaled = raw * 10\n");
    p.write("deltas/001_scale/down.qail", "sql $$ UPDATE readings SET scaled = NULL $$\n");
    RunResult r = p.qail({"migrate", "apply", "--backfill-chunk-size", "5"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("24 rows in 5 chunks"), std::string::npos) << r.err;
    EXPECT_EQ(db.scalar("SELECT count(*) FROM readings WHERE scaled = raw * 10"), "24");
}

TEST(MigrateApply, LockTimeoutIsRetriedWithBackoff) {
    require_server();
    TempDatabase db;
    db.exec(k_users);
    Project p(db);
    p.write("deltas/001_note.up.qail", "alter users add note:text:nullable\n");
    p.write("deltas/001_note.down.qail", "drop users.note confirm\n");
    pg::Connection blocker = db.connect();
    blocker.exec("BEGIN");
    blocker.exec("LOCK TABLE users IN ACCESS SHARE MODE");
    std::thread release([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));
        blocker.exec("COMMIT");
    });
    RunResult r = p.qail({"migrate", "apply", "--lock-timeout", "0.3"});
    release.join();
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("lock timeout"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("retry 2/5 in "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("SQLSTATE 55P03"), std::string::npos) << r.err;
    EXPECT_EQ(history(db).size(), 1u);
}

TEST(MigrateNew, WritesACommentedFolderThatApplies) {
    require_server();
    TempDatabase db;
    Project p(db);
    p.write("qail.toml", "[project]\nname = \"demo\"\nmigrations_dir = \"db/deltas\"\n");
    RunResult created = p.qail_plain({"migrate", "new", "add_user_name"});
    ASSERT_EQ(created.exit_code, 0) << created.err;
    std::filesystem::path folder{std::string(qail::trim(created.out))};
    EXPECT_EQ(folder.parent_path().filename(), "deltas");
    EXPECT_EQ(folder.filename().string().substr(14), "_add_user_name");
    for (const char* file : {"expand.qail", "backfill.qail", "contract.qail", "down.qail"}) {
        EXPECT_TRUE(std::filesystem::exists(p.path() / folder / file)) << file;
    }
    EXPECT_NE(read_file(p.path() / folder / "expand.qail").find("expand phase"), std::string::npos);
    RunResult apply = p.qail({"migrate", "apply"});
    EXPECT_EQ(apply.exit_code, 0) << apply.err;
    EXPECT_EQ(history(db).size(), 3u);

    RunResult bad = p.qail_plain({"migrate", "new", "bad name!"});
    EXPECT_EQ(bad.exit_code, 2) << bad.err;
    RunResult from = p.qail_plain({"migrate", "new", "x", "--from", "a.qail", "--to", "b.qail"});
    EXPECT_EQ(from.exit_code, 2) << from.err;
    EXPECT_NE(from.err.find("a.qail"), std::string::npos) << from.err; // missing side named
    RunResult half = p.qail_plain({"migrate", "new", "x", "--from", "a.qail"});
    EXPECT_EQ(half.exit_code, 2) << half.err;
}

} // namespace
} // namespace qail::testing::migrate
