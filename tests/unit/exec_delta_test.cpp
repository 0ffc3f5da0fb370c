// The delta-file compiler: schema statements, hints, alter lines, sql blocks
// and backfill directives -> ordered steps with their locks; errors located.

#include <gtest/gtest.h>

#include <algorithm>

#include <qail/base/error.hpp>
#include <qail/exec/codebase.hpp>
#include <qail/exec/delta.hpp>
#include <qail/exec/scaffold.hpp>
#include <qail/exec/sql_info.hpp>
#include "support/temp_dir.hpp"

namespace qail::exec {
namespace {

using plan::LockLevel;
using plan::Phase;
using plan::StepKind;

std::vector<std::string> sqls(const CompiledDelta& d) {
    std::vector<std::string> out;
    for (const auto& s : d.steps) {
        out.push_back(s.step.sql);
    }
    return out;
}

std::string error_of(std::string_view text, Phase phase = Phase::expand) {
    try {
        compile_delta(text, "d.qail", phase);
    } catch (const InputError& e) {
        EXPECT_EQ(e.exit_code(), ExitCode::bad_input);
        return e.render();
    }
    ADD_FAILURE() << "expected an error for:\n" << text;
    return {};
}

TEST(ExecDelta, TableIndexHintsInWrittenOrder) {
    CompiledDelta d = compile_delta(R"(# expand
table user_profiles {
  id serial primary_key
  user_id integer not_null references users(id)
  bio text
}
index idx_profiles_user on user_profiles (user_id)
rename users.username -> users.name
transform lower(email) -> users.email_lower
drop users.legacy confirm
)",
                                    "expand.qail", Phase::expand);
    std::vector<std::string> s = sqls(d);
    ASSERT_EQ(s.size(), 6u) << ::testing::PrintToString(s);
    EXPECT_EQ(s[0].rfind("CREATE TABLE user_profiles (", 0), 0u) << s[0];
    // plan/ orders the table's FK and index after the table
    std::vector<std::string> middle{s[1], s[2]};
    std::sort(middle.begin(), middle.end());
    EXPECT_EQ(middle[0], "ALTER TABLE user_profiles ADD CONSTRAINT user_profiles_user_id_fkey "
                         "FOREIGN KEY (user_id) REFERENCES users (id)");
    EXPECT_EQ(middle[1], "CREATE INDEX idx_profiles_user ON user_profiles (user_id)");
    EXPECT_EQ(s[3], "ALTER TABLE users RENAME COLUMN username TO name");
    EXPECT_EQ(s[4], "UPDATE users SET email_lower = lower(email)");
    EXPECT_EQ(s[5], "ALTER TABLE users DROP COLUMN legacy");
    EXPECT_EQ(d.steps[3].step.lock, LockLevel::access_exclusive);
    EXPECT_EQ(d.steps[3].step.locked_relation.name, "users");
    EXPECT_EQ(d.steps[4].step.lock, LockLevel::row_exclusive);
    EXPECT_EQ(d.steps[3].line, 8);
    EXPECT_TRUE(d.unconfirmed_drops.empty());
    ASSERT_EQ(d.dropped.size(), 1u);
    EXPECT_EQ(d.dropped[0].display(), "users.legacy");
    for (const auto& step : d.steps) {
        EXPECT_FALSE(step.step.outside_transaction) << step.step.sql;
        EXPECT_EQ(step.step.phase, Phase::expand);
    }
}

TEST(ExecDelta, ConcurrentIndexOnAnExistingTableRunsAlone) {
    CompiledDelta d = compile_delta("index concurrently idx_users_email on users (email)\n",
                                    "e.qail", Phase::expand);
    ASSERT_EQ(d.steps.size(), 1u);
    EXPECT_EQ(d.steps[0].step.sql, "CREATE INDEX CONCURRENTLY idx_users_email ON users (email)");
    EXPECT_TRUE(d.steps[0].step.outside_transaction);
    EXPECT_EQ(d.steps[0].step.lock, LockLevel::share_update_exclusive);
    EXPECT_TRUE(d.has_outside_transaction());
}

TEST(ExecDelta, FunctionsReplaceAndTriggersFollow) {
    CompiledDelta d = compile_delta(R"(
function touch() returns trigger language plpgsql $$
begin
  new.updated_at := now();
  return new;
end;
$$
trigger users_touch on users before update execute touch
)",
                                    "e.qail", Phase::expand);
    std::vector<std::string> s = sqls(d);
    bool function_seen = false;
    for (const std::string& sql : s) {
        if (sql.find("FUNCTION touch() RETURNS") != std::string::npos) {
            EXPECT_EQ(sql.rfind("CREATE OR REPLACE FUNCTION touch()", 0), 0u) << sql;
            function_seen = true;
        }
    }
    EXPECT_TRUE(function_seen);
    EXPECT_EQ(s.back().rfind("CREATE TRIGGER users_touch", 0), 0u) << s.back();
}

TEST(ExecDelta, AlterLines) {
    CompiledDelta d = compile_delta(R"(alter users add display_name:text:nullable
ALTER users ADD active:BOOLEAN:default=true
alter billing.invoices add code:varchar(20):unique:default='x'::character varying
alter users add score:int:check=score >= 0
alter users drop constraint users_old_check
alter users add constraint users_score_max check(score <= 100)  # a trailing comment
alter "Odd Table" add n:bigint:nullable
)",
                                    "e.qail", Phase::expand);
    std::vector<std::string> s = sqls(d);
    ASSERT_EQ(s.size(), 7u);
    EXPECT_EQ(s[0], "ALTER TABLE users ADD COLUMN display_name TEXT");
    EXPECT_EQ(s[1], "ALTER TABLE users ADD COLUMN active BOOLEAN DEFAULT true NOT NULL");
    EXPECT_EQ(s[2], "ALTER TABLE billing.invoices ADD COLUMN code VARCHAR(20) DEFAULT "
                    "'x'::character varying NOT NULL UNIQUE");
    EXPECT_EQ(s[3], "ALTER TABLE users ADD COLUMN score INTEGER NOT NULL CHECK (score >= 0)");
    EXPECT_EQ(s[4], "ALTER TABLE users DROP CONSTRAINT users_old_check");
    EXPECT_EQ(s[5], "ALTER TABLE users ADD CONSTRAINT users_score_max CHECK (score <= 100)");
    EXPECT_EQ(s[6], "ALTER TABLE \"Odd Table\" ADD COLUMN n BIGINT");
    for (const auto& step : d.steps) {
        EXPECT_EQ(step.step.lock, LockLevel::access_exclusive);
    }
}

TEST(ExecDelta, AlterLineErrorsAreLocated) {
    std::string e = error_of("\nalter users add name:text:sparkly\n");
    EXPECT_NE(e.find("d.qail:2:"), std::string::npos) << e;
    EXPECT_NE(e.find("unknown column option 'sparkly'"), std::string::npos) << e;
    e = error_of("alter users rename a to b\n");
    EXPECT_NE(e.find("d.qail:1:"), std::string::npos) << e;
    EXPECT_NE(e.find("expected `add` or `drop`"), std::string::npos) << e;
    e = error_of("alter users add constraint c check(a > 0; drop table x)\n");
    EXPECT_NE(e.find("may not be empty or contain"), std::string::npos) << e;
    e = error_of("alter users add justaname\n");
    EXPECT_NE(e.find("expected `<column>:<type>`"), std::string::npos) << e;
}

TEST(ExecDelta, SqlBlocksSplitAndClassify) {
    CompiledDelta d = compile_delta(R"(table t {
  id integer primary_key
}
sql $$
  UPDATE users SET name = 'a;b' WHERE id = 1;
  -- a comment
  CREATE INDEX CONCURRENTLY idx_users_name ON users (name);
  ALTER TYPE mood ADD VALUE 'meh';
  CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $f$ SELECT 1; $f$;
$$
sql $q$ DROP TABLE old_things, public.older $q$   # gone
)",
                                    "e.qail", Phase::expand);
    std::vector<std::string> s = sqls(d);
    ASSERT_EQ(s.size(), 6u) << ::testing::PrintToString(s);
    EXPECT_EQ(s[1], "UPDATE users SET name = 'a;b' WHERE id = 1");
    EXPECT_FALSE(d.steps[1].step.outside_transaction);
    EXPECT_EQ(d.steps[1].step.lock, LockLevel::row_exclusive);
    EXPECT_NE(s[2].find("CREATE INDEX CONCURRENTLY idx_users_name"), std::string::npos) << s[2];
    EXPECT_TRUE(d.steps[2].step.outside_transaction);
    EXPECT_TRUE(d.steps[3].step.outside_transaction); // ALTER TYPE ... ADD VALUE
    EXPECT_FALSE(d.steps[4].step.outside_transaction);
    EXPECT_EQ(s[4], "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $f$ SELECT 1; $f$");
    EXPECT_EQ(s[5], "DROP TABLE old_things, public.older");
    ASSERT_EQ(d.dropped.size(), 2u);
    EXPECT_EQ(d.dropped[0].display(), "old_things");
    EXPECT_EQ(d.dropped[1].display(), "older");
}

TEST(ExecDelta, SqlBlockErrors) {
    std::string e = error_of("table t {\n  id int\n}\nsql $$ BEGIN; UPDATE t SET id = 1; COMMIT $$\n");
    EXPECT_NE(e.find("transaction control"), std::string::npos) << e;
    EXPECT_NE(e.find("d.qail:4:"), std::string::npos) << e;
    e = error_of("sql $$ UPDATE t SET a = 1\n");
    EXPECT_NE(e.find("not closed"), std::string::npos) << e;
    e = error_of("sql UPDATE t SET a = 1\n");
    EXPECT_NE(e.find("expected `$$` after `sql`"), std::string::npos) << e;
    e = error_of("sql $$ $$\n");
    EXPECT_NE(e.find("holds no statement"), std::string::npos) << e;
}

TEST(ExecDelta, UnconfirmedDropsAreReportedNotCompiledAway) {
    CompiledDelta d = compile_delta("drop users.email\ndrop table sessions\ndrop index idx_x\n",
                                    "c.qail", Phase::contract);
    ASSERT_EQ(d.steps.size(), 3u);
    EXPECT_EQ(d.steps[1].step.sql, "DROP TABLE sessions");
    EXPECT_EQ(d.steps[2].step.sql, "DROP INDEX idx_x");
    ASSERT_EQ(d.unconfirmed_drops.size(), 2u); // an index holds no data
    EXPECT_EQ(d.unconfirmed_drops[0].line, 1);
    EXPECT_NE(d.unconfirmed_drops[0].help.find("drop users.email confirm"), std::string::npos);
    EXPECT_NE(d.unconfirmed_drops[1].help.find("drop table sessions confirm"), std::string::npos);
}

TEST(ExecDelta, BackfillDirectives) {
    CompiledDelta d = compile_delta(R"(# fill the new column
-- @backfill.table: users
-- @backfill.pk: id
-- @backfill.set: display_name = trim(full_name)
-- @backfill.where: display_name IS NULL
-- @backfill.chunk_size: 2000
)",
                                    "backfill.qail", Phase::backfill);
    ASSERT_EQ(d.steps.size(), 1u);
    ASSERT_TRUE(d.steps[0].backfill);
    const BackfillSpec& b = *d.steps[0].backfill;
    EXPECT_EQ(b.table.name, "users");
    EXPECT_EQ(b.pk, std::vector<std::string>{"id"});
    EXPECT_EQ(b.set, "display_name = trim(full_name)");
    EXPECT_EQ(b.where, "display_name IS NULL");
    EXPECT_EQ(b.chunk_size, 2000);
    EXPECT_TRUE(d.steps[0].step.outside_transaction);
    EXPECT_EQ(d.steps[0].step.lock, LockLevel::row_exclusive);

    // the chunk size does not change the checksum; the expression does
    CompiledDelta other = compile_delta(R"(-- @backfill.table: users
-- @backfill.pk: id
-- @backfill.set: display_name = trim(full_name)
-- @backfill.where: display_name IS NULL
-- @backfill.chunk_size: 10
)",
                                        "backfill.qail", Phase::backfill);
    EXPECT_EQ(d.checksum(), other.checksum());
    CompiledDelta changed = compile_delta(R"(-- @backfill.table: users
-- @backfill.set: display_name = upper(full_name)
)",
                                          "backfill.qail", Phase::backfill);
    EXPECT_NE(d.checksum(), changed.checksum());
    EXPECT_TRUE(changed.steps[0].backfill->pk.empty()); // the primary key, read at run time

    CompiledDelta structured = compile_delta(R"(-- @backfill.table: billing.customers
-- @backfill.set_column: email_norm
-- @backfill.set_source: email
-- @backfill.set_transform: lower|trim
-- @backfill.where_null: email_norm
)",
                                             "backfill.qail", Phase::backfill);
    EXPECT_EQ(structured.steps[0].backfill->set, "email_norm = trim(lower(email))");
    EXPECT_EQ(structured.steps[0].backfill->where, "email_norm IS NULL");
}

TEST(ExecDelta, BackfillDirectiveErrors) {
    std::string e = error_of("-- @backfill.table: users\n-- @backfill.sett: a = b\n",
                             Phase::backfill);
    EXPECT_NE(e.find("unknown backfill key 'sett'"), std::string::npos) << e;
    EXPECT_NE(e.find("did you mean 'set'"), std::string::npos) << e;
    e = error_of("-- @backfill.table: users\n-- @backfill.set: a = b\nalter users add c:int\n",
                 Phase::backfill);
    EXPECT_NE(e.find("d.qail:3:"), std::string::npos) << e;
    EXPECT_NE(e.find("only `-- @backfill.<key>: <value>`"), std::string::npos) << e;
    e = error_of("-- @backfill.table: users\n-- @backfill.set: a = b\n", Phase::expand);
    EXPECT_NE(e.find("belong in a backfill file"), std::string::npos) << e;
    e = error_of("-- @backfill.table: users\n", Phase::backfill);
    EXPECT_NE(e.find("sets nothing"), std::string::npos) << e;
    e = error_of("-- @backfill.table: users\n-- @backfill.set: a = b\n-- @backfill.chunk_size: 0\n",
                 Phase::backfill);
    EXPECT_NE(e.find("not a positive number"), std::string::npos) << e;
}

TEST(ExecDelta, ChecksumIgnoresFormattingAndComments) {
    CompiledDelta a = compile_delta("table t {\n  id integer primary_key\n}\n"
                                    "sql $$ UPDATE t SET id = id   +  1 $$\n",
                                    "a.qail", Phase::expand);
    CompiledDelta b = compile_delta("# a comment\n\ntable t {\n    id    integer   primary_key  # pk\n}\n"
                                    "sql $$\n  UPDATE t\n  SET id = id + 1; -- bump\n$$\n",
                                    "b.qail", Phase::expand);
    EXPECT_EQ(a.checksum(), b.checksum());
    CompiledDelta c = compile_delta("table t {\n  id bigint primary_key\n}\n"
                                    "sql $$ UPDATE t SET id = id + 1 $$\n",
                                    "c.qail", Phase::expand);
    EXPECT_NE(a.checksum(), c.checksum());
    EXPECT_EQ(a.checksum().size(), 64u);
}

TEST(ExecDelta, SchemaErrorsAreLocated) {
    std::string e = error_of("table t {\n  id integr primary_key\n  name text not_nul\n}\n");
    EXPECT_NE(e.find("d.qail:3:"), std::string::npos) << e;
    e = error_of("creat table t\n");
    EXPECT_NE(e.find("unknown statement 'creat'"), std::string::npos) << e;
    e = error_of("bucket avatars { provider s3 }\n");
    EXPECT_NE(e.find("not a database object"), std::string::npos) << e;
}

TEST(ExecDelta, EmptyAndCommentOnlyFilesHaveNoSteps) {
    EXPECT_TRUE(compile_delta("", "e.qail", Phase::expand).steps.empty());
    EXPECT_TRUE(compile_delta("# nothing yet\n-- really\n", "e.qail", Phase::contract).steps.empty());
}

TEST(ExecDelta, NewMigrationTemplatesCompile) {
    for (const auto& [file, text] : migration_templates("20260527090000_add_user_name")) {
        Phase phase = file == "backfill.qail" ? Phase::backfill
                      : file == "contract.qail" ? Phase::contract
                                                : Phase::expand;
        CompiledDelta d = compile_delta(text, file, phase);
        EXPECT_TRUE(d.steps.empty()) << file;
        EXPECT_NE(text.find("20260527090000_add_user_name"), std::string::npos);
    }
}

// Found by the fuzzer: a CREATE TRIGGER whose events hold something that is
// neither a name nor a comma (a number, a string, a bracket) made the
// classifier loop forever.
TEST(ExecSqlInfo, ClassifierAlwaysMovesOn) {
    SqlInfo i = classify_sql("CREATE TRIGGER t BEFORE UPDATE OF (a) 1 'x' [ ON s.t FOR EACH ROW");
    EXPECT_EQ(i.kind, plan::StepKind::create_trigger);
    EXPECT_EQ(i.relation, (model::QualifiedName{"s", "t"}));
    i = classify_sql("CREATE TRIGGER t 42 (");
    EXPECT_EQ(i.kind, plan::StepKind::create_trigger);
}

TEST(ExecSqlInfo, ClassifiesRawStatements) {
    SqlInfo i = classify_sql("create unique index concurrently if not exists ix on s.t (a)");
    EXPECT_TRUE(i.outside_transaction);
    ASSERT_TRUE(i.created_index);
    EXPECT_EQ(i.created_index->schema, "s");
    EXPECT_EQ(i.created_index->name, "ix");
    EXPECT_EQ(i.relation.name, "t");
    i = classify_sql("DROP INDEX CONCURRENTLY IF EXISTS ix");
    EXPECT_TRUE(i.outside_transaction);
    i = classify_sql("ALTER TABLE ONLY \"Users\" DROP COLUMN IF EXISTS a, DROP b, DROP CONSTRAINT c, "
                     "ALTER COLUMN d DROP DEFAULT");
    ASSERT_EQ(i.dropped.size(), 2u);
    EXPECT_EQ(i.dropped[0].table.name, "Users");
    EXPECT_EQ(i.dropped[0].column, "a");
    EXPECT_EQ(i.dropped[1].column, "b");
    EXPECT_EQ(i.lock, LockLevel::access_exclusive);
    EXPECT_TRUE(classify_sql("VACUUM ANALYZE t").outside_transaction);
    EXPECT_TRUE(classify_sql("commit").transaction_control);
    EXPECT_FALSE(classify_sql("CREATE INDEX ix ON t (a)").outside_transaction);
    EXPECT_FALSE(classify_sql("DO $$ BEGIN END $$").lock_known);
    EXPECT_EQ(split_sql("select 1; -- only a comment\n;select 'x;y'").size(), 2u);
}

TEST(ExecCodebase, WholeWordMatchesWithFileAndLine) {
    testing::TempDir dir;
    dir.write("src/app.py", "import db\n\ndef f():\n    return db.q('SELECT username FROM users')\n");
    dir.write("src/other.ts", "const usernames = 1; // usernames is another word\n");
    dir.write("src/schema.sql", "select * from Sessions;\n");
    dir.write("node_modules/lib/index.js", "username\n");
    dir.write("README.md", "username\n");
    std::vector<DroppedName> dropped{{model::qualified("users"), "username"},
                                     {model::qualified("sessions"), ""}};
    std::vector<CodeReference> refs = scan_codebase(dir.path(), dropped);
    ASSERT_EQ(refs.size(), 2u);
    EXPECT_EQ(refs[0].file, std::filesystem::path("src/app.py"));
    EXPECT_EQ(refs[0].line, 4);
    EXPECT_EQ(refs[0].name.display(), "users.username");
    EXPECT_EQ(refs[1].file, std::filesystem::path("src/schema.sql"));
    EXPECT_EQ(refs[1].line, 1);
    EXPECT_THROW(scan_codebase(dir.path() / "missing", dropped), InputError);
}

TEST(ExecSync, GeneratedFilesCompile) {
    testing::TempDir dir;
    lang::ProjectConfig config;
    config.file = dir.path() / "qail.toml";
    config.dir = dir.path();
    config.sync.push_back(lang::SyncRule{"products", "products_search", "description", {}, 3});
    config.sync.push_back(lang::SyncRule{"billing.invoices", "invoices", {}, {}, 8});
    SyncMigration m = plan_sync_migration(config, dir.path() / "deltas");
    EXPECT_FALSE(m.up_to_date);
    CompiledDelta expand = compile_delta(m.expand, "expand.qail", Phase::expand);
    CompiledDelta down = compile_delta(m.down, "down.qail", Phase::expand);
    std::string all = expand.sql();
    EXPECT_NE(all.find("CREATE TABLE IF NOT EXISTS public._qail_queue"), std::string::npos) << all;
    EXPECT_NE(all.find("CREATE OR REPLACE FUNCTION _qail_sync_products_notify()"), std::string::npos)
        << all;
    EXPECT_NE(all.find("CREATE TRIGGER qail_sync_products AFTER INSERT OR UPDATE OR DELETE ON "
                       "products"),
              std::string::npos)
        << all;
    EXPECT_NE(all.find("NEW.description IS DISTINCT FROM OLD.description"), std::string::npos);
    EXPECT_NE(all.find("ON billing.invoices"), std::string::npos) << all;
    EXPECT_NE(down.sql().find("DROP TABLE IF EXISTS public._qail_queue"), std::string::npos);

    // bad identifiers are refused at their qail.toml line
    config.sync.push_back(lang::SyncRule{"users; drop table x", "c", {}, {}, 12});
    try {
        plan_sync_migration(config, dir.path() / "deltas");
        FAIL() << "expected an error";
    } catch (const InputError& e) {
        EXPECT_EQ(e.diagnostics()[0].line, 12);
    }
    config.sync.back() = lang::SyncRule{"users", "", {}, {}, 14};
    EXPECT_THROW(plan_sync_migration(config, dir.path() / "deltas"), InputError);
}

} // namespace
} // namespace qail::exec
