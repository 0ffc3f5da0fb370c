#include <gtest/gtest.h>

#include <qail/diff/diff.hpp>
#include <qail/lang/schema_io.hpp>
#include <qail/plan/build.hpp>

namespace qail::diff {
namespace {

using model::QualifiedName;

model::Column col(std::string name, std::string type, bool not_null = false) {
    model::Column c;
    c.name = std::move(name);
    c.type = std::move(type);
    c.not_null = not_null;
    return c;
}

// The seed's v1.qail: users(id serial primary_key, username text not_null, email text unique)
model::Schema seed_v1() {
    model::Schema s;
    model::Table users;
    users.name = {"public", "users"};
    users.columns = {col("id", "serial", true), col("username", "text", true), col("email", "text")};
    users.primary_key = model::PrimaryKey{"", {"id"}, {}, {}, {}};
    users.uniques.push_back({"", {"email"}, {}, false, {}, {}});
    s.tables.push_back(users);
    model::normalize(s);
    return s;
}

// The seed's v2.qail, with `rename users.username -> users.name`.
model::Schema seed_v2() {
    model::Schema s;
    model::Table users;
    users.name = {"public", "users"};
    users.columns = {col("id", "serial", true), col("name", "text", true), col("email", "text"),
                     col("created_at", "timestamp without time zone", true)};
    users.primary_key = model::PrimaryKey{"", {"id"}, {}, {}, {}};
    users.uniques.push_back({"", {"email"}, {}, false, {}, {}});
    s.tables.push_back(users);
    model::RenameHint r;
    r.target = model::RenameHint::Target::column;
    r.from = {"public", "users"};
    r.to = {"public", "users"};
    r.from_column = "username";
    r.to_column = "name";
    s.renames.push_back(r);
    model::normalize(s);
    return s;
}

TEST(Diff, SeedExamplePrintsExactlyTwoStatements) {
    plan::Plan p = plan::plan_migration(seed_v1(), seed_v2());
    EXPECT_EQ(p.sql(), "ALTER TABLE users RENAME COLUMN username TO name;\n"
                       "ALTER TABLE users ADD COLUMN created_at TIMESTAMP NOT NULL;\n");
}

TEST(Diff, WithoutTheRenameHintItIsADropThatNeedsConfirmation) {
    model::Schema v2 = seed_v2();
    v2.renames.clear();
    Result r = diff(seed_v1(), v2);
    ASSERT_EQ(r.unconfirmed_drops.size(), 1u);
    EXPECT_EQ(r.unconfirmed_drops[0].column, "username");
    EXPECT_EQ(r.unconfirmed_drops[0].hint(), "drop users.username confirm");
    model::DropHint h;
    h.target = model::DropHint::Target::column;
    h.name = {"public", "users"};
    h.member = "username";
    h.confirmed = true;
    v2.drops.push_back(h);
    EXPECT_TRUE(diff(seed_v1(), v2).unconfirmed_drops.empty());
}

TEST(Diff, IdenticalSchemasHaveNoChanges) {
    EXPECT_TRUE(diff(seed_v1(), seed_v1()).empty());
    EXPECT_TRUE(plan::plan_migration(seed_v2(), model::without_hints(seed_v2())).empty());
}

TEST(Diff, RenameHintIsIgnoredOnceApplied) {
    // applying v2 to a database that already has `name` is a no-op
    model::Schema done = model::without_hints(seed_v2());
    EXPECT_TRUE(plan::plan_migration(done, seed_v2()).empty());
}

TEST(Diff, TableRenameIsARenameNotDropAndCreate) {
    model::Schema a = seed_v1();
    model::Schema b = seed_v1();
    b.tables[0].name = {"public", "members"};
    b.tables[0].primary_key->name.clear();
    b.tables[0].uniques[0].name.clear();
    model::RenameHint r;
    r.target = model::RenameHint::Target::table;
    r.from = {"public", "users"};
    r.to = {"public", "members"};
    b.renames.push_back(r);
    model::normalize(b);
    plan::Plan p = plan::plan_migration(a, b);
    std::string sql = p.sql();
    EXPECT_NE(sql.find("ALTER TABLE users RENAME TO members;"), std::string::npos) << sql;
    EXPECT_NE(sql.find("ALTER TABLE members RENAME CONSTRAINT users_pkey TO members_pkey;"),
              std::string::npos)
        << sql;
    EXPECT_EQ(sql.find("DROP TABLE"), std::string::npos) << sql;
    EXPECT_EQ(sql.find("CREATE TABLE"), std::string::npos) << sql;
}

TEST(Diff, TransformBecomesUsingOfATypeChange) {
    model::Schema a = seed_v1();
    model::Schema b = seed_v1();
    b.tables[0].find_column("email")->type = "jsonb";
    model::TransformHint t;
    t.expression = "to_jsonb(email)";
    t.table = {"public", "users"};
    t.column = "email";
    b.transforms.push_back(t);
    plan::Plan p = plan::plan_migration(a, b);
    ASSERT_EQ(p.steps.size(), 1u) << p.sql();
    EXPECT_EQ(p.steps[0].sql, "ALTER TABLE users ALTER COLUMN email TYPE JSONB USING to_jsonb(email)");
    EXPECT_EQ(p.steps[0].phase, plan::Phase::backfill);
    EXPECT_TRUE(p.steps[0].destructive);
}

TEST(Diff, TransformFillsANewNotNullColumnThenTightens) {
    model::Schema a = seed_v1();
    model::Schema b = seed_v1();
    b.tables[0].columns.push_back(col("handle", "text", true));
    model::TransformHint t;
    t.expression = "lower(username)";
    t.table = {"public", "users"};
    t.column = "handle";
    b.transforms.push_back(t);
    plan::Plan p = plan::plan_migration(a, b);
    std::vector<std::string> sql;
    for (const auto& s : p.steps) {
        sql.push_back(s.sql);
    }
    ASSERT_GE(sql.size(), 4u) << p.sql();
    EXPECT_EQ(sql[0], "ALTER TABLE users ADD COLUMN handle TEXT");
    EXPECT_EQ(sql[1], "UPDATE users SET handle = lower(username)");
    EXPECT_EQ(p.steps[1].phase, plan::Phase::backfill);
    EXPECT_NE(p.sql().find("ALTER TABLE users ALTER COLUMN handle SET NOT NULL"), std::string::npos);
    EXPECT_EQ(p.steps.back().phase, plan::Phase::contract);
}

TEST(Diff, LockSafeFormsOnExistingTables) {
    model::Schema a = seed_v1();
    model::Schema b = seed_v1();
    b.tables[0].find_column("email")->not_null = true;
    b.tables[0].checks.push_back({"", "length(username) > 2", false, false, {}});
    model::Index i;
    i.table = {"public", "users"};
    model::IndexElement e;
    e.key = "username";
    i.elements = {e};
    b.indexes.push_back(i);
    model::normalize(b);
    plan::Plan p = plan::plan_migration(a, b);
    std::string sql = p.sql();
    EXPECT_NE(sql.find("CREATE INDEX CONCURRENTLY users_username_idx ON users (username);"),
              std::string::npos)
        << sql;
    EXPECT_NE(sql.find("ADD CONSTRAINT users_username_check CHECK (length(username) > 2) NOT VALID;"),
              std::string::npos)
        << sql;
    EXPECT_NE(sql.find("VALIDATE CONSTRAINT users_username_check;"), std::string::npos) << sql;
    EXPECT_NE(sql.find("ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;"),
              std::string::npos)
        << sql;
    EXPECT_LT(sql.find("VALIDATE CONSTRAINT users_email_not_null"),
              sql.find("ALTER COLUMN email SET NOT NULL"));
    for (const auto& s : p.steps) {
        if (s.kind == plan::StepKind::create_index) {
            EXPECT_TRUE(s.outside_transaction);
            EXPECT_EQ(s.lock, plan::LockLevel::share_update_exclusive);
            EXPECT_EQ(s.risk, plan::Risk::medium);
        }
    }
    plan::BuildOptions plain;
    plain.lock_safe = false;
    std::string plain_sql = plan::plan_migration(a, b, {}, plain).sql();
    EXPECT_EQ(plain_sql.find("CONCURRENTLY"), std::string::npos) << plain_sql;
    EXPECT_EQ(plain_sql.find("NOT VALID"), std::string::npos) << plain_sql;
}

TEST(Diff, DropsAreDestructiveHighRiskWithCounts) {
    model::Schema a = seed_v1();
    model::Table sessions;
    sessions.name = {"public", "sessions"};
    sessions.columns = {col("id", "integer")};
    a.tables.push_back(sessions);
    model::normalize(a);
    model::Schema b = seed_v1();
    b.tables[0].columns.pop_back(); // email
    b.tables[0].uniques.clear();
    Result r = diff(a, b);
    EXPECT_EQ(r.unconfirmed_drops.size(), 2u);
    plan::Plan p = plan::build(r, b);
    bool saw_table = false;
    bool saw_column = false;
    for (const auto& s : p.steps) {
        if (s.kind == plan::StepKind::drop_table) {
            saw_table = true;
            EXPECT_EQ(s.risk, plan::Risk::high);
            EXPECT_EQ(s.phase, plan::Phase::contract);
            EXPECT_EQ(s.at_risk.kind, plan::DataAtRisk::Kind::table_rows);
            EXPECT_EQ(s.at_risk.count_sql, "SELECT count(*) FROM sessions");
        }
        if (s.kind == plan::StepKind::drop_column) {
            saw_column = true;
            EXPECT_TRUE(s.destructive);
            EXPECT_EQ(s.at_risk.count_sql, "SELECT count(*) FROM users WHERE email IS NOT NULL");
        }
        // the unique constraint goes with the column: no separate DROP CONSTRAINT needed,
        // but if there is one it must come first
    }
    EXPECT_TRUE(saw_table);
    EXPECT_TRUE(saw_column);
    std::string sql = p.sql();
    if (sql.find("DROP CONSTRAINT users_email_key") != std::string::npos) {
        EXPECT_LT(sql.find("DROP CONSTRAINT users_email_key"), sql.find("DROP COLUMN email"));
    }
}

TEST(Diff, EnumValuesAreAddedInPlaceAndRemovalRebuilds) {
    model::Schema a;
    model::EnumType e;
    e.name = {"public", "mood"};
    e.values = {"sad", "happy"};
    a.enums.push_back(e);
    model::Table t;
    t.name = {"public", "people"};
    t.columns = {col("m", "mood")};
    a.tables.push_back(t);
    model::normalize(a);
    model::Schema b = a;
    b.enums[0].values = {"angry", "sad", "ok", "happy", "ecstatic"};
    plan::Plan p = plan::plan_migration(a, b);
    EXPECT_EQ(p.sql(), "ALTER TYPE mood ADD VALUE 'angry' BEFORE 'sad';\n"
                       "ALTER TYPE mood ADD VALUE 'ok' AFTER 'sad';\n"
                       "ALTER TYPE mood ADD VALUE 'ecstatic' AFTER 'happy';\n");
    model::Schema c = a;
    c.enums[0].values = {"happy"};
    std::string sql = plan::plan_migration(a, c).sql();
    EXPECT_NE(sql.find("ALTER TYPE mood RENAME TO mood_qail_old;"), std::string::npos) << sql;
    EXPECT_NE(sql.find("CREATE TYPE mood AS ENUM ('happy');"), std::string::npos) << sql;
    EXPECT_NE(sql.find("ALTER TABLE people ALTER COLUMN m TYPE mood USING m::text::mood;"),
              std::string::npos)
        << sql;
    EXPECT_NE(sql.find("DROP TYPE mood_qail_old;"), std::string::npos) << sql;
    model::Schema d = a;
    d.enums[0].values = {"blue", "happy"};
    EXPECT_EQ(plan::plan_migration(a, d).sql(), "ALTER TYPE mood RENAME VALUE 'sad' TO 'blue';\n");
}

TEST(Diff, ChangedViewIsRecreatedWithTheViewsThatReadIt) {
    model::Schema a = seed_v1();
    model::View v1;
    v1.name = {"public", "named"};
    v1.definition = "SELECT id, username FROM users";
    model::View v2;
    v2.name = {"public", "counted"};
    v2.definition = "SELECT count(*) AS n FROM named";
    a.views = {v1, v2};
    model::normalize(a);
    model::Schema b = a;
    // a column appended: replaced in place, "counted" untouched
    b.views[1].definition = "SELECT id, username, email FROM users"; // "named" (sorted second)
    ASSERT_EQ(b.views[1].name.name, "named");
    EXPECT_EQ(plan::plan_migration(a, b).sql(),
              "CREATE OR REPLACE VIEW named AS\nSELECT id, username, email FROM users;\n");
    // a column removed: dropped and recreated, with the view that reads it
    b.views[1].definition = "SELECT id FROM users";
    std::string sql = plan::plan_migration(a, b).sql();
    size_t drop_counted = sql.find("DROP VIEW counted;");
    size_t drop_named = sql.find("DROP VIEW named;");
    size_t create_named = sql.find("CREATE VIEW named AS");
    size_t create_counted = sql.find("CREATE VIEW counted AS");
    ASSERT_NE(drop_counted, std::string::npos) << sql;
    ASSERT_NE(create_counted, std::string::npos) << sql;
    EXPECT_LT(drop_counted, drop_named);
    EXPECT_LT(drop_named, create_named);
    EXPECT_LT(create_named, create_counted);
}

TEST(Diff, ColumnTypeChangeRecreatesViewsOnTheColumn) {
    model::Schema a = seed_v1();
    model::View v;
    v.name = {"public", "emails"};
    v.definition = "SELECT email FROM users";
    a.views = {v};
    model::Schema b = a;
    b.tables[0].find_column("email")->type = "character varying(320)";
    std::string sql = plan::plan_migration(a, b).sql();
    EXPECT_LT(sql.find("DROP VIEW emails;"), sql.find("ALTER COLUMN email TYPE VARCHAR(320)"))
        << sql;
    EXPECT_LT(sql.find("ALTER COLUMN email TYPE VARCHAR(320)"), sql.find("CREATE VIEW emails"))
        << sql;
}

TEST(Diff, ForeignKeyCyclesAreBrokenByAddingKeysAfterTables) {
    model::Schema s;
    for (const char* name : {"a", "b"}) {
        model::Table t;
        t.name = {"public", name};
        t.columns = {col("id", "integer", true), col("other", "integer")};
        t.primary_key = model::PrimaryKey{"", {"id"}, {}, {}, {}};
        model::ForeignKey fk;
        fk.columns = {"other"};
        fk.ref_table = {"public", std::string(name) == "a" ? "b" : "a"};
        t.foreign_keys.push_back(fk);
        s.tables.push_back(t);
    }
    model::normalize(s);
    plan::Plan p = plan::plan_migration(model::Schema{}, s);
    ASSERT_EQ(p.steps.size(), 4u) << p.sql();
    EXPECT_EQ(p.steps[0].kind, plan::StepKind::create_table);
    EXPECT_EQ(p.steps[1].kind, plan::StepKind::create_table);
    EXPECT_EQ(p.steps[2].kind, plan::StepKind::add_constraint);
    EXPECT_TRUE(p.notes.empty());
}

TEST(Diff, DroppedTablesGoChildrenFirst) {
    model::Schema s;
    for (const char* name : {"a_child", "z_parent"}) {
        model::Table t;
        t.name = {"public", name};
        t.columns = {col("id", "integer", true), col("parent", "integer")};
        t.primary_key = model::PrimaryKey{"", {"id"}, {}, {}, {}};
        if (std::string(name) == "a_child") {
            model::ForeignKey fk;
            fk.columns = {"parent"};
            fk.ref_table = {"public", "z_parent"};
            t.foreign_keys.push_back(fk);
        }
        s.tables.push_back(t);
    }
    model::normalize(s);
    std::string sql = plan::plan_migration(s, model::Schema{}).sql();
    EXPECT_EQ(sql, "DROP TABLE a_child;\nDROP TABLE z_parent;\n");
    std::swap(s.tables[0].foreign_keys, s.tables[1].foreign_keys);
    s.tables[1].foreign_keys[0].ref_table = {"public", "a_child"};
    EXPECT_EQ(plan::plan_migration(s, model::Schema{}).sql(),
              "DROP TABLE z_parent;\nDROP TABLE a_child;\n");
}

// A serial column spelt out (integer, nextval() default, owned sequence with
// default options), as pull prints it when the sequence carries a grant, is
// the same column as `serial`: only the grant differs.
TEST(Diff, SpeltOutSerialAndSerialDifferOnlyByTheirGrant) {
    model::Schema spelt = lang::parse_schema(R"(
sequence counters_n_seq { as integer owned_by counters.n }
table counters {
  id bigint primary_key
  n integer not_null default nextval('counters_n_seq'::regclass)
}
grant usage on sequence counters_n_seq to app_user
)");
    // (as pull spells a serial: PostgreSQL makes it NOT NULL)
    model::Schema serial = lang::parse_schema(R"(
table counters {
  id bigint primary_key
  n serial not_null
}
)");
    EXPECT_EQ(plan::plan_migration(spelt, serial).sql(),
              "REVOKE USAGE ON SEQUENCE counters_n_seq FROM app_user;\n");
    EXPECT_EQ(plan::plan_migration(serial, spelt).sql(),
              "GRANT USAGE ON SEQUENCE counters_n_seq TO app_user;\n");
    // a sequence with its own options is not a serial's: that stays a real change
    model::Schema custom = lang::parse_schema(R"(
sequence counters_n_seq { as integer increment 5 owned_by counters.n }
table counters {
  id bigint primary_key
  n integer not_null default nextval('counters_n_seq'::regclass)
}
)");
    EXPECT_NE(plan::plan_migration(custom, serial).sql(), "");
}

// Storage parameters keep their written order (pg_dump shows it) but a
// different order is not a change.
TEST(Diff, StorageParameterOrderIsNotAChange) {
    model::Schema a = lang::parse_schema(R"(
table t {
  data text
  with (fillfactor=70, autovacuum_enabled=false)
}
index t_data on t (data) with (fillfactor=70, deduplicate_items=on)
)");
    model::Schema b = lang::parse_schema(R"(
table t {
  data text
  with (autovacuum_enabled=false, fillfactor=70)
}
index t_data on t (data) with (deduplicate_items=on, fillfactor=70)
)");
    ASSERT_EQ(a.indexes.size(), 1u);
    EXPECT_EQ(a.indexes[0].options,
              (std::vector<std::string>{"fillfactor=70", "deduplicate_items=on"}));
    EXPECT_TRUE(diff::diff(a, b).empty());
    model::Schema c = lang::parse_schema(R"(
table t {
  data text
  with (autovacuum_enabled=false, fillfactor=70)
}
index t_data on t (data) with (deduplicate_items=off, fillfactor=70)
)");
    EXPECT_FALSE(diff::diff(a, c).empty());
}

} // namespace
} // namespace qail::diff
