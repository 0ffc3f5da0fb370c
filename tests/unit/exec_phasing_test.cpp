// The phase splitter (exec/phasing): what lands in expand, backfill and
// contract, and that the written files compile back to the same steps.

#include <gtest/gtest.h>

#include <qail/exec/delta.hpp>
#include <qail/exec/phasing.hpp>

#include "unit/lang_test_util.hpp"

namespace qail::exec {
namespace {

using qail::lang::test::parse_ok;

bool any_sql(const std::vector<PhasedStep>& steps, std::string_view needle) {
    for (const PhasedStep& s : steps) {
        if (s.step.sql.find(needle) != std::string::npos) {
            return true;
        }
    }
    return false;
}

TEST(ExecPhasing, NewNotNullColumnGetsAFillDefaultABackfillAndAValidatedCheck) {
    model::Schema from = parse_ok("table t {\n  id bigint primary_key\n}\n");
    model::Schema to =
        parse_ok("table t {\n  id bigint primary_key\n  flag boolean not_null\n}\n");
    PhasedPlan p = plan_phases(from, to);
    EXPECT_TRUE(any_sql(p.expand, "ADD COLUMN flag BOOLEAN"));
    EXPECT_FALSE(any_sql(p.expand, "NOT NULL"));
    EXPECT_TRUE(any_sql(p.expand, "SET DEFAULT false"));
    ASSERT_EQ(p.backfill.size(), 1u);
    ASSERT_TRUE(p.backfill[0].backfill.has_value());
    EXPECT_EQ(p.backfill[0].backfill->set, "flag = false");
    EXPECT_TRUE(any_sql(p.contract, "VALIDATE CONSTRAINT"));
    EXPECT_TRUE(any_sql(p.contract, "SET NOT NULL"));
    EXPECT_TRUE(any_sql(p.contract, "DROP DEFAULT"));
    // the check added in contract is validated after it is added, each in
    // its own transaction: the scan never runs under ACCESS EXCLUSIVE
    ASSERT_GE(p.contract.size(), 4u);
    EXPECT_EQ(p.contract[0].step.kind, plan::StepKind::add_constraint);
    EXPECT_TRUE(p.contract[0].step.outside_transaction);
    EXPECT_EQ(p.contract[1].step.kind, plan::StepKind::validate_constraint);
    EXPECT_TRUE(p.contract[1].step.outside_transaction);
    EXPECT_EQ(p.contract[2].step.kind, plan::StepKind::set_not_null);
    EXPECT_FALSE(p.contract[2].step.outside_transaction);
    // and the written contract file keeps them apart
    auto files = phased_files(p, "20260101000000_flag", "a.qail", "b.qail");
    for (const auto& [name, text] : files) {
        if (name != "contract.qail") {
            continue;
        }
        CompiledDelta d = compile_delta(text, name, plan::Phase::contract);
        ASSERT_EQ(d.steps.size(), p.contract.size()) << text;
        for (size_t i = 0; i < d.steps.size(); ++i) {
            EXPECT_EQ(d.steps[i].step.outside_transaction, p.contract[i].step.outside_transaction)
                << i << "\n" << text;
        }
    }
    EXPECT_TRUE(any_sql(p.down_expand, "DROP COLUMN IF EXISTS flag"));
    EXPECT_EQ(p.notes.size(), 1u);
}

TEST(ExecPhasing, ConstraintsOnExistingColumnsAreNotValidInExpandAndValidatedFirstInContract) {
    model::Schema from = parse_ok("table o {\n  id integer primary_key\n}\n"
                                  "table t {\n  id bigint primary_key\n  o_id integer\n"
                                  "  b integer\n}\n");
    model::Schema to = parse_ok("table o {\n  id integer primary_key\n}\n"
                                "table t {\n  id bigint primary_key\n"
                                "  o_id integer references o(id)\n  b integer not_null\n}\n"
                                "index idx_t_b on t (b)\n");
    PhasedPlan p = plan_phases(from, to);
    EXPECT_TRUE(any_sql(p.expand, "FOREIGN KEY (o_id) REFERENCES o (id) NOT VALID"));
    EXPECT_TRUE(any_sql(p.expand, "CHECK (b IS NOT NULL) NOT VALID"));
    EXPECT_TRUE(any_sql(p.expand, "CREATE INDEX CONCURRENTLY idx_t_b"));
    ASSERT_GE(p.contract.size(), 3u);
    // both VALIDATEs run before the first ACCESS EXCLUSIVE step, each alone
    EXPECT_EQ(p.contract[0].step.kind, plan::StepKind::validate_constraint);
    EXPECT_EQ(p.contract[1].step.kind, plan::StepKind::validate_constraint);
    EXPECT_TRUE(p.contract[0].step.outside_transaction);
    EXPECT_TRUE(p.contract[1].step.outside_transaction);
    EXPECT_TRUE(p.backfill.empty());
}

TEST(ExecPhasing, WrittenFilesCompileBackToTheSameSteps) {
    model::Schema from = parse_ok("table users {\n  id serial primary_key\n"
                                  "  username text not_null unique\n}\n");
    model::Schema to = parse_ok("table users {\n  id serial primary_key\n"
                                "  name text not_null unique\n}\n"
                                "rename users.username -> users.name\n");
    PhasedPlan p = plan_phases(from, to);
    EXPECT_TRUE(any_sql(p.expand, "CREATE UNIQUE INDEX CONCURRENTLY users_name_key_qail"));
    EXPECT_TRUE(any_sql(p.contract, "UNIQUE USING INDEX users_name_key_qail"));
    EXPECT_TRUE(any_sql(p.down_contract, "ADD CONSTRAINT users_username_key UNIQUE (username)"));
    auto files = phased_files(p, "20260101000000_rn", "a.qail", "b.qail");
    for (const auto& [name, text] : files) {
        plan::Phase phase = name == "backfill.qail" ? plan::Phase::backfill
                            : name == "expand.qail" ? plan::Phase::expand
                                                    : plan::Phase::contract;
        CompiledDelta d = compile_delta(text, name, phase);
        size_t expected = name == "expand.qail"     ? p.expand.size()
                          : name == "backfill.qail" ? p.backfill.size()
                          : name == "contract.qail" ? p.contract.size()
                          : name == "down.expand.qail"
                              ? p.down_expand.size()
                          : name == "down.contract.qail"
                              ? p.down_contract.size()
                          : name == "down.backfill.qail"
                              ? p.down_backfill.size()
                              : p.down_expand.size() + p.down_backfill.size() +
                                    p.down_contract.size();
        EXPECT_EQ(d.steps.size(), expected) << name << "\n" << text;
    }
}

TEST(ExecPhasing, SqlAloneBlockStepsLeaveTheFileTransaction) {
    CompiledDelta d = compile_delta("sql $$ ALTER TABLE t ADD CONSTRAINT c CHECK (x > 0) NOT VALID $$\n"
                                    "sql alone $$\nALTER TABLE t VALIDATE CONSTRAINT c;\n"
                                    "ALTER TABLE u VALIDATE CONSTRAINT d\n$$\n"
                                    "sql $$ ALTER TABLE t ALTER COLUMN x SET NOT NULL $$\n",
                                    "contract.qail", plan::Phase::contract);
    ASSERT_EQ(d.steps.size(), 4u);
    EXPECT_FALSE(d.steps[0].step.outside_transaction);
    EXPECT_TRUE(d.steps[1].step.outside_transaction);
    EXPECT_TRUE(d.steps[2].step.outside_transaction);
    EXPECT_FALSE(d.steps[3].step.outside_transaction);
    EXPECT_THROW(compile_delta("sql alone\n", "x.qail", plan::Phase::contract), InputError);
}

TEST(ExecPhasing, TypeChangeThatRewritesGoesThroughASecondColumn) {
    model::Schema from = parse_ok("table t {\n  id bigint primary_key\n  n integer not_null\n"
                                  "  s varchar(10)\n}\nindex idx_t_n on t (n)\n");
    model::Schema to = parse_ok("table t {\n  id bigint primary_key\n  n bigint not_null\n"
                                "  s varchar(20)\n}\nindex idx_t_n on t (n)\n");
    PhasedPlan p = plan_phases(from, to);
    // a longer varchar is catalog-only: in place
    EXPECT_TRUE(any_sql(p.expand, "ALTER COLUMN s TYPE"));
    // integer -> bigint rewrites: a second column, a trigger, a backfill, a swap
    EXPECT_FALSE(any_sql(p.expand, "ALTER COLUMN n TYPE"));
    EXPECT_FALSE(any_sql(p.contract, "ALTER COLUMN n TYPE"));
    EXPECT_TRUE(any_sql(p.expand, "ADD COLUMN n_qail_new BIGINT"));
    EXPECT_TRUE(any_sql(p.expand, "CREATE INDEX CONCURRENTLY idx_t_n_qail ON t (n_qail_new)"));
    EXPECT_TRUE(any_sql(p.expand, "CREATE TRIGGER"));
    ASSERT_EQ(p.backfill.size(), 1u);
    EXPECT_EQ(p.backfill[0].backfill->set, "n_qail_new = CAST(n AS BIGINT)");
    EXPECT_TRUE(any_sql(p.contract, "VALIDATE CONSTRAINT t_n_qail_new_not_null"));
    EXPECT_TRUE(any_sql(p.contract, "RENAME COLUMN n_qail_new TO n"));
    EXPECT_TRUE(any_sql(p.contract, "ALTER INDEX idx_t_n_qail RENAME TO idx_t_n"));
    EXPECT_TRUE(any_sql(p.down_contract, "RENAME COLUMN n TO n_qail_new"));
    EXPECT_TRUE(any_sql(p.down_contract, "CREATE INDEX idx_t_n ON t (n)"));
    // the contract file keeps no codebase guard on n: the name lives on
    for (const auto& [name, text] : phased_files(p, "20260101000000_n", "a.qail", "b.qail")) {
        if (name == "contract.qail") {
            CompiledDelta d = compile_delta(text, name, plan::Phase::contract);
            EXPECT_TRUE(d.dropped.empty()) << text;
        }
    }
}

size_t index_of(const std::vector<PhasedStep>& steps, std::string_view needle) {
    for (size_t i = 0; i < steps.size(); ++i) {
        if (steps[i].step.sql.find(needle) != std::string::npos) {
            return i;
        }
    }
    return steps.size();
}

TEST(ExecPhasing, PrimaryKeyTypeChangeGoesThroughASecondColumnAndAnIndexSwap) {
    model::Schema from = parse_ok("table users {\n  id integer primary_key\n  name text\n}\n"
                                  "table orders {\n  id integer primary_key\n"
                                  "  user_id integer references users(id)\n}\n");
    model::Schema to = parse_ok("table users {\n  id bigint primary_key\n  name text\n}\n"
                                "table orders {\n  id integer primary_key\n"
                                "  user_id bigint references users(id)\n}\n");
    PhasedPlan p = plan_phases(from, to);
    EXPECT_FALSE(any_sql(p.expand, " TYPE "));
    EXPECT_FALSE(any_sql(p.contract, " TYPE "));
    EXPECT_TRUE(any_sql(p.expand, "ALTER TABLE users ADD COLUMN id_qail_new BIGINT"));
    EXPECT_TRUE(any_sql(p.expand, "CREATE TRIGGER users_id_retype_qail_sync"));
    EXPECT_TRUE(any_sql(p.backfill, "UPDATE users SET id_qail_new = CAST(id AS BIGINT)"));
    // contract: the index first (alone), the NOT NULL proof, then one transaction
    const std::vector<PhasedStep>& c = p.contract;
    size_t build = index_of(c, "CREATE UNIQUE INDEX CONCURRENTLY users_id_qail_new_key ON users "
                               "(id_qail_new)");
    size_t validate_check = index_of(c, "VALIDATE CONSTRAINT users_id_qail_new_not_null");
    size_t drop_fk = index_of(c, "ALTER TABLE IF EXISTS orders DROP CONSTRAINT IF EXISTS orders_user_id_fkey");
    size_t drop_pk = index_of(c, "ALTER TABLE users DROP CONSTRAINT users_pkey");
    size_t swap = index_of(c, "ALTER TABLE users ADD CONSTRAINT users_pkey PRIMARY KEY USING INDEX "
                              "users_id_qail_new_key");
    size_t drop_old = index_of(c, "ALTER TABLE users DROP COLUMN id");
    size_t rename = index_of(c, "ALTER TABLE users RENAME COLUMN id_qail_new TO id");
    size_t readd = index_of(c, "ALTER TABLE orders ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY "
                               "(user_id) REFERENCES users (id) NOT VALID");
    size_t validate_fk = index_of(c, "ALTER TABLE orders VALIDATE CONSTRAINT orders_user_id_fkey");
    ASSERT_LT(validate_fk, c.size());
    EXPECT_LT(build, validate_check);
    EXPECT_LT(validate_check, drop_fk);
    EXPECT_LT(drop_fk, drop_pk);
    EXPECT_LT(drop_pk, swap);
    EXPECT_LT(swap, drop_old);
    EXPECT_LT(drop_old, rename);
    EXPECT_LT(rename, readd);
    EXPECT_EQ(validate_fk, c.size() - 1);
    EXPECT_TRUE(c[build].step.outside_transaction);
    EXPECT_TRUE(c[validate_fk].step.outside_transaction);
    // from the NOT NULL proof's SET NOT NULL to the foreign key's re-add: one transaction
    size_t set_not_null = index_of(c, "ALTER COLUMN id_qail_new SET NOT NULL");
    for (size_t i = set_not_null; i <= readd; ++i) {
        EXPECT_FALSE(c[i].step.outside_transaction) << c[i].step.sql;
    }
    // the referencing column's own retype does not build a foreign key of its own
    EXPECT_FALSE(any_sql(c, "orders_user_id_fkey_qail"));
    // undo: the key back on the old column, the foreign key back last
    const std::vector<PhasedStep>& d = p.down_contract;
    EXPECT_EQ(index_of(d, "ALTER TABLE IF EXISTS orders DROP CONSTRAINT IF EXISTS orders_user_id_fkey"), 0u);
    size_t restore_pk = index_of(d, "ALTER TABLE users ADD CONSTRAINT users_pkey PRIMARY KEY (id)");
    EXPECT_LT(index_of(d, "ALTER TABLE users ALTER COLUMN id SET NOT NULL"), restore_pk);
    EXPECT_LT(restore_pk, d.size());
    EXPECT_EQ(index_of(d, "ALTER TABLE orders ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY"),
              d.size() - 1);
    // and the written contract file keeps the steps apart as planned
    for (const auto& [name, text] : phased_files(p, "20260101000000_keys", "a.qail", "b.qail")) {
        if (name != "contract.qail") {
            continue;
        }
        CompiledDelta compiled = compile_delta(text, name, plan::Phase::contract);
        ASSERT_EQ(compiled.steps.size(), c.size()) << text;
        for (size_t i = 0; i < c.size(); ++i) {
            EXPECT_EQ(compiled.steps[i].step.outside_transaction, c[i].step.outside_transaction)
                << i << "\n" << text;
        }
    }
}

TEST(ExecPhasing, SerialKeyTypeChangeMovesTheSequenceToTheNewColumn) {
    model::Schema from = parse_ok("table t {\n  id serial primary_key\n}\n");
    model::Schema to = parse_ok("table t {\n  id bigserial primary_key\n}\n");
    PhasedPlan p = plan_phases(from, to);
    EXPECT_TRUE(any_sql(p.expand, "ADD COLUMN id_qail_new BIGINT"));
    EXPECT_FALSE(any_sql(p.expand, "bigserial"));
    EXPECT_FALSE(any_sql(p.expand, "ALTER SEQUENCE"));
    size_t owned = index_of(p.contract, "ALTER SEQUENCE t_id_seq OWNED BY t.id_qail_new");
    size_t drop_old = index_of(p.contract, "ALTER TABLE t DROP COLUMN id");
    EXPECT_LT(index_of(p.contract, "ALTER SEQUENCE t_id_seq AS BIGINT"), owned);
    EXPECT_LT(owned, drop_old);
    EXPECT_LT(index_of(p.contract, "ALTER COLUMN id_qail_new SET DEFAULT nextval('t_id_seq'"),
              drop_old);
    EXPECT_LT(drop_old, p.contract.size());
    EXPECT_TRUE(any_sql(p.down_contract, "ALTER SEQUENCE t_id_seq OWNED BY t.id"));
    EXPECT_TRUE(any_sql(p.down_contract, "ALTER SEQUENCE t_id_seq AS INTEGER"));
}

TEST(ExecPhasing, CompositeOrIdentityKeyTypeChangeStaysInPlaceInContractAndSaysWhy) {
    struct Case {
        const char* from;
        const char* to;
        const char* why;
    };
    for (const Case& k :
         {Case{"table t {\n  a integer primary_key\n  b integer primary_key\n}\n",
               "table t {\n  a bigint primary_key\n  b integer primary_key\n}\n",
               "composite primary key"},
          Case{"table t {\n  id integer primary_key generated_identity\n}\n",
               "table t {\n  id bigint primary_key generated_identity\n}\n", "identity"}}) {
        PhasedPlan p = plan_phases(parse_ok(k.from), parse_ok(k.to));
        EXPECT_FALSE(any_sql(p.expand, " TYPE BIGINT")) << k.from;
        EXPECT_FALSE(any_sql(p.expand, "qail_new")) << k.from;
        EXPECT_TRUE(any_sql(p.contract, " TYPE BIGINT")) << k.from;
        bool said = false;
        for (const std::string& note : p.notes) {
            said = said || (note.find("ACCESS EXCLUSIVE") != std::string::npos &&
                            note.find(k.why) != std::string::npos);
        }
        EXPECT_TRUE(said) << k.from;
    }
}

TEST(ExecPhasing, BackfillFileMayHoldSeveralBackfills) {
    CompiledDelta d = compile_delta("-- @backfill.table: a\n-- @backfill.set: x = 1\n\n"
                                    "-- @backfill.table: b\n-- @backfill.set: y = 2\n"
                                    "-- @backfill.where: y IS NULL\n",
                                    "backfill.qail", plan::Phase::backfill);
    ASSERT_EQ(d.steps.size(), 2u);
    EXPECT_EQ(d.steps[0].backfill->table.name, "a");
    EXPECT_FALSE(d.steps[0].backfill->where.has_value());
    EXPECT_EQ(d.steps[1].backfill->table.name, "b");
    EXPECT_EQ(d.steps[1].backfill->where.value_or(""), "y IS NULL");
}

TEST(ExecPhasing, FillValuesByType) {
    EXPECT_EQ(fill_value_for_type("timestamp without time zone").value_or(""), "now()");
    EXPECT_EQ(fill_value_for_type("integer").value_or(""), "0");
    EXPECT_EQ(fill_value_for_type("character varying(20)").value_or(""), "''");
    EXPECT_EQ(fill_value_for_type("text[]").value_or(""), "'{}'");
    EXPECT_FALSE(fill_value_for_type("tsvector").has_value());
}

} // namespace
} // namespace qail::exec
