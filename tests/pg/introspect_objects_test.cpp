// introspect::introspect for every object kind other than plain tables:
// domains, composite types, views, functions, triggers, policies, grants,
// partitions, exclusion constraints, owners; and what it cannot represent.

#include <gtest/gtest.h>

#include <algorithm>

#include <qail/introspect/introspect.hpp>
#include <qail/lang/schema_io.hpp>
#include <qail/plan/create_sql.hpp>

#include "support/database.hpp"

namespace qail::introspect {
namespace {

using testing::TempDatabase;

Result pull(const TempDatabase& db) {
    pg::Connection conn = db.connect();
    return introspect(conn, {});
}

// Pulls `sql` loaded into a fresh database, recreates it from the model in a
// second one and pulls that: both pulls must be equal, and survive printing.
model::Schema round_trip(const std::string& sql) {
    TempDatabase a;
    a.exec(sql);
    Result first = pull(a);
    TempDatabase b;
    b.exec(plan::create_sql(first.schema));
    Result second = pull(b);
    EXPECT_EQ(lang::print_schema(second.schema), lang::print_schema(first.schema));
    EXPECT_TRUE(second.schema == first.schema);
    model::Schema reparsed = lang::parse_schema(lang::print_schema(first.schema), "pulled.qail");
    EXPECT_TRUE(reparsed == first.schema) << lang::print_schema(reparsed);
    EXPECT_EQ(testing::normalized_dump(a.name()), testing::normalized_dump(b.name()));
    return first.schema;
}

TEST(IntrospectObjects, DomainsCompositeTypesViewsAndMaterializedViews) {
    testing::require_server();
    model::Schema s = round_trip(R"SQL(
CREATE DOMAIN positive AS integer DEFAULT 1 NOT NULL CONSTRAINT positive_check CHECK (VALUE > 0);
CREATE DOMAIN code AS text COLLATE "C" CHECK (VALUE <> '');
CREATE TYPE address AS (street text, city text COLLATE "C");
CREATE TABLE orders (id int PRIMARY KEY, qty positive, ship_to address, status text);
CREATE VIEW open_orders WITH (security_barrier) AS SELECT id, qty FROM orders WHERE status = 'open';
CREATE VIEW checked AS SELECT id, status FROM orders WHERE qty > 1 WITH CASCADED CHECK OPTION;
CREATE MATERIALIZED VIEW order_counts AS SELECT status, count(*) AS n FROM orders GROUP BY status WITH NO DATA;
COMMENT ON VIEW open_orders IS 'open ones';
COMMENT ON DOMAIN positive IS 'above zero';
)SQL");
    ASSERT_EQ(s.domains.size(), 2u);
    EXPECT_EQ(s.domains[1].name.name, "positive");
    EXPECT_TRUE(s.domains[1].not_null);
    EXPECT_EQ(s.domains[1].default_expr, "1");
    ASSERT_EQ(s.domains[1].checks.size(), 1u);
    EXPECT_EQ(s.domains[1].checks[0].expression, "(VALUE > 0)");
    EXPECT_EQ(s.domains[0].collation, "C");
    ASSERT_EQ(s.composite_types.size(), 1u);
    EXPECT_EQ(s.composite_types[0].attributes.size(), 2u);
    ASSERT_EQ(s.views.size(), 3u);
    EXPECT_EQ(s.views[0].check_option, model::CheckOption::cascaded);
    EXPECT_TRUE(s.views[1].security_barrier);
    EXPECT_TRUE(s.views[2].materialized);
    EXPECT_TRUE(s.views[2].with_no_data);
    EXPECT_EQ(s.comments.size(), 2u);
}

TEST(IntrospectObjects, FunctionsProceduresAndTriggers) {
    testing::require_server();
    model::Schema s = round_trip(R"SQL(
CREATE TABLE items (id int PRIMARY KEY, name text, updated_at timestamptz);
CREATE FUNCTION add(a integer, b integer DEFAULT 0) RETURNS integer LANGUAGE sql IMMUTABLE STRICT AS $$ select a + b $$;
CREATE FUNCTION list_items() RETURNS TABLE(id integer, name text) LANGUAGE sql STABLE AS $$ select id, name from items $$;
CREATE FUNCTION many() RETURNS SETOF items LANGUAGE sql ROWS 50 AS $$ select * from items $$;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
begin new.updated_at := now(); return new; end;
$$;
CREATE FUNCTION std(x int) RETURNS int LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN x * 2;
CREATE PROCEDURE cleanup(days integer) LANGUAGE plpgsql AS $$ begin delete from items; end $$;
CREATE TRIGGER items_touch BEFORE INSERT OR UPDATE OF name ON items FOR EACH ROW
  WHEN (new.name IS NOT NULL) EXECUTE FUNCTION touch();
CREATE TRIGGER items_audit AFTER DELETE ON items FOR EACH STATEMENT EXECUTE FUNCTION touch('a', 'b c');
ALTER TABLE items DISABLE TRIGGER items_audit;
REVOKE EXECUTE ON FUNCTION add(integer, integer) FROM PUBLIC;
)SQL");
    ASSERT_EQ(s.functions.size(), 6u);
    auto add = std::find_if(s.functions.begin(), s.functions.end(),
                            [](const model::Function& f) { return f.name.name == "add"; });
    ASSERT_NE(add, s.functions.end());
    ASSERT_EQ(add->args.size(), 2u);
    EXPECT_EQ(add->args[1].default_expr, "0");
    EXPECT_EQ(add->volatility, model::Volatility::immutable);
    EXPECT_TRUE(add->strict);
    ASSERT_EQ(s.triggers.size(), 2u);
    EXPECT_FALSE(s.triggers[0].enabled);
    EXPECT_EQ(s.triggers[0].function_args, (std::vector<std::string>{"a", "b c"}));
    EXPECT_EQ(s.triggers[1].update_columns, std::vector<std::string>{"name"});
    EXPECT_TRUE(s.triggers[1].when.has_value());
    ASSERT_EQ(s.revokes.size(), 1u);
    EXPECT_EQ(s.revokes[0].grantee, "PUBLIC");
}

TEST(IntrospectObjects, PoliciesGrantsOwnersPartitionsExclusions) {
    testing::require_server();
    testing::ensure_corpus_roles();
    model::Schema s = round_trip(R"SQL(
CREATE EXTENSION btree_gist;
CREATE SCHEMA app;
CREATE TABLE app.accounts (id int PRIMARY KEY, owner_name text, balance numeric);
ALTER TABLE app.accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.accounts FORCE ROW LEVEL SECURITY;
CREATE POLICY own ON app.accounts FOR SELECT TO psqldef_user USING (owner_name = current_user);
CREATE POLICY limit_insert ON app.accounts AS RESTRICTIVE FOR INSERT WITH CHECK (balance >= 0);
GRANT USAGE ON SCHEMA app TO psqldef_user;
GRANT SELECT, INSERT ON app.accounts TO psqldef_user;
GRANT UPDATE (balance) ON app.accounts TO psqldef_user WITH GRANT OPTION;
ALTER TABLE app.accounts OWNER TO admin_role;
CREATE TABLE events (id int, created date NOT NULL, region text) PARTITION BY RANGE (created);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_rest PARTITION OF events (region DEFAULT 'eu') DEFAULT;
CREATE TABLE bookings (room int, during tsrange,
  EXCLUDE USING gist (room WITH =, during WITH &&) WHERE (room > 0));
)SQL");
    ASSERT_EQ(s.policies.size(), 2u);
    EXPECT_FALSE(s.policies[0].permissive);
    EXPECT_EQ(s.policies[1].roles, std::vector<std::string>{"psqldef_user"});
    const model::Table* accounts = s.find_table({"app", "accounts"});
    ASSERT_NE(accounts, nullptr);
    EXPECT_TRUE(accounts->rls_enabled);
    EXPECT_TRUE(accounts->rls_forced);
    EXPECT_GE(s.grants.size(), 3u);
    ASSERT_EQ(s.owners.size(), 1u);
    EXPECT_EQ(s.owners[0].role, "admin_role");
    const model::Table* rest = s.find_table({"public", "events_rest"});
    ASSERT_NE(rest, nullptr);
    ASSERT_TRUE(rest->partition_of.has_value());
    EXPECT_EQ(rest->partition_of->bound, "DEFAULT");
    ASSERT_EQ(rest->columns.size(), 1u);
    EXPECT_EQ(rest->columns[0].default_expr, "'eu'::text");
    const model::Table* bookings = s.find_table({"public", "bookings"});
    ASSERT_NE(bookings, nullptr);
    ASSERT_EQ(bookings->exclusions.size(), 1u);
    EXPECT_EQ(bookings->exclusions[0].elements.size(), 2u);
    EXPECT_EQ(bookings->exclusions[0].elements[1].op, "&&");
    EXPECT_EQ(s.extensions.size(), 1u);
}

TEST(IntrospectObjects, WhatTheModelCannotSayIsReported) {
    testing::require_server();
    TempDatabase db;
    db.exec(R"SQL(
CREATE TABLE t (x int);
CREATE TABLE child (y int) INHERITS (t);
CREATE AGGREGATE my_sum(int) (sfunc = int4pl, stype = int);
CREATE RULE no_delete AS ON DELETE TO t DO INSTEAD NOTHING;
CREATE TYPE floatrange AS RANGE (subtype = float8);
)SQL");
    Result result = pull(db);
    std::vector<std::string> seen;
    for (const Unmanaged& u : result.unmanaged) {
        seen.push_back(u.kind + " " + u.name);
    }
    EXPECT_NE(std::find(seen.begin(), seen.end(), "aggregate my_sum(integer)"), seen.end());
    EXPECT_NE(std::find(seen.begin(), seen.end(), "rule t.no_delete"), seen.end());
    EXPECT_NE(std::find(seen.begin(), seen.end(), "range type floatrange"), seen.end());
    EXPECT_NE(std::find(seen.begin(), seen.end(), "inheritance child"), seen.end());
}

} // namespace
} // namespace qail::introspect
