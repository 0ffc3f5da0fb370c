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

TEST(ExecPhasing, KeyColumnTypeChangeStaysInPlace) {
    model::Schema from = parse_ok("table t {\n  id integer primary_key\n}\n");
    model::Schema to = parse_ok("table t {\n  id bigint primary_key\n}\n");
    PhasedPlan p = plan_phases(from, to);
    EXPECT_TRUE(any_sql(p.expand, "ALTER COLUMN id TYPE BIGINT") ||
                any_sql(p.contract, "ALTER COLUMN id TYPE BIGINT"));
    EXPECT_FALSE(any_sql(p.expand, "qail_new"));
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
