// plan::create_sql output loads into an empty database with psql, for a model
// that uses every object kind.

#include <gtest/gtest.h>

#include <fstream>

#include <qail/plan/create_sql.hpp>

#include "support/database.hpp"
#include "support/temp_dir.hpp"

namespace qail::plan {
namespace {

using testing::TempDatabase;

model::Column col(std::string name, std::string type, bool not_null = false) {
    model::Column c;
    c.name = std::move(name);
    c.type = std::move(type);
    c.not_null = not_null;
    return c;
}

model::Schema every_kind() {
    model::Schema s;
    s.extensions.push_back({"pgcrypto", {}, {}, {}});
    s.schemas.push_back({"billing", {}});
    model::EnumType mood;
    mood.name = {"public", "mood"};
    mood.values = {"sad", "ok", "happy"};
    s.enums.push_back(mood);

    model::Function positive;
    positive.name = {"public", "is_positive"};
    positive.args = {{model::ArgMode::in, "v", "numeric", {}}};
    positive.returns = "boolean";
    positive.language = "sql";
    positive.volatility = model::Volatility::immutable;
    positive.body = "SELECT v > 0";
    s.functions.push_back(positive);

    model::Domain money;
    money.name = {"billing", "amount"};
    money.base_type = "numeric(12,2)";
    money.not_null = true;
    money.checks.push_back({"", "is_positive(VALUE)", false});
    s.domains.push_back(money);

    model::CompositeType addr;
    addr.name = {"public", "address"};
    addr.attributes = {{"street", "text", {}}, {"zip", "character varying(10)", {}}};
    s.composite_types.push_back(addr);

    model::Sequence seq;
    seq.name = {"billing", "invoice_no"};
    seq.options.start = 1000;
    seq.options.increment = 1;
    seq.owned_by_table = model::QualifiedName{"billing", "invoices"};
    seq.owned_by_column = "number";
    s.sequences.push_back(seq);

    model::Table users;
    users.name = {"public", "users"};
    users.columns = {col("id", "bigint", true), col("email", "text", true),
                     col("name", "text"), col("mood", "mood"), col("home", "address"),
                     col("token", "uuid", true)};
    users.columns[0].identity = model::IdentityKind::by_default;
    users.columns[2].collation = "C";
    users.columns[5].default_expr = "gen_random_uuid()";
    users.primary_key = model::PrimaryKey{"", {"id"}, {}, {}, {}};
    users.uniques.push_back({"", {"email"}, {}, false, {}, {}});
    users.rls_enabled = true;
    s.tables.push_back(users);

    model::Table invoices;
    invoices.name = {"billing", "invoices"};
    invoices.columns = {col("number", "bigint", true), col("user_id", "bigint", true),
                        col("amount", "billing.amount", true),
                        col("tax", "numeric(12,2)"), col("gross", "numeric(12,2)"),
                        col("period", "tstzrange")};
    invoices.columns[0].default_expr = "nextval('billing.invoice_no'::regclass)";
    invoices.columns[4].generated_expr = "amount + COALESCE(tax, 0)";
    invoices.primary_key = model::PrimaryKey{"", {"number"}, {}, {}, {}};
    model::ForeignKey fk;
    fk.columns = {"user_id"};
    fk.ref_table = {"public", "users"};
    invoices.foreign_keys.push_back(fk);
    invoices.checks.push_back({"", "tax >= 0", false, true, {}});
    s.tables.push_back(invoices);

    model::Table events;
    events.name = {"public", "events"};
    events.columns = {col("id", "bigint", true), col("at", "timestamp with time zone", true),
                      col("room", "integer"), col("during", "tsrange")};
    events.partition_by = "RANGE (at)";
    events.primary_key = model::PrimaryKey{"", {"id", "at"}, {}, {}, {}};
    s.tables.push_back(events);
    model::Table events_2024;
    events_2024.name = {"public", "events_2024"};
    events_2024.partition_of =
        model::PartitionOf{{"public", "events"},
                           "FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2025-01-01 00:00:00+00')"};
    s.tables.push_back(events_2024);

    model::Table bookings;
    bookings.name = {"public", "bookings"};
    bookings.columns = {col("room", "integer"), col("during", "tsrange")};
    model::ExclusionConstraint x;
    model::IndexElement room;
    room.key = "room";
    model::IndexElement during;
    during.key = "during";
    x.elements = {{room, "="}, {during, "&&"}};
    bookings.exclusions.push_back(x);
    s.extensions.push_back({"btree_gist", {}, {}, {}});
    s.tables.push_back(bookings);

    model::Index lower_email;
    lower_email.name = {"public", "users_lower_email_idx"};
    lower_email.table = {"public", "users"};
    model::IndexElement e;
    e.key = "lower(email)";
    e.is_expression = true;
    lower_email.elements = {e};
    lower_email.unique = true;
    lower_email.where = "name IS NOT NULL";
    s.indexes.push_back(lower_email);

    model::View v;
    v.name = {"billing", "totals"};
    v.definition = "SELECT u.email, sum(i.amount) AS total FROM users u JOIN billing.invoices i "
                   "ON i.user_id = u.id GROUP BY u.email";
    s.views.push_back(v);
    model::View mv;
    mv.name = {"public", "top_users"};
    mv.materialized = true;
    mv.definition = "SELECT email, total FROM billing.totals WHERE total > 100";
    s.views.push_back(mv);
    model::Index mv_idx;
    mv_idx.name = {"public", "top_users_email_idx"};
    mv_idx.table = {"public", "top_users"};
    model::IndexElement em;
    em.key = "email";
    mv_idx.elements = {em};
    s.indexes.push_back(mv_idx);

    model::Function touch;
    touch.name = {"public", "touch"};
    touch.returns = "trigger";
    touch.language = "plpgsql";
    touch.body = "BEGIN NEW.name := coalesce(NEW.name, NEW.email); RETURN NEW; END";
    s.functions.push_back(touch);
    model::Trigger trg;
    trg.name = "users_touch";
    trg.table = {"public", "users"};
    trg.timing = model::TriggerTiming::before;
    trg.on_insert = true;
    trg.on_update = true;
    trg.update_columns = {"email"};
    trg.function = {"public", "touch"};
    s.triggers.push_back(trg);

    model::Policy pol;
    pol.name = "own rows";
    pol.table = {"public", "users"};
    pol.command = model::PolicyCommand::select;
    pol.using_expr = "email = current_user";
    s.policies.push_back(pol);

    model::Grant g;
    g.object = {model::ObjectKind::table, {"public", "users"}, "", ""};
    g.privileges = {"SELECT", "INSERT"};
    g.grantee = "PUBLIC";
    s.grants.push_back(g);
    model::Revoke r;
    r.object = {model::ObjectKind::function, {"public", "is_positive"}, "", "numeric"};
    r.privileges = {"EXECUTE"};
    r.grantee = "PUBLIC";
    s.revokes.push_back(r);
    model::Comment c1;
    c1.object = {model::ObjectKind::column, {"public", "users"}, "email", ""};
    c1.text = "login; it's unique";
    s.comments.push_back(c1);
    model::Comment c2;
    c2.object = {model::ObjectKind::constraint, {"billing", "invoices"}, "invoices_tax_check", ""};
    c2.text = "not validated";
    s.comments.push_back(c2);
    model::normalize(s);
    return s;
}

TEST(DiffCreateSql, EveryObjectKindLoadsWithPsql) {
    testing::require_server();
    TempDatabase db;
    testing::TempDir dir;
    std::string sql = create_sql(every_kind());
    auto path = dir.path() / "create.sql";
    std::ofstream(path) << sql;
    ASSERT_NO_THROW(db.load_file(path)) << sql;
    EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = "
                        "c.relnamespace WHERE n.nspname IN ('public','billing') AND c.relkind IN "
                        "('r','p')"),
              "5");
    EXPECT_EQ(db.scalar("SELECT convalidated::text FROM pg_constraint WHERE conname = "
                        "'invoices_tax_check'"),
              "false");
    EXPECT_EQ(db.scalar("SELECT relrowsecurity::text FROM pg_class WHERE relname = 'users'"),
              "true");
    EXPECT_EQ(db.scalar("SELECT obj_description(oid, 'pg_class') IS NULL FROM pg_class WHERE "
                        "relname = 'users'"),
              "t");
    EXPECT_EQ(db.scalar("SELECT col_description('users'::regclass, 2)"), "login; it's unique");
    EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_matviews WHERE matviewname = 'top_users'"), "1");
    EXPECT_EQ(db.scalar("SELECT pg_get_serial_sequence('billing.invoices', 'number')"),
              "billing.invoice_no");
}

} // namespace
} // namespace qail::plan
