#include <gtest/gtest.h>

#include <qail/sql/normalize.hpp>
#include <qail/sql/text.hpp>

namespace qail::sql {
namespace {

TEST(SqlText, RenderTypeShortUpperCase) {
    EXPECT_EQ(render_type("integer"), "INTEGER");
    EXPECT_EQ(render_type("timestamp without time zone"), "TIMESTAMP");
    EXPECT_EQ(render_type("timestamp(3) with time zone"), "TIMESTAMPTZ(3)");
    EXPECT_EQ(render_type("character varying(20)"), "VARCHAR(20)");
    EXPECT_EQ(render_type("character varying(20)[]"), "VARCHAR(20)[]");
    EXPECT_EQ(render_type("numeric(12,2)"), "NUMERIC(12,2)");
    EXPECT_EQ(render_type("double precision"), "DOUBLE PRECISION");
    EXPECT_EQ(render_type("text[]"), "TEXT[]");
    EXPECT_EQ(render_type("interval day to second"), "INTERVAL DAY TO SECOND");
    EXPECT_EQ(render_type("citext"), "citext");
    EXPECT_EQ(render_type("billing.money"), "billing.money");
    EXPECT_EQ(render_type("\"MyType\""), "\"MyType\"");
    EXPECT_EQ(render_type("vector(1536)"), "vector(1536)");
}

TEST(SqlText, DollarQuoteAvoidsTheBody) {
    EXPECT_EQ(dollar_quote("SELECT 1"), "$$SELECT 1$$");
    EXPECT_EQ(dollar_quote("SELECT '$$'"), "$qail$SELECT '$$'$qail$");
}

TEST(SqlText, ReferencedNames) {
    auto refs = referenced_names("SELECT u.id, f(x) FROM billing.invoices i JOIN \"Users\" u "
                                 "ON nextval('s.seq'::regclass) > 0 -- t9\n WHERE 'lit' = $$a$$");
    auto has = [&](std::string schema, std::string name, bool call) {
        return std::find(refs.begin(), refs.end(), NameRef{schema, name, call}) != refs.end();
    };
    EXPECT_TRUE(has("billing", "invoices", false));
    EXPECT_TRUE(has("", "Users", false));
    EXPECT_TRUE(has("", "f", true));
    EXPECT_TRUE(has("s", "seq", false));
    EXPECT_FALSE(has("", "t9", false));
    EXPECT_FALSE(has("", "lit", false));
    EXPECT_FALSE(has("", "a", false));
}

TEST(SqlNormalize, ExpressionKeysIgnoreSpellingNotMeaning) {
    EXPECT_EQ(expression_key("now()"), expression_key("NOW( )"));
    EXPECT_EQ(expression_key("(a > 0)"), expression_key("a>0"));
    EXPECT_NE(expression_key("a > 0"), expression_key("a >= 0"));
    EXPECT_FALSE(expression_key("a >").has_value());
}

TEST(SqlNormalize, SelectColumns) {
    auto cols = select_columns(" SELECT t.id,\n    t.name AS label, count(*) FROM t GROUP BY 1, 2");
    ASSERT_TRUE(cols.has_value());
    ASSERT_EQ(cols->size(), 3u);
    EXPECT_EQ((*cols)[0].name, "id");
    EXPECT_EQ((*cols)[1].name, "label");
    EXPECT_EQ((*cols)[2].name, "count");
    EXPECT_FALSE(select_columns("SELECT * FROM t").has_value());
    EXPECT_FALSE(select_columns("SELECT 1 UNION SELECT 2").has_value());
    EXPECT_EQ(select_columns("SELECT a FROM t")->front().expression_key,
              select_columns("SELECT  a  FROM u WHERE x")->front().expression_key);
}

TEST(SqlNormalize, SplitStatements) {
    auto parts = split_statements("CREATE TABLE a (x int); SELECT $$;$$; SELECT 2");
    ASSERT_EQ(parts.size(), 3u);
    EXPECT_EQ(parts[1], " SELECT $$;$$");
}

} // namespace
} // namespace qail::sql
