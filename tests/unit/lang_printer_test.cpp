// The canonical printer: exact text for the decisions it makes (names,
// placement, quoting, escapes), and print_split's layout.

#include <gtest/gtest.h>

#include "lang_test_util.hpp"

namespace qail::lang {
namespace {

using test::parse_ok;
using test::round_trips;

std::string fmt(std::string_view text) {
    return print_schema(parse_ok(text));
}

TEST(LangPrinter, SeedV2) {
    EXPECT_EQ(fmt("table users {\nid serial primary_key\nname text not_null # was 'username'\n"
                  "email text unique\ncreated_at timestamp not_null\n}\n"
                  "rename users.username -> users.name\n"),
              "table users {\n"
              "  id serial primary_key\n"
              "  name text not_null  # was 'username'\n"
              "  email text unique\n"
              "  created_at timestamp without time zone not_null\n"
              "}\n"
              "\n"
              "rename users.username -> users.name\n");
}

TEST(LangPrinter, ConstraintNamesOnlyWhenNotTheDefault) {
    // explicit default names are dropped; others kept
    EXPECT_EQ(fmt("table t {\n  a integer\n  constraint t_pkey primary_key (a)\n"
                  "  constraint t_a_key unique (a)\n  constraint custom unique (a)\n"
                  "  constraint t_a_check check (a > 0)\n}\n"),
              "table t {\n"
              "  a integer primary_key unique check(a > 0)\n"
              "  constraint custom unique (a)\n"
              "}\n");
    // two unnamed uniques on one column: t_a_key and t_a_key1, both implied
    model::Schema twice = parse_ok("table t {\n  a integer unique unique\n}\n");
    ASSERT_EQ(twice.tables[0].uniques.size(), 2u);
    EXPECT_EQ(twice.tables[0].uniques[0].name, "t_a_key");
    EXPECT_EQ(twice.tables[0].uniques[1].name, "t_a_key1");
    EXPECT_EQ(print_schema(twice), "table t {\n  a integer unique unique\n}\n");
    // a suffixed name that would not come back by itself is spelled out
    EXPECT_EQ(fmt("table t {\n  a integer\n  constraint t_a_key1 unique (a)\n}\n"),
              "table t {\n  a integer\n  constraint t_a_key1 unique (a)\n}\n");
    // a check name that is not the default
    EXPECT_EQ(fmt("table t {\n  a integer check(a > 0) check_name positive\n}\n"),
              "table t {\n  a integer check(a > 0) check_name positive\n}\n");
    // names taken by an index move the default along, as PostgreSQL does
    std::string text = "table t {\n  a integer unique\n}\n\nindex t_a_key on t (a)\n";
    model::Schema s = parse_ok(text);
    EXPECT_EQ(s.tables[0].uniques[0].name, "t_a_key1");
    EXPECT_EQ(print_schema(s), text);
}

TEST(LangPrinter, PlacementOfConstraints) {
    EXPECT_EQ(fmt("table t {\n  a integer\n  b integer\n  primary_key (a, b)\n"
                  "  check (a < b)\n  unique (a, b)\n  foreign_key (a) references u(x)\n"
                  "  foreign_key (a, b) references u(x, y) on_delete cascade\n}\n"),
              "table t {\n"
              "  a integer references u(x)\n"
              "  b integer\n"
              "  primary_key (a, b)\n"
              "  unique (a, b)\n"
              "  check (a < b)\n"
              "  foreign_key (a, b) references u(x, y) on_delete cascade\n"
              "}\n");
}

TEST(LangPrinter, QuotesOnlyWhereNeeded) {
    EXPECT_EQ(fmt("table \"User\" {\n  \"check\" text\n  \"primary_key\" text\n  plain text\n"
                  "  \"select\" integer\n  \"ünï\" text\n  \"a b\" text\n}\n"),
              "table \"User\" {\n"
              "  \"check\" text\n"
              "  \"primary_key\" text\n"
              "  plain text\n"
              "  \"select\" integer\n"
              "  \"ünï\" text\n"
              "  \"a b\" text\n"
              "}\n");
}

TEST(LangPrinter, RawExpressionsThatNeedTheEscape) {
    model::Schema s;
    model::Table t;
    t.name = model::qualified("t");
    auto column = [&](const char* name, const char* def) {
        model::Column c;
        c.name = name;
        c.type = "text";
        c.default_expr = def;
        t.columns.push_back(c);
    };
    column("a", "'plain # string'");
    column("b", "1 # 2");
    column("c", "x unique y");
    column("d", "1 +\n2");
    column("e", "`tick`");
    column("f", "(1 +\n2)");
    s.tables.push_back(t);
    model::normalize(s);
    EXPECT_EQ(print_schema(s), "table t {\n"
                               "  a text default 'plain # string'\n"
                               "  b text default `1 # 2`\n"
                               "  c text default `x unique y`\n"
                               "  d text default `1 +\n2`\n"
                               "  e text default ```tick```\n"
                               "  f text default (1 +\n2)\n"
                               "}\n");
    EXPECT_TRUE(round_trips(s));
}

TEST(LangPrinter, DollarQuotesAvoidTheBody) {
    std::string text = "view v $q$select $$x$$$q$\n";
    model::Schema s = parse_ok(text);
    EXPECT_EQ(s.views[0].definition, "select $$x$$");
    EXPECT_EQ(print_schema(s), text);
    model::Schema t = parse_ok("view w $a$select '$q$' || $$y$$$a$\n");
    EXPECT_EQ(print_schema(t), "view w $q1$select '$q$' || $$y$$$q1$\n");
}

TEST(LangPrinter, CanonicalStatementOrder) {
    std::string printed = fmt(R"(
drop t.old confirm
comment on t "c"
grant select on t to r
policy p on t using (true)
trigger tg on t after insert execute f
function f() returns trigger language plpgsql $$ begin return null; end $$
view v $$ select 1 $$
index i on t (a)
table t {
  a integer
}
sequence s
enum e { x }
schema s2
extension pgcrypto
)");
    std::vector<std::string> order = {"extension", "schema", "enum", "sequence", "table",
                                      "index",     "view",   "function", "trigger", "policy",
                                      "grant",     "comment", "drop"};
    size_t at = 0;
    for (const std::string& word : order) {
        size_t found = printed.find("\n" + word + " ", at == 0 ? 0 : at);
        if (word == "extension") {
            found = printed.rfind(word, 0) == 0 ? 0 : std::string::npos;
        }
        ASSERT_NE(found, std::string::npos) << word << " missing or out of order in\n" << printed;
        at = found;
    }
}

TEST(LangPrinter, CommentsMoveWithTheirStatement) {
    std::string text = "# file header\n\n"
                       "# the b table\ntable b {\n  # the id\n  id integer  # trailing\n"
                       "  # before the end\n}\n\n"
                       "# the a table\ntable a {\n  x integer\n}\n"
                       "# at the end\n";
    EXPECT_EQ(fmt(text), "# file header\n\n"
                         "# the a table\ntable a {\n  x integer\n}\n\n"
                         "# the b table\ntable b {\n  # the id\n  id integer  # trailing\n"
                         "  # before the end\n}\n\n"
                         "# at the end\n");
}

TEST(LangPrinter, SplitLayout) {
    model::Schema s = parse_ok(R"(
extension pgcrypto
schema billing
table users {
  id integer primary_key
}
table billing.invoices {
  id integer primary_key
  user_id integer references users(id)
}
index idx_inv on billing.invoices (user_id)
comment on users.id "key"
grant select on billing.invoices to app
view v $$ select 1 $$
rename users.uid -> users.id
)");
    std::map<std::string, std::string> files = print_split(s);
    std::vector<std::string> names;
    for (const auto& [name, text] : files) {
        names.push_back(name);
    }
    EXPECT_EQ(names, (std::vector<std::string>{"_order.qail", "globals.qail", "hints.qail",
                                                "tables/billing/invoices.qail",
                                                "tables/public/users.qail", "views.qail"}));
    EXPECT_EQ(files["_order.qail"], "-- qail: strict-manifest\n# Load order (tables in name order)\n"
                                    "globals.qail\ntables/billing/invoices.qail\n"
                                    "tables/public/users.qail\nviews.qail\nhints.qail\n");
    EXPECT_NE(files["tables/billing/invoices.qail"].find("index idx_inv"), std::string::npos);
    EXPECT_NE(files["tables/billing/invoices.qail"].find("grant select"), std::string::npos);
    EXPECT_NE(files["tables/public/users.qail"].find("comment on column users.id"),
              std::string::npos);
    EXPECT_NE(files["globals.qail"].find("extension pgcrypto"), std::string::npos);
}

} // namespace
} // namespace qail::lang
