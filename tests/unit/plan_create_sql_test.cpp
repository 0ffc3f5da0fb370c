#include <gtest/gtest.h>

#include <qail/plan/build.hpp>
#include <qail/plan/create_sql.hpp>

namespace qail::plan {
namespace {

using model::QualifiedName;

model::Column col(std::string name, std::string type, bool not_null = false) {
    model::Column c;
    c.name = std::move(name);
    c.type = std::move(type);
    c.not_null = not_null;
    return c;
}

model::Schema shop() {
    model::Schema s;
    model::EnumType status;
    status.name = {"public", "order_status"};
    status.values = {"new", "paid", "it's shipped"};
    s.enums.push_back(status);

    model::Table users;
    users.name = {"public", "users"};
    users.columns = {col("id", "serial", true), col("email", "text", true),
                     col("created_at", "timestamp with time zone", true)};
    users.columns[2].default_expr = "now()";
    users.primary_key = model::PrimaryKey{"", {"id"}, {}, {}, {}};
    users.uniques.push_back({"", {"email"}, {}, false, {}, {}});
    s.tables.push_back(users);

    model::Table orders;
    orders.name = {"public", "orders"};
    orders.columns = {col("id", "bigint", true), col("user_id", "integer", true),
                      col("total", "numeric(12,2)", true), col("status", "order_status", true)};
    orders.columns[0].identity = model::IdentityKind::always;
    orders.columns[3].default_expr = "'new'::order_status";
    orders.primary_key = model::PrimaryKey{"", {"id"}, {}, {}, {}};
    orders.checks.push_back({"", "total >= 0", false, false, {}});
    model::ForeignKey fk;
    fk.columns = {"user_id"};
    fk.ref_table = {"public", "users"};
    fk.on_delete = model::FkAction::cascade;
    orders.foreign_keys.push_back(fk);
    s.tables.push_back(orders);

    model::Index idx;
    idx.table = {"public", "orders"};
    model::IndexElement e;
    e.key = "user_id";
    idx.elements.push_back(e);
    s.indexes.push_back(idx);

    model::View v;
    v.name = {"public", "big_orders"};
    v.definition = "SELECT id, total FROM orders WHERE total > 100";
    s.views.push_back(v);
    model::View v2;
    v2.name = {"public", "a_biggest"};
    v2.definition = "SELECT max(total) AS m FROM big_orders";
    s.views.push_back(v2);

    model::normalize(s);
    return s;
}

TEST(PlanCreateSql, TablesTypesConstraintsAndViewsInDependencyOrder) {
    std::string sql = create_sql(shop());
    auto pos = [&](const std::string& needle) {
        size_t p = sql.find(needle);
        EXPECT_NE(p, std::string::npos) << needle << "\n" << sql;
        return p;
    };
    EXPECT_LT(pos("CREATE TYPE order_status AS ENUM ('new', 'paid', 'it''s shipped');"),
              pos("CREATE TABLE orders"));
    pos("    id BIGINT GENERATED ALWAYS AS IDENTITY NOT NULL");
    pos("    total NUMERIC(12,2) NOT NULL");
    pos("    status order_status DEFAULT 'new'::order_status NOT NULL");
    pos("    CONSTRAINT orders_pkey PRIMARY KEY (id)");
    pos("    CONSTRAINT orders_total_check CHECK (total >= 0)");
    pos("    id SERIAL NOT NULL");
    pos("    created_at TIMESTAMPTZ DEFAULT now() NOT NULL");
    pos("    CONSTRAINT users_email_key UNIQUE (email)");
    // FKs after every table, plain on new tables
    EXPECT_GT(pos("ALTER TABLE orders ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) "
                  "REFERENCES users (id) ON DELETE CASCADE;"),
              pos("CREATE TABLE users"));
    pos("CREATE INDEX orders_user_id_idx ON orders (user_id);");
    // views after what they read, whatever their names
    EXPECT_LT(pos("CREATE VIEW big_orders AS"), pos("CREATE VIEW a_biggest AS"));
    EXPECT_EQ(sql.find("NOT VALID"), std::string::npos);
    EXPECT_EQ(sql.find("CONCURRENTLY"), std::string::npos);
}

TEST(PlanCreateSql, EmptySchemaIsEmpty) {
    EXPECT_EQ(create_sql(model::Schema{}), "");
}

TEST(PlanCreateSql, Deterministic) {
    EXPECT_EQ(create_sql(shop()), create_sql(shop()));
}

TEST(PlanCreateSql, QuotesEveryName) {
    model::Schema s;
    model::Table t;
    t.name = {"Billing", "x; drop table y"};
    t.columns = {col("Order", "text")};
    s.tables.push_back(t);
    s.schemas.push_back({"Billing", {}});
    model::Comment c;
    c.object = {model::ObjectKind::table, t.name, "", ""};
    c.text = "it's";
    s.comments.push_back(c);
    model::normalize(s);
    std::string sql = create_sql(s);
    EXPECT_NE(sql.find("CREATE SCHEMA \"Billing\";"), std::string::npos) << sql;
    EXPECT_NE(sql.find("CREATE TABLE \"Billing\".\"x; drop table y\" (\n    \"Order\" TEXT\n)"),
              std::string::npos)
        << sql;
    EXPECT_NE(sql.find("COMMENT ON TABLE \"Billing\".\"x; drop table y\" IS 'it''s';"),
              std::string::npos)
        << sql;
    EXPECT_LT(sql.find("CREATE SCHEMA"), sql.find("CREATE TABLE"));
}

TEST(PlanCreateSql, FunctionsBeforeTheDefaultsThatCallThem) {
    model::Schema s;
    model::Function f;
    f.name = {"public", "next_code"};
    f.returns = "text";
    f.language = "sql";
    f.body = "SELECT 'x' || count(*) FROM codes";
    s.functions.push_back(f);
    model::Table t;
    t.name = {"public", "codes"};
    t.columns = {col("code", "text")};
    t.columns[0].default_expr = "next_code()";
    s.tables.push_back(t);
    model::normalize(s);
    std::string sql = create_sql(s);
    size_t set = sql.find("SET check_function_bodies = false;");
    size_t fn = sql.find("CREATE FUNCTION next_code() RETURNS text LANGUAGE sql");
    size_t table = sql.find("CREATE TABLE codes");
    ASSERT_NE(set, std::string::npos) << sql;
    ASSERT_NE(fn, std::string::npos) << sql;
    ASSERT_NE(table, std::string::npos) << sql;
    EXPECT_LT(set, fn);
    EXPECT_LT(fn, table);
}

} // namespace
} // namespace qail::plan
