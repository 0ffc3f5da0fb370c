// qail diff with database sides: <url> <url>, <url> <file>, <file> <url>,
// <url> _ — the printed SQL, applied with psql as a user would, converges.

#include <gtest/gtest.h>

#include "support/database.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace qail::testing {
namespace {

// Applies SQL as a user would (psql, each statement on its own so that
// CONCURRENTLY works) and fails the test on the first error.
void apply(const TempDatabase& db, const TempDir& dir, const std::string& sql) {
    static int counter = 0;
    auto file = dir.write("step" + std::to_string(counter++) + ".sql", sql);
    RunResult r = run_process(
        {"psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db.name(), "-f", file.string()});
    ASSERT_EQ(r.exit_code, 0) << r.err << "\nSQL:\n" << sql;
}

TEST(DiffUrlCli, UrlToUrlConvergesWithLockSafeSteps) {
    require_server();
    TempDir dir;
    TempDatabase a;
    TempDatabase b;
    a.exec("CREATE TABLE users (id integer PRIMARY KEY, email text);"
           "INSERT INTO users VALUES (1, 'a@example.com');");
    b.exec("CREATE TYPE mood AS ENUM ('sad', 'happy');"
           "CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL, mood mood);"
           "CREATE INDEX users_email_idx ON users (email);"
           "CREATE TABLE posts (id integer PRIMARY KEY, user_id integer REFERENCES users(id));"
           "CREATE VIEW user_emails AS SELECT id, email FROM users;");
    RunResult r = run_qail({"diff", a.uri(), b.uri(), "--exit-code"});
    ASSERT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.out.find("CREATE TYPE"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("CREATE INDEX CONCURRENTLY users_email_idx"), std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("CREATE VIEW"), std::string::npos) << r.out;
    // SET NOT NULL through a validated check (no long ACCESS EXCLUSIVE scan)
    EXPECT_NE(r.out.find("CHECK (email IS NOT NULL) NOT VALID"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("VALIDATE CONSTRAINT"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("DROP COLUMN"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("DROP TABLE"), std::string::npos) << r.out;
    EXPECT_EQ(r.err.find(a.uri()), std::string::npos) << "no passwords in output";
    apply(a, dir, r.out);
    RunResult again = run_qail({"diff", a.uri(), b.uri(), "--exit-code"});
    EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
    EXPECT_EQ(again.out, "");
    EXPECT_EQ(normalized_dump(a.name()), normalized_dump(b.name()));
    EXPECT_EQ(a.scalar("SELECT email FROM users WHERE id = 1"), "a@example.com");
}

TEST(DiffUrlCli, UrlToUrlRefusesAnUnconfirmedDrop) {
    require_server();
    TempDatabase a;
    TempDatabase b;
    a.exec("CREATE TABLE users (id integer PRIMARY KEY, email text)");
    b.exec("CREATE TABLE users (id integer PRIMARY KEY)");
    RunResult r = run_qail({"diff", a.uri(), b.uri()});
    EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find("drop users.email confirm"), std::string::npos) << r.err;
    RunResult allowed = run_qail({"diff", a.uri(), b.uri(), "--allow-destructive"});
    EXPECT_EQ(allowed.exit_code, 0) << allowed.err;
    EXPECT_NE(allowed.out.find("DROP COLUMN email"), std::string::npos) << allowed.out;
}

TEST(DiffUrlCli, SameDatabaseOnBothSidesPrintsNothing) {
    require_server();
    TempDatabase a;
    a.exec("CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
           "v text DEFAULT 'x' CHECK (v <> ''));"
           "CREATE INDEX t_v ON t (lower(v)) WHERE v IS NOT NULL;");
    RunResult r = run_qail({"diff", a.uri(), a.uri(), "--exit-code"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(r.out, "");
}

// danbooru's pool_versions: a bigserial becomes an integer column fed by an
// explicit sequence of the same name; the sequence is reshaped, not re-created.
TEST(DiffUrlCli, BigserialToIntegerWithExplicitSequenceConverges) {
    require_server();
    TempDir dir;
    TempDatabase a;
    TempDatabase b;
    a.exec("CREATE TABLE versions (id bigserial PRIMARY KEY, v text)");
    b.exec("CREATE TABLE versions (id integer NOT NULL PRIMARY KEY, v text);"
           "CREATE SEQUENCE versions_id_seq START 5 CACHE 2 OWNED BY versions.id;"
           "ALTER TABLE versions ALTER COLUMN id SET DEFAULT nextval('versions_id_seq')");
    RunResult r = run_qail({"diff", a.uri(), b.uri(), "--allow-destructive"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out.find("CREATE SEQUENCE"), std::string::npos) << r.out;
    apply(a, dir, r.out);
    RunResult again = run_qail({"diff", a.uri(), b.uri(), "--exit-code"});
    EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
    EXPECT_EQ(normalized_dump(a.name()), normalized_dump(b.name()));
}

// The other way: an integer column fed by an explicit sequence becomes a serial
// that takes the sequence over.
TEST(DiffUrlCli, ExplicitSequenceTakenOverByASerialConverges) {
    require_server();
    TempDir dir;
    TempDatabase a;
    TempDatabase b;
    a.exec("CREATE TABLE versions (id integer NOT NULL PRIMARY KEY, v text);"
           "CREATE SEQUENCE versions_id_seq START 5 CACHE 2 OWNED BY versions.id;"
           "ALTER TABLE versions ALTER COLUMN id SET DEFAULT nextval('versions_id_seq')");
    b.exec("CREATE TABLE versions (id serial PRIMARY KEY, v text)");
    RunResult r = run_qail({"diff", a.uri(), b.uri(), "--allow-destructive"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out.find("CREATE SEQUENCE"), std::string::npos) << r.out;
    apply(a, dir, r.out);
    RunResult again = run_qail({"diff", a.uri(), b.uri(), "--exit-code"});
    EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
    EXPECT_EQ(normalized_dump(a.name()), normalized_dump(b.name()));
}

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
  created_at timestamptz not_null default now()
}

index idx_users_created on users (created_at)

rename users.username -> users.name
)";

TEST(DiffUrlCli, UrlToFileUsesTheRenameHintAndConverges) {
    require_server();
    TempDir dir;
    TempDatabase db;
    auto v1 = dir.write("v1.qail", k_v1).string();
    auto v2 = dir.write("v2.qail", k_v2).string();
    RunResult create = run_qail({"diff", "_", v1});
    ASSERT_EQ(create.exit_code, 0) << create.err;
    apply(db, dir, create.out);
    db.exec("INSERT INTO users (username, email) VALUES ('ada', 'ada@example.com')");

    RunResult r = run_qail({"diff", db.uri(), v2});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("RENAME COLUMN username TO name"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("DROP COLUMN"), std::string::npos) << r.out;
    apply(db, dir, r.out);
    EXPECT_EQ(db.scalar("SELECT name FROM users"), "ada");

    RunResult again = run_qail({"diff", db.uri(), v2, "--exit-code"});
    EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
    EXPECT_EQ(again.out, "");
    // and the other direction: the file as `from`, the database as `to`
    RunResult reverse = run_qail({"diff", v2, db.uri(), "--exit-code"});
    EXPECT_EQ(reverse.exit_code, 0) << reverse.out << reverse.err;
    EXPECT_EQ(reverse.out, "");
}

TEST(DiffUrlCli, FileToUrlPrintsWhatTheDatabaseHasMore) {
    require_server();
    TempDir dir;
    TempDatabase db;
    auto v1 = dir.write("v1.qail", k_v1).string();
    RunResult create = run_qail({"diff", "_", v1});
    ASSERT_EQ(create.exit_code, 0) << create.err;
    apply(db, dir, create.out);
    db.exec("ALTER TABLE users ADD COLUMN bio text DEFAULT ''");
    RunResult r = run_qail({"diff", v1, db.uri(), "--exit-code"});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.out.find("ADD COLUMN bio TEXT DEFAULT ''"), std::string::npos) << r.out;
}

TEST(DiffUrlCli, UrlToEmptyDropsEverythingOnlyWhenAllowed) {
    require_server();
    TempDir dir;
    TempDatabase db;
    db.exec("CREATE TABLE parent (id integer PRIMARY KEY);"
            "CREATE TABLE child (id integer PRIMARY KEY, parent_id integer REFERENCES parent);");
    RunResult refused = run_qail({"diff", db.uri(), "_"});
    EXPECT_EQ(refused.exit_code, 4) << refused.out << refused.err;
    RunResult r = run_qail({"diff", db.uri(), "_", "--allow-destructive"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    apply(db, dir, r.out);
    EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace"),
              "0");
}

TEST(DiffUrlCli, BadUrlIsADatabaseErrorWithoutThePassword) {
    RunResult r = run_qail({"diff", "postgres://me:hunter2@127.0.0.1:1/none", "_"});
    EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
    EXPECT_EQ(r.err.find("hunter2"), std::string::npos) << r.err;
}

} // namespace
} // namespace qail::testing
