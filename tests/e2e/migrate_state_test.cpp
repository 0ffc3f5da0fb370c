// State-based migrations: qail migrate up old:new / down new:old, with the
// seed's rename hint, refusal of unconfirmed destructive steps, and the
// history rows they write.

#include <gtest/gtest.h>

#include "e2e/migrate_support.hpp"

namespace qail::testing::migrate {
namespace {

constexpr const char* k_v1 = R"(table users {
  id serial primary_key
  username text not_null
  email text unique
}
)";

constexpr const char* k_v2 = R"(table users {
  id serial primary_key
  name text not_null  # was 'username'
  email text unique
  created_at timestamp not_null default now()
}
index idx_users_created on users (created_at)
rename users.username -> users.name
)";

TEST(MigrateState, UpWithTheSeedRenameKeepsTheData) {
    require_server();
    TempDatabase db;
    Project p(db);
    p.write("v1.qail", k_v1);
    p.write("v2.qail", k_v2);
    RunResult first = p.qail({"migrate", "up", "_:v1.qail"});
    ASSERT_EQ(first.exit_code, 0) << first.err;
    db.exec("INSERT INTO users (username, email) VALUES ('ada', 'ada@example.com')");

    RunResult up = p.qail({"migrate", "up", "v1.qail:v2.qail"});
    ASSERT_EQ(up.exit_code, 0) << up.err;
    EXPECT_NE(up.err.find("recorded as "), std::string::npos) << up.err;
    EXPECT_EQ(db.scalar("SELECT name FROM users"), "ada");
    // the index on an existing table is built concurrently, outside the transaction
    EXPECT_EQ(db.scalar("SELECT indisvalid FROM pg_index WHERE indexrelid = "
                        "'idx_users_created'::regclass"),
              "t");
    std::vector<std::string> rows = history(db);
    ASSERT_EQ(rows.size(), 2u);
    // <YYYYMMDDHHMMSS>_up (with _2, _3 ... when two land in one second)
    EXPECT_EQ(rows[1].substr(14, 3), "_up") << rows[1];
    EXPECT_NE(rows[1].find("|all|applied|"), std::string::npos) << rows[1];
    EXPECT_EQ(db.scalar("SELECT name FROM _qail_migrations ORDER BY id DESC LIMIT 1"),
              "up v1.qail -> v2.qail");

    RunResult same = p.qail({"migrate", "up", "v2.qail:v2.qail"});
    EXPECT_EQ(same.exit_code, 0) << same.err;
    EXPECT_NE(same.err.find("Nothing to migrate"), std::string::npos) << same.err;
    EXPECT_EQ(history(db).size(), 2u);
}

TEST(MigrateState, DownRefusesUnconfirmedDropsUntilAllowed) {
    require_server();
    TempDatabase db;
    Project p(db);
    p.write("v1.qail", k_v1);
    p.write("v2.qail", k_v2);
    ASSERT_EQ(p.qail({"migrate", "up", "_:v1.qail"}).exit_code, 0);
    ASSERT_EQ(p.qail({"migrate", "up", "v1.qail:v2.qail"}).exit_code, 0);
    db.exec("INSERT INTO users (name, email) VALUES ('ada', 'a@x')");
    std::string before = normalized_dump(db.name());

    // v1 has no rename back: name and created_at would be dropped
    RunResult refused = p.qail({"migrate", "down", "v2.qail:v1.qail"});
    EXPECT_EQ(refused.exit_code, 4) << refused.err;
    EXPECT_NE(refused.err.find("DROP COLUMN users.created_at"), std::string::npos) << refused.err;
    EXPECT_NE(refused.err.find("drop users.created_at confirm"), std::string::npos) << refused.err;
    EXPECT_EQ(normalized_dump(db.name()), before);

    // with the hint, the rename goes back and only created_at is dropped
    p.write("v1_back.qail", std::string(k_v1) + "rename users.name -> users.username\n"
                                                "drop users.created_at confirm\n");
    RunResult down = p.qail({"migrate", "down", "v2.qail:v1_back.qail", "--backup=none"});
    ASSERT_EQ(down.exit_code, 0) << down.err;
    EXPECT_EQ(db.scalar("SELECT username FROM users"), "ada");
    std::vector<std::string> rows = history(db);
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[2].substr(14, 5), "_down") << rows[2];
    EXPECT_NE(rows[2].find("|all|applied|"), std::string::npos) << rows[2];

    // --yes runs unconfirmed drops too
    p.write("v0.qail", "table users {\n  id serial primary_key\n}\n");
    RunResult yes = p.qail({"migrate", "down", "v1.qail:v0.qail", "--yes"});
    EXPECT_EQ(yes.exit_code, 0) << yes.err;
    EXPECT_EQ(db.scalar("SELECT count(*) FROM information_schema.columns WHERE table_name = "
                        "'users'"),
              "1");
}

TEST(MigrateState, BadPairIsAUsageError) {
    require_server();
    TempDatabase db;
    Project p(db);
    RunResult r = p.qail({"migrate", "up", "only_one.qail"});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    RunResult missing = p.qail({"migrate", "up", "a.qail:b.qail"});
    EXPECT_EQ(missing.exit_code, 2) << missing.err;
}

} // namespace
} // namespace qail::testing::migrate
