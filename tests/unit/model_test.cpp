#include <gtest/gtest.h>

#include <qail/model/naming.hpp>
#include <qail/model/schema.hpp>
#include <qail/model/types.hpp>

namespace qail::model {
namespace {

TEST(Types, CanonicalSpellings) {
    EXPECT_EQ(canonical_type("int"), "integer");
    EXPECT_EQ(canonical_type("INT4"), "integer");
    EXPECT_EQ(canonical_type("i64"), "bigint");
    EXPECT_EQ(canonical_type("varchar(255)"), "character varying(255)");
    EXPECT_EQ(canonical_type("character varying ( 20 )"), "character varying(20)");
    EXPECT_EQ(canonical_type("varchar"), "character varying");
    EXPECT_EQ(canonical_type("timestamptz"), "timestamp with time zone");
    EXPECT_EQ(canonical_type("timestamp"), "timestamp without time zone");
    EXPECT_EQ(canonical_type("timestamp(3) with time zone"), "timestamp(3) with time zone");
    EXPECT_EQ(canonical_type("timestamptz(6)"), "timestamp(6) with time zone");
    EXPECT_EQ(canonical_type("double precision"), "double precision");
    EXPECT_EQ(canonical_type("float"), "double precision");
    EXPECT_EQ(canonical_type("float(10)"), "real");
    EXPECT_EQ(canonical_type("decimal(10, 2)"), "numeric(10,2)");
    EXPECT_EQ(canonical_type("numeric(10)"), "numeric(10,0)");
    EXPECT_EQ(canonical_type("bool"), "boolean");
    EXPECT_EQ(canonical_type("text[]"), "text[]");
    EXPECT_EQ(canonical_type("int[][]"), "integer[]");
    EXPECT_EQ(canonical_type("integer array"), "integer[]");
    EXPECT_EQ(canonical_type("varchar(10)[]"), "character varying(10)[]");
    EXPECT_EQ(canonical_type("char(3)"), "character(3)");
    EXPECT_EQ(canonical_type("char"), "character(1)");
    EXPECT_EQ(canonical_type("bit varying(5)"), "bit varying(5)");
    EXPECT_EQ(canonical_type("interval day to second"), "interval day to second");
    EXPECT_EQ(canonical_type("vector(1536)"), "vector(1536)");
    EXPECT_EQ(canonical_type("public.citext"), "citext");
    EXPECT_EQ(canonical_type("billing.money_amount"), "billing.money_amount");
    EXPECT_EQ(canonical_type("\"MyType\""), "\"MyType\"");
    EXPECT_EQ(canonical_type("serial4"), "serial");
    EXPECT_EQ(canonical_type("string"), "text");
    EXPECT_EQ(canonical_type("jsonb"), "jsonb");
}

TEST(Naming, DefaultNamesFollowPostgres) {
    std::vector<std::string> cols{"tenant_id", "email"};
    EXPECT_EQ(default_primary_key_name("users"), "users_pkey");
    EXPECT_EQ(default_unique_name("users", cols), "users_tenant_id_email_key");
    EXPECT_EQ(default_foreign_key_name("orders", std::vector<std::string>{"customer_id"}),
              "orders_customer_id_fkey");
    EXPECT_EQ(default_check_name("orders", "total"), "orders_total_check");
    EXPECT_EQ(default_check_name("orders", ""), "orders_check");
    EXPECT_EQ(default_serial_sequence_name("users", "id"), "users_id_seq");
}

TEST(Naming, LongNamesAreShortenedLikePostgres) {
    // PostgreSQL: CREATE TABLE <60 x 'a'> (<60 x 'b'> int UNIQUE) names the
    // constraint by trimming the longer part first, to 63 bytes in all.
    std::string table(60, 'a');
    std::string column(60, 'b');
    std::string name = default_unique_name(table, std::vector<std::string>{column});
    EXPECT_EQ(name.size(), 63u);
    EXPECT_EQ(name, std::string(29, 'a') + "_" + std::string(29, 'b') + "_key");
}

TEST(Naming, ReferencedColumns) {
    std::vector<std::string> cols{"a", "b", "price", "status"};
    EXPECT_EQ(referenced_columns("price > 0", cols), std::vector<std::string>{"price"});
    EXPECT_EQ(referenced_columns("a < b", cols), (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(referenced_columns("status IN ('a', 'b')", cols),
              std::vector<std::string>{"status"});
    EXPECT_EQ(referenced_columns("length(status) > 0", cols), std::vector<std::string>{"status"});
    EXPECT_EQ(referenced_columns("(status)::text <> 'b'::text", cols),
              std::vector<std::string>{"status"});
    EXPECT_EQ(referenced_columns("a::integer AND b > 0", cols),
              (std::vector<std::string>{"a", "b"}));
}

TEST(Schema, NormalizeAssignsDefaultNamesAndSorts) {
    Schema s;
    Table users;
    users.name = qualified("users");
    users.columns.push_back(Column{.name = "id", .type = "serial", .not_null = true});
    users.columns.push_back(Column{.name = "email", .type = "text"});
    users.primary_key = PrimaryKey{.name = "", .columns = {"id"}};
    users.uniques.push_back(UniqueConstraint{.name = "", .columns = {"email"}});
    users.checks.push_back(CheckConstraint{.name = "", .expression = "length(email) > 3"});
    Table orders;
    orders.name = qualified("orders");
    orders.columns.push_back(Column{.name = "user_id", .type = "integer"});
    orders.foreign_keys.push_back(
        ForeignKey{.name = "", .columns = {"user_id"}, .ref_table = qualified("users")});
    s.tables.push_back(users);
    s.tables.push_back(orders);
    normalize(s);
    ASSERT_EQ(s.tables.size(), 2u);
    EXPECT_EQ(s.tables[0].name.name, "orders");
    EXPECT_EQ(s.tables[0].foreign_keys[0].name, "orders_user_id_fkey");
    EXPECT_EQ(s.tables[0].foreign_keys[0].ref_columns, std::vector<std::string>{"id"});
    const Table* u = s.find_table(qualified("users"));
    ASSERT_NE(u, nullptr);
    EXPECT_EQ(u->primary_key->name, "users_pkey");
    EXPECT_EQ(u->uniques[0].name, "users_email_key");
    EXPECT_EQ(u->checks[0].name, "users_email_check");
    Schema again = s;
    normalize(again);
    EXPECT_EQ(again, s);
}

TEST(Schema, SourceLocationsDoNotAffectEquality) {
    Column a{.name = "x", .type = "integer"};
    Column b = a;
    b.origin = SourceRef{"f.qail", 3, 4};
    EXPECT_EQ(a, b);
}

} // namespace
} // namespace qail::model
