// The pieces of catalog text introspection reads: array literals, ACL items,
// index and constraint definitions, trigger clauses, function bodies.

#include <gtest/gtest.h>

#include <qail/introspect/catalog_text.hpp>

namespace qail::introspect::text {
namespace {

TEST(IntrospectText, ArrayLiterals) {
    EXPECT_EQ(parse_array("{a,b}"), (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(parse_array(R"({"a b","c,d","e\"f",NULL})"),
              (std::vector<std::string>{"a b", "c,d", "e\"f", ""}));
    EXPECT_TRUE(parse_array("{}").empty());
    EXPECT_TRUE(parse_array("").empty());
}

TEST(IntrospectText, AclItems) {
    auto item = parse_acl_item("app_user=r*w/postgres");
    ASSERT_TRUE(item);
    EXPECT_EQ(item->grantee, "app_user");
    EXPECT_EQ(item->privileges, "rw");
    EXPECT_EQ(item->grantable, "r");
    auto pub = parse_acl_item("=X/owner");
    ASSERT_TRUE(pub);
    EXPECT_EQ(pub->grantee, "PUBLIC");
    auto quoted = parse_acl_item(R"("My ""User"""=U/postgres)");
    ASSERT_TRUE(quoted);
    EXPECT_EQ(quoted->grantee, "My \"User\"");
    EXPECT_EQ(privilege_name('D'), "TRUNCATE");
    EXPECT_FALSE(parse_acl_item("garbage"));
}

TEST(IntrospectText, IndexElementsAndSuffixes) {
    auto elements = index_definition_elements(
        "CREATE INDEX i ON public.t USING btree (lower(a, ','), b DESC NULLS LAST) INCLUDE (c) "
        "WHERE (a > 1)",
        "btree");
    EXPECT_EQ(elements, (std::vector<std::string>{"lower(a, ',')", "b DESC NULLS LAST"}));
    ElementSuffix s = parse_element_suffix(" COLLATE \"C\" text_pattern_ops DESC NULLS LAST");
    EXPECT_EQ(s.collation, "C");
    EXPECT_EQ(s.opclass, "text_pattern_ops");
    EXPECT_TRUE(s.descending);
    EXPECT_EQ(s.nulls_first, false);
    ElementSuffix p = parse_element_suffix(" gist_trgm_ops (siglen='32')");
    EXPECT_EQ(p.opclass, "gist_trgm_ops");
    EXPECT_EQ(p.opclass_params, "(siglen='32')");
    EXPECT_EQ(identifier_length("\"a \"\"b\" DESC"), 7u);
    EXPECT_EQ(identifier_length("name text_ops"), 4u);
    EXPECT_EQ(index_key_text("lower(b)"), "lower(b)");
    EXPECT_EQ(index_key_text("COALESCE(a, 0)"), "COALESCE(a, 0)");
    EXPECT_EQ(index_key_text("(a + c)"), "((a + c))");
    EXPECT_EQ(index_key_text("lower(a) || b"), "(lower(a) || b)");
    EXPECT_EQ(index_key_text("(b)::character varying"), "((b)::character varying)");
    ElementSuffix none = parse_element_suffix("");
    EXPECT_FALSE(none.opclass);
    EXPECT_FALSE(none.descending);
}

TEST(IntrospectText, ConstraintTriggerAndFunctionText) {
    EXPECT_EQ(check_expression("CHECK ((a > 0)) NOT VALID"), "(a > 0)");
    EXPECT_EQ(check_expression("CHECK ((VALUE ~ '('::text))"), "(VALUE ~ '('::text)");
    EXPECT_EQ(trigger_when("CREATE TRIGGER t BEFORE UPDATE ON x FOR EACH ROW WHEN ((new.a <> "
                           "old.a)) EXECUTE FUNCTION f()"),
              "(new.a <> old.a)");
    EXPECT_FALSE(trigger_when("CREATE TRIGGER t AFTER INSERT ON x FOR EACH ROW EXECUTE FUNCTION f()"));
    EXPECT_EQ(sql_standard_body("CREATE OR REPLACE FUNCTION public.f(x integer)\n RETURNS integer\n "
                                "LANGUAGE sql\nRETURN (x * 2)\n"),
              "RETURN (x * 2)");
    EXPECT_EQ(trigger_arguments("610062206300", 2), (std::vector<std::string>{"a", "b c"}));
    EXPECT_EQ(split_top_level("a integer, b text DEFAULT 'x, y'::text", ','),
              (std::vector<std::string>{"a integer", "b text DEFAULT 'x, y'::text"}));
}

} // namespace
} // namespace qail::introspect::text
