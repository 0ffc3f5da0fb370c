// migrate shadow + promote must give the database that `migrate up` gives:
// the same schema and the same rows (transforms, NOT NULL fills, type
// conversions and renames acting on the real rows), and everything the live
// database has that the old schema file does not mention carried over.

#include <gtest/gtest.h>

#include "e2e/migrate_support.hpp"

namespace qail::testing::migrate {
namespace {

constexpr const char* k_old = R"(table customers {
  id serial primary_key
  username text not_null
  email text
}
table items {
  id serial primary_key
  customer_id integer references customers(id)
  name text not_null
  price integer
  code varchar(20)
}
)";

// a rename, a new NOT NULL column filled by a transform, a type change with
// a USING transform, a narrowed type without one and a new default
constexpr const char* k_new = R"(table customers {
  id serial primary_key
  name text not_null  # was 'username'
  email varchar(200)
  tier text not_null default 'basic'
}
table items {
  id serial primary_key
  customer_id integer references customers(id)
  name text not_null
  name_lower text not_null
  price numeric(10,2)
  sku varchar(20)
}
rename customers.username -> customers.name
rename items.code -> items.sku
transform lower(name) || '#' || id -> items.name_lower
transform price::numeric / 100 -> items.price
)";

// Objects that exist live and that neither file mentions, with data.
constexpr const char* k_unmanaged_by_files = R"(
CREATE SCHEMA reporting;
CREATE TABLE reporting.daily (day date PRIMARY KEY, total bigint NOT NULL);
INSERT INTO reporting.daily SELECT date '2024-01-01' + g, g * 7 FROM generate_series(0, 99) g;
CREATE TABLE audit_log (id bigserial PRIMARY KEY, what text NOT NULL, at timestamptz NOT NULL);
INSERT INTO audit_log (what, at) SELECT 'event ' || g, timestamptz '2024-01-01' + g * interval '1 hour'
  FROM generate_series(1, 321) g;
CREATE INDEX audit_log_at ON audit_log (at);
CREATE VIEW big_spenders AS SELECT customer_id, max(name) AS last_item FROM items GROUP BY customer_id;
CREATE MATERIALIZED VIEW item_counts AS SELECT customer_id, count(*) AS n FROM items GROUP BY customer_id;
COMMENT ON TABLE audit_log IS 'kept by the application';
CREATE TABLE _qail_queue (id bigserial PRIMARY KEY, ref_table text NOT NULL, payload jsonb);
INSERT INTO _qail_queue (ref_table, payload) VALUES ('items', '{"id": 1}');
)";

void load(const TempDatabase& db, const Project& p) {
    p.write("old.qail", k_old);
    p.write("new.qail", k_new);
    RunResult init = p.qail({"migrate", "up", "_:old.qail"});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    db.exec("INSERT INTO customers (username, email) SELECT 'User ' || g, 'u' || g || '@x' FROM "
            "generate_series(1, 400) g");
    db.exec("INSERT INTO items (customer_id, name, price, code) SELECT g % 400 + 1, 'Item ' || g, "
            "g * 37 % 10000, 'C-' || g FROM generate_series(1, 3000) g");
    db.exec(k_unmanaged_by_files);
}

/// Every row of every user table of a database, table by table, as text.
std::string all_rows(const std::string& database) {
    pg::Connection c = pg::Connection::open("dbname=" + database);
    pg::Result tables = c.exec(
        "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON "
        "n.oid = c.relnamespace WHERE c.relkind IN ('r', 'm') AND n.nspname NOT IN "
        "('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND c.relname "
        "NOT LIKE '\\_qail%' ORDER BY 1");
    std::string out;
    for (int i = 0; i < tables.rows(); ++i) {
        std::string name = tables.get_string(i, 0);
        out += "== " + name + "\n";
        out += c.exec("SELECT coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '') FROM " +
                      name + " t")
                   .get_string(0, 0);
        out += "\n";
    }
    return out;
}

std::string history_names(const std::string& database) {
    pg::Connection c = pg::Connection::open("dbname=" + database);
    return c.exec("SELECT string_agg(name || ' ' || checksum || ' ' || status, E'\\n' ORDER BY "
                  "id) FROM _qail_migrations")
        .get_string(0, 0);
}

std::string sequence_positions(const std::string& database) {
    pg::Connection c = pg::Connection::open("dbname=" + database);
    return c.exec("SELECT string_agg(schemaname || '.' || sequencename || '=' || "
                  "coalesce(last_value::text, '-'), ' ' ORDER BY schemaname, sequencename) FROM "
                  "pg_sequences WHERE "
                  "sequencename NOT LIKE '\\_qail%'")
        .get_string(0, 0);
}

TEST(ShadowParity, PromotedShadowEqualsMigrateUpRowByRow) {
    require_server();
    TempDatabase by_up;
    TempDatabase by_shadow;
    Project up_project(by_up);
    Project shadow_project(by_shadow);
    load(by_up, up_project);
    load(by_shadow, shadow_project);
    ASSERT_EQ(all_rows(by_up.name()), all_rows(by_shadow.name()));

    RunResult up = up_project.qail({"migrate", "up", "old.qail:new.qail", "--backup=none"});
    ASSERT_EQ(up.exit_code, 0) << up.err;
    RunResult shadow = shadow_project.qail({"migrate", "shadow", "old.qail:new.qail"});
    ASSERT_EQ(shadow.exit_code, 0) << shadow.err;
    RunResult promote = shadow_project.qail({"migrate", "promote"});
    ASSERT_EQ(promote.exit_code, 0) << promote.err;

    // the transforms acted on the real rows
    EXPECT_EQ(by_shadow.scalar("SELECT name_lower FROM items WHERE id = 12"), "item 12#12");
    EXPECT_EQ(by_shadow.scalar("SELECT price FROM items WHERE id = 3"), "1.11");
    EXPECT_EQ(by_shadow.scalar("SELECT sku FROM items WHERE id = 5"), "C-5");
    EXPECT_EQ(by_shadow.scalar("SELECT count(*) FROM customers WHERE tier = 'basic'"), "400");
    // schema by schema, row by row, sequence by sequence, history by history
    // (the promote's journal is the one table `migrate up` does not make)
    by_shadow.exec("DROP TABLE _qail_shadow_journal");
    EXPECT_EQ(normalized_dump(by_shadow.name()), normalized_dump(by_up.name()));
    EXPECT_EQ(all_rows(by_shadow.name()), all_rows(by_up.name()));
    EXPECT_EQ(sequence_positions(by_shadow.name()), sequence_positions(by_up.name()));
    EXPECT_EQ(history_names(by_shadow.name()), history_names(by_up.name()));
}

TEST(ShadowParity, ObjectsTheOldFileDoesNotNameSurvivePromoteWithTheirRows) {
    require_server();
    TempDatabase db;
    Project p(db);
    load(db, p);
    std::string audit_before = table_text(db, "audit_log", "*");
    ASSERT_EQ(p.qail({"migrate", "shadow", "old.qail:new.qail"}).exit_code, 0);
    // written after the sync: promote must bring it along too
    db.exec("INSERT INTO audit_log (what, at) VALUES ('late', '2025-01-01')");
    // QAIL's own tables too (an outbox the application writes through triggers)
    db.exec("INSERT INTO _qail_queue (ref_table, payload) VALUES ('items', '{\"id\": 2}')");
    RunResult promote = p.qail({"migrate", "promote"});
    ASSERT_EQ(promote.exit_code, 0) << promote.err;

    EXPECT_EQ(db.scalar("SELECT count(*) FROM audit_log"), "322");
    EXPECT_EQ(db.scalar("SELECT count(*) FROM audit_log WHERE what = 'late'"), "1");
    EXPECT_EQ(db.scalar("SELECT string_agg(payload::text, ' ' ORDER BY id) FROM _qail_queue"),
              "{\"id\": 1} {\"id\": 2}");
    EXPECT_EQ(db.scalar("SELECT count(*) FROM reporting.daily"), "100");
    EXPECT_EQ(db.scalar("SELECT sum(total) FROM reporting.daily"), "34650");
    EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_indexes WHERE indexname = 'audit_log_at'"), "1");
    EXPECT_EQ(db.scalar("SELECT obj_description('audit_log'::regclass)"), "kept by the application");
    // the materialized view holds its rows (it is not empty after the copy)
    EXPECT_EQ(db.scalar("SELECT sum(n) FROM item_counts"), "3000");
    EXPECT_EQ(db.scalar("SELECT count(*) FROM big_spenders"), "400");
    // a new row does not collide with a copied key
    EXPECT_EQ(db.scalar("INSERT INTO audit_log (what, at) VALUES ('new', now()) RETURNING id"),
              "323");
    EXPECT_NE(table_text(db, "audit_log", "*").find(audit_before.substr(0, 200)), std::string::npos);
}

TEST(ShadowParity, RefusesUpFrontWhatCannotBeCarriedOver) {
    require_server();
    TempDatabase db;
    Project p(db);
    load(db, p);
    db.exec("CREATE RULE items_no_delete AS ON DELETE TO items DO INSTEAD NOTHING");
    db.exec("SELECT lo_from_bytea(0, 'a large object')");
    RunResult r = p.qail({"migrate", "shadow", "old.qail:new.qail"});
    EXPECT_EQ(r.exit_code, 4) << r.err;
    EXPECT_NE(r.err.find("rule items.items_no_delete"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("1 large object"), std::string::npos) << r.err;
    // nothing was created
    EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_database WHERE datname = '" + db.name() +
                        "_shadow'"),
              "0");
}

} // namespace
} // namespace qail::testing::migrate
