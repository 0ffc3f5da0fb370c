// validate(): semantic problems, located at the declaration.

#include <gtest/gtest.h>

#include "lang_test_util.hpp"
#include "support/temp_dir.hpp"

namespace qail::lang {
namespace {

using test::parse_ok;

std::vector<std::string> problems(std::string_view text) {
    std::vector<std::string> out;
    for (const Diagnostic& d : validate(parse_ok(text))) {
        out.push_back(std::to_string(d.line) + ":" + std::to_string(d.column) + " " + d.message);
    }
    return out;
}

::testing::AssertionResult has(const std::vector<std::string>& list, const std::string& wanted) {
    for (const std::string& p : list) {
        if (p.find(wanted) != std::string::npos) {
            return ::testing::AssertionSuccess();
        }
    }
    std::string all;
    for (const std::string& p : list) {
        all += "\n  " + p;
    }
    return ::testing::AssertionFailure() << "no problem matching '" << wanted << "' in:" << all;
}

TEST(LangValidate, ValidSchemasHaveNoProblems) {
    EXPECT_TRUE(problems(R"(
extension btree_gist
schema billing
enum status { a, b }
table users {
  id serial primary_key
  name text not_null
  email text unique
}
table orders {
  id bigint primary_key generated_identity
  user_id integer references users(id)
  status status not_null default 'a'
}
table billing.lines {
  order_id bigint references orders
  n integer
  primary_key (order_id, n)
}
table pairs {
  a integer
  b integer
  foreign_key (b, a) references billing.lines(n, order_id)
}
index idx_orders_user on orders (user_id)
view v $$ select 1 $$
function f(x integer) returns integer language sql $$ select x $$
trigger trg on users after insert execute f
policy p on orders using $$ true $$
grant select on users to app
grant execute on function f(integer) to app
comment on users.name "the name"
comment on function f "overload-free"
rename users.username -> users.name
drop users.legacy confirm
)")
                    .empty());
}

TEST(LangValidate, Duplicates) {
    auto list = problems(R"(
table a {
  x integer
  x text
  constraint c1 check (x > 0)
  constraint c1 check (x < 9)
}
table a {
  y integer
}
index a on b (y)
table b {
  y integer
}
enum e { p }
domain e integer
view b $$ select 1 $$
function f(integer) returns integer language sql $$ select 1 $$
function f(int4) returns integer language sql $$ select 2 $$
)");
    EXPECT_TRUE(has(list, "4:3 duplicate column 'x' in table 'a'"));
    EXPECT_TRUE(has(list, "duplicate constraint name 'c1' in table 'a'"));
    EXPECT_TRUE(has(list, "duplicate table 'a'"));
    EXPECT_TRUE(has(list, "index 'a' has the same name as table 'a'"));
    EXPECT_TRUE(has(list, "view 'b' has the same name as table 'b'"));
    EXPECT_TRUE(has(list, "duplicate type 'e'"));
    EXPECT_TRUE(has(list, "duplicate function f(integer)"));
}

TEST(LangValidate, MissingReferences) {
    auto list = problems(R"(
table t {
  id integer primary_key
  name text
  ref integer references nowhere(id)
  other integer references u(nope)
  foreign_key (missing_col) references u(id)
}
table u {
  id integer primary_key
  code text
}
index i on t (nmae)
index j on ghost (x)
index k on t (id) include (zzz)
trigger tr on ghost after insert execute f
trigger tr2 on t after update of nmae execute f
policy p on ghost using (true)
comment on t.nope "x"
comment on table ghost "x"
grant select on ghost to r
grant execute on function nofunc(integer) to r
sequence s { owned_by t.nope }
rename t.old -> t.new_name
transform 1 -> t.zz
drop t.name confirm
drop table u confirm
)");
    EXPECT_TRUE(has(list, "foreign key references table 'nowhere', which is not declared"));
    EXPECT_TRUE(has(list, "foreign key references column 'nope', which table 'u' does not have"));
    EXPECT_TRUE(has(list, "the foreign key names column 'missing_col', which table 't' does not "
                          "have"));
    EXPECT_TRUE(has(list, "index 'i' names column 'nmae', which table 't' does not have"));
    EXPECT_TRUE(has(list, "index 'j' is on table 'ghost', which is not declared"));
    EXPECT_TRUE(has(list, "index 'k' includes column 'zzz'"));
    EXPECT_TRUE(has(list, "trigger 'tr' is on table 'ghost'"));
    EXPECT_TRUE(has(list, "trigger 'tr2' watches column 'nmae'"));
    EXPECT_TRUE(has(list, "policy 'p' is on table 'ghost'"));
    EXPECT_TRUE(has(list, "comment on column 't.nope', which is not declared"));
    EXPECT_TRUE(has(list, "comment on table 'ghost'"));
    EXPECT_TRUE(has(list, "grant on table 'ghost'"));
    EXPECT_TRUE(has(list, "grant on function nofunc(integer)"));
    EXPECT_TRUE(has(list, "sequence 's' is owned by column 'nope'"));
    EXPECT_TRUE(has(list, "rename: table 't' has no column 'new_name' (the new name)"));
    EXPECT_TRUE(has(list, "transform: table 't' has no column 'zz'"));
    EXPECT_TRUE(has(list, "drop: column 't.name' is still declared"));
    EXPECT_TRUE(has(list, "drop: table 'u' is still declared"));
}

TEST(LangValidate, ForeignKeyTargets) {
    auto list = problems(R"(
table parent {
  a integer
  b integer
  c integer
  primary_key (a, b)
}
table parent_idx {
  x integer
  y integer
}
unique index parent_idx_xy on parent_idx (x, y)
unique index parent_idx_y_partial on parent_idx (y) where y > 0
table child {
  a integer
  b integer
  c integer
  foreign_key (a, b) references parent(a, b)
  foreign_key (b, a) references parent(b, a)
  foreign_key (c) references parent(c)
  foreign_key (a, b) references parent_idx(y, x)
  foreign_key (a) references parent_idx(y)
  foreign_key (a) references parent(a, b)
}
table nopk {
  z integer
}
table child2 {
  z integer references nopk
}
)");
    EXPECT_TRUE(has(list, "foreign key target parent(c) is not a primary key or unique"));
    EXPECT_TRUE(has(list, "foreign key target parent_idx(y) is not a primary key or unique"));
    EXPECT_TRUE(has(list, "foreign key has 1 column(s) but references 2"));
    EXPECT_TRUE(has(list, "references table 'nopk' without columns, but it has no primary key"));
    EXPECT_EQ(list.size(), 4u) << ::testing::PrintToString(list);
}

TEST(LangValidate, ColumnRules) {
    auto list = problems(R"(
table t {
  a text generated_identity
  b integer default 1 generated_by_default_identity
  c integer default 1 generated_stored(a)
  d json primary_key
  e integr
  f citext
  g vector(3)
}
)");
    EXPECT_TRUE(has(list, "identity column 'a' must be smallint, integer or bigint, not text"));
    EXPECT_TRUE(has(list, "column 'b' has both a default and an identity"));
    EXPECT_TRUE(has(list, "generated column 'c' cannot have a default or an identity"));
    EXPECT_TRUE(has(list, "column 'd' of type json cannot be part of a primary key"));
    EXPECT_TRUE(has(list, "unknown type 'integr'"));
    EXPECT_FALSE(has(list, "citext"));
    EXPECT_FALSE(has(list, "vector"));
}

TEST(LangValidate, MisspeltColumnsInExpressions) {
    auto list = problems(R"(
table t {
  quantity integer check(quantitty > 0)
  price numeric check(price >= 0 and extract(year from now()) > 2000)
  status text check(status = ANY (ARRAY['a'::text, 'b'::text]))
  total numeric generated_stored(quantity * prise)
  d date check(d > date '2020-01-01' and d::text <> '' and CAST(d AS text) <> 'x')
  ts timestamptz check((ts AT TIME ZONE 'UTC') > '2020-01-01')
  n text check(n COLLATE "C" > 'a' and lower(n) <> 'x' and t.n <> '')
}
index i on t (status) where stauts <> 'b'
)");
    EXPECT_TRUE(has(list, "the check mentions 'quantitty', which table 't' does not have"));
    EXPECT_TRUE(has(list, "the generated column mentions 'prise'"));
    EXPECT_TRUE(has(list, "the index predicate mentions 'stauts'"));
    EXPECT_EQ(list.size(), 3u) << ::testing::PrintToString(list);
}

TEST(LangValidate, SchemasAndPartitions) {
    auto list = problems(R"(
table billing.invoices {
  id integer
}
table events {
  id integer
}
partition events_1 of events for values in (1)
partition orphans_1 of orphans default
)");
    EXPECT_TRUE(has(list, "table 'billing.invoices' is in schema 'billing', which is not declared"));
    EXPECT_TRUE(has(list, "table 'events' is not partitioned"));
    EXPECT_TRUE(has(list, "partition 'orphans_1' is of table 'orphans', which is not declared"));
}

TEST(LangValidate, LocatedWithSourceLineThroughLoadSchema) {
    testing::TempDir dir;
    dir.write("s.qail", "table t {\n  id integer\n}\nindex i on t (nmae)\n");
    try {
        load_schema(dir.path() / "s.qail");
        FAIL() << "expected a validation error";
    } catch (const InputError& e) {
        std::string text = e.render();
        EXPECT_NE(text.find("s.qail:4:7: error: index 'i' names column 'nmae', which table 't' "
                            "does not have"),
                  std::string::npos)
            << text;
        EXPECT_NE(text.find("4 | index i on t (nmae)"), std::string::npos) << text;
    }
}

} // namespace
} // namespace qail::lang
