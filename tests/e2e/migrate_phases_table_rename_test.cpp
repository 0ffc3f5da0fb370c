// A table rename in phases: the table is renamed in expand and a view keeps
// the old name working (reads, inserts with the table's defaults, updates,
// deletes) until contract drops it; rollback brings the old name back.

#include <gtest/gtest.h>

#include "e2e/migrate_support.hpp"

namespace qail::testing::migrate {
namespace {

TEST(MigratePhasesTableRename, OldNameKeepsWorkingThroughAViewUntilContract) {
    require_server();
    TempDatabase db;
    db.exec("CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL, "
            "active boolean NOT NULL DEFAULT true);"
            "INSERT INTO users (name) SELECT 'u' || g FROM generate_series(1, 5) g;");
    Project p(db);
    p.write("v1.qail", "table users {\n  id serial primary_key\n  name text not_null\n"
                       "  active boolean not_null default(true)\n}\n");
    p.write("v2.qail", "table accounts {\n  id serial primary_key\n  name text not_null\n"
                       "  active boolean not_null default(true)\n}\n"
                       "rename table users -> accounts\n");
    RunResult created =
        p.qail_plain({"migrate", "new", "accounts", "--from", "v1.qail", "--to", "v2.qail"});
    ASSERT_EQ(created.exit_code, 0) << created.err;
    ASSERT_EQ(p.qail({"migrate", "apply", "--phase", "expand"}).exit_code, 0);
    // the old code, by the old name
    db.exec("INSERT INTO users (name) VALUES ('old_writer')");
    db.exec("UPDATE users SET name = 'u1_renamed' WHERE id = 1");
    db.exec("DELETE FROM users WHERE id = 2");
    EXPECT_EQ(db.scalar("SELECT count(*) FROM users"), "5");
    // the new code, by the new name, sees the same rows
    EXPECT_EQ(db.scalar("SELECT string_agg(id || name || active, ',' ORDER BY id) FROM accounts"),
              "1u1_renamedtrue,3u3true,4u4true,5u5true,6old_writertrue");
    ASSERT_EQ(p.qail({"migrate", "apply"}).exit_code, 0);
    EXPECT_EQ(db.scalar("SELECT to_regclass('public.users') IS NULL"), "t");
    EXPECT_EQ(db.scalar("SELECT count(*) FROM accounts"), "5");

    RunResult back = p.qail({"migrate", "rollback", "--to", "base"});
    ASSERT_EQ(back.exit_code, 0) << back.err;
    EXPECT_EQ(db.scalar("SELECT relkind::text FROM pg_class WHERE relname = 'users'"), "r");
    EXPECT_EQ(db.scalar("SELECT to_regclass('public.accounts') IS NULL"), "t");
    EXPECT_EQ(db.scalar("SELECT count(*) FROM users"), "5");
}

} // namespace
} // namespace qail::testing::migrate
