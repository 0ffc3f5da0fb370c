// The .qail parser: every statement form of upstream's brace dialect and of
// SPEC §1, checked field by field, and each printed back and re-read.

#include <gtest/gtest.h>

#include "lang_test_util.hpp"

#include <qail/lang/statements.hpp>

namespace qail::lang {
namespace {

using test::formats_stably;
using test::parse_error;
using test::parse_ok;
using test::round_trips;

const model::Table& table(const model::Schema& s, const std::string& name) {
    const model::Table* t = s.find_table(model::qualified(name));
    if (t == nullptr) {
        ADD_FAILURE() << "no table " << name;
        static model::Table empty;
        return empty;
    }
    return *t;
}

TEST(LangParser, SeedUsersTable) {
    model::Schema s = parse_ok(R"(# schema.qail - Human readable, intent-aware
table users {
id serial primary_key
name text not_null # was 'username'
email text unique
}
# Migration hints express INTENT
rename users.username -> users.name
)");
    const model::Table& users = table(s, "users");
    ASSERT_EQ(users.columns.size(), 3u);
    EXPECT_EQ(users.columns[0].type, "serial");
    EXPECT_TRUE(users.columns[0].not_null);
    EXPECT_EQ(users.columns[1].type, "text");
    EXPECT_TRUE(users.columns[1].not_null);
    EXPECT_EQ(users.columns[1].origin.trailing_comment, "# was 'username'");
    EXPECT_FALSE(users.columns[2].not_null);
    ASSERT_TRUE(users.primary_key);
    EXPECT_EQ(users.primary_key->name, "users_pkey");
    EXPECT_EQ(users.primary_key->columns, std::vector<std::string>{"id"});
    ASSERT_EQ(users.uniques.size(), 1u);
    EXPECT_EQ(users.uniques[0].name, "users_email_key");
    ASSERT_EQ(s.renames.size(), 1u);
    EXPECT_EQ(s.renames[0].target, model::RenameHint::Target::column);
    EXPECT_EQ(s.renames[0].from_column, "username");
    EXPECT_EQ(s.renames[0].to_column, "name");
    EXPECT_EQ(s.renames[0].origin.comments, std::vector<std::string>{"# Migration hints express INTENT"});
    EXPECT_TRUE(round_trips(s));
}

TEST(LangParser, ColumnOptions) {
    model::Schema s = parse_ok(R"(
table orders {
  id bigserial primary_key
  customer_id uuid not_null references customers(id) on_delete cascade on_update restrict deferrable
  status text not_null default 'pending'
  total numeric(12, 2) not_null check(total >= 0) check_name chk_orders_total
  expires timestamptz default (now() + '24:00:00'::interval)
  tags text[]
  note text nullable
  code text collate "C" unique
  big bigint generated_by_default_identity (start 100 increment 5)
  idn integer generated_identity
  doubled integer generated_stored(idn * 2)
  blob bytea storage external compression lz4
}
table customers {
  id uuid primary_key default gen_random_uuid()
}
)");
    const model::Table& t = table(s, "orders");
    ASSERT_EQ(t.columns.size(), 12u);
    EXPECT_EQ(t.columns[0].type, "bigserial");
    EXPECT_EQ(t.columns[2].default_expr, "'pending'");
    EXPECT_EQ(t.columns[3].type, "numeric(12,2)");
    EXPECT_EQ(t.columns[4].type, "timestamp with time zone");
    EXPECT_EQ(t.columns[4].default_expr, "(now() + '24:00:00'::interval)");
    EXPECT_EQ(t.columns[5].type, "text[]");
    EXPECT_FALSE(t.columns[6].not_null);
    EXPECT_EQ(t.columns[7].collation, "C");
    EXPECT_EQ(t.columns[8].identity, model::IdentityKind::by_default);
    EXPECT_EQ(t.columns[8].identity_options.start, 100);
    EXPECT_EQ(t.columns[8].identity_options.increment, 5);
    EXPECT_TRUE(t.columns[8].not_null);
    EXPECT_EQ(t.columns[9].identity, model::IdentityKind::always);
    EXPECT_EQ(t.columns[10].generated_expr, "idn * 2");
    EXPECT_EQ(t.columns[11].storage, "external");
    EXPECT_EQ(t.columns[11].compression, "lz4");
    ASSERT_EQ(t.foreign_keys.size(), 1u);
    const model::ForeignKey& fk = t.foreign_keys[0];
    EXPECT_EQ(fk.name, "orders_customer_id_fkey");
    EXPECT_EQ(fk.ref_table, model::qualified("customers"));
    EXPECT_EQ(fk.ref_columns, std::vector<std::string>{"id"});
    EXPECT_EQ(fk.on_delete, model::FkAction::cascade);
    EXPECT_EQ(fk.on_update, model::FkAction::restrict);
    EXPECT_TRUE(fk.deferral.deferrable);
    ASSERT_EQ(t.checks.size(), 1u);
    EXPECT_EQ(t.checks[0].name, "chk_orders_total");
    EXPECT_EQ(t.checks[0].expression, "total >= 0");
    ASSERT_EQ(t.uniques.size(), 1u);
    EXPECT_EQ(t.uniques[0].columns, std::vector<std::string>{"code"});
    EXPECT_TRUE(round_trips(s));
}

TEST(LangParser, AnyPostgresType) {
    model::Schema s = parse_ok(R"(
table t {
  a vector(1536)
  b citext
  c tsvector
  d int4range
  e "MyType"
  f billing.money_amount
  g int[][]
  h timestamp with time zone
  i double precision
  j character varying(20)
  k interval day to second
  l timestamp(3) without time zone not_null
  m TIMESTAMP WITH TIME ZONE
  n Character Varying(20)[]
  o integer array
  p "char"
  q bit varying(8)
  r time with time zone
  s numeric(10)
  t public.citext
}
)");
    const model::Table& t = table(s, "t");
    std::vector<std::string> types;
    for (const auto& c : t.columns) {
        types.push_back(c.type);
    }
    EXPECT_EQ(types, (std::vector<std::string>{
                         "vector(1536)", "citext", "tsvector", "int4range", "\"MyType\"",
                         "billing.money_amount", "integer[]", "timestamp with time zone",
                         "double precision", "character varying(20)", "interval day to second",
                         "timestamp(3) without time zone", "timestamp with time zone",
                         "character varying(20)[]", "integer[]", "\"char\"", "bit varying(8)",
                         "time with time zone", "numeric(10,0)", "citext"}));
    EXPECT_TRUE(t.columns[11].not_null);
    EXPECT_TRUE(round_trips(s));
}

TEST(LangParser, IdentifiersFoldAndQuote) {
    model::Schema s = parse_ok(R"(
table Users {
  ID integer primary_key
  "Mixed Case" text
  "check" boolean
  "quote""d" text
}
table billing.Invoices {
  id integer
}
)");
    ASSERT_NE(s.find_table(model::qualified("users")), nullptr);
    const model::Table& users = table(s, "users");
    EXPECT_EQ(users.columns[0].name, "id");
    EXPECT_EQ(users.columns[1].name, "Mixed Case");
    EXPECT_EQ(users.columns[2].name, "check");
    EXPECT_EQ(users.columns[3].name, "quote\"d");
    EXPECT_NE(s.find_table(model::qualified("billing", "invoices")), nullptr);
    EXPECT_TRUE(round_trips(s));
}

TEST(LangParser, TableLevelConstraints) {
    model::Schema s = parse_ok(R"(
table a {
  x integer
  y integer
  z text
  primary_key (x, y)
  unique (y, z)
  constraint a_z_nonempty check (length(z) > 0)
  check (x < y) not_valid
  unique nulls not distinct (z) include (x)
}
table b {
  x integer
  y integer
  during tstzrange
  room integer
  foreign_key (x, y) references a(x, y) on_delete set_null deferrable initially_deferred constraint b_to_a
  constraint b_second foreign_key (y) references a
  exclude using gist (room with =, during with &&) where (room > 0)
}
)");
    const model::Table& a = table(s, "a");
    ASSERT_TRUE(a.primary_key);
    EXPECT_EQ(a.primary_key->columns, (std::vector<std::string>{"x", "y"}));
    EXPECT_TRUE(a.columns[0].not_null);
    EXPECT_TRUE(a.columns[1].not_null);
    ASSERT_EQ(a.uniques.size(), 2u);
    EXPECT_EQ(a.uniques[0].name, "a_y_z_key");
    EXPECT_EQ(a.uniques[1].name, "a_z_key");
    EXPECT_TRUE(a.uniques[1].nulls_not_distinct);
    EXPECT_EQ(a.uniques[1].include, std::vector<std::string>{"x"});
    ASSERT_EQ(a.checks.size(), 2u);
    EXPECT_EQ(a.checks[0].name, "a_check");
    EXPECT_TRUE(a.checks[0].not_valid);
    EXPECT_EQ(a.checks[1].name, "a_z_nonempty");
    const model::Table& b = table(s, "b");
    ASSERT_EQ(b.foreign_keys.size(), 2u);
    EXPECT_EQ(b.foreign_keys[0].name, "b_second");
    EXPECT_EQ(b.foreign_keys[0].ref_columns, (std::vector<std::string>{"x", "y"})); // the PK
    EXPECT_EQ(b.foreign_keys[1].name, "b_to_a");
    EXPECT_EQ(b.foreign_keys[1].on_delete, model::FkAction::set_null);
    EXPECT_TRUE(b.foreign_keys[1].deferral.initially_deferred);
    ASSERT_EQ(b.exclusions.size(), 1u);
    EXPECT_EQ(b.exclusions[0].name, "b_room_during_excl");
    EXPECT_EQ(b.exclusions[0].elements[1].op, "&&");
    EXPECT_EQ(b.exclusions[0].where, "room > 0");
    EXPECT_TRUE(round_trips(s));
}

TEST(LangParser, KeywordsAreColumnNamesWhereTheShapeSaysSo) {
    model::Schema s = parse_ok(R"(
table t {
  type text
  check text
  unique boolean
  exclude boolean
  partition_by text
  enable_rls boolean
  constraint text not_null
  index integer
  primary_key text
}
)");
    std::vector<std::string> names;
    for (const auto& c : s.tables[0].columns) {
        names.push_back(c.name);
    }
    EXPECT_EQ(names, (std::vector<std::string>{"type", "check", "unique", "exclude",
                                                "partition_by", "enable_rls", "constraint",
                                                "index", "primary_key"}));
    EXPECT_FALSE(s.tables[0].rls_enabled);
    EXPECT_TRUE(round_trips(s));
}

TEST(LangParser, MultiLineParts) {
    model::Schema s = parse_ok(R"(
table t {
  a integer check(a > 0 and
                  a < 10) not_null
  b integer default (1 +
    2)
}
index i on t (
  a,
  -- the second one
  b desc
) where a > 1
function f(
  x integer,  # first
  y integer default 2
) returns integer
  language sql
  immutable
  $$ select x + y $$
trigger tg on t
  after insert
  execute f
)");
    const model::Table& t = s.tables[0];
    EXPECT_EQ(t.checks[0].expression, "a > 0 and\n                  a < 10");
    EXPECT_TRUE(t.columns[0].not_null);
    EXPECT_EQ(t.columns[1].default_expr, "(1 +\n    2)");
    EXPECT_EQ(s.indexes[0].elements.size(), 2u);
    EXPECT_EQ(s.functions[0].args.size(), 2u);
    EXPECT_EQ(s.functions[0].volatility, model::Volatility::immutable);
    EXPECT_EQ(s.triggers.size(), 1u);
    EXPECT_TRUE(round_trips(s));
}

TEST(LangParser, CompositePrimaryKeyFromColumns) {
    model::Schema s = parse_ok("table m {\n  a integer primary_key\n  b integer primary_key\n}\n");
    const model::Table& m = table(s, "m");
    ASSERT_TRUE(m.primary_key);
    EXPECT_EQ(m.primary_key->columns, (std::vector<std::string>{"a", "b"}));
    EXPECT_TRUE(round_trips(s));
}

TEST(LangParser, Indexes) {
    model::Schema s = parse_ok(R"(
table t {
  id integer
  email text
  data jsonb
  embedding vector(3)
  status text
}
index idx_a on t (email)
unique index concurrently idx_b on t using btree (lower(email), id DESC NULLS LAST) include (status) where status <> 'x'
index idx_c on t using gin (data jsonb_path_ops)
index idx_d on t using hnsw (embedding vector_l2_ops) with (m = 16, ef_construction=64)
index idx_e on t ((data ->> 'k'), email COLLATE "C" text_pattern_ops)
index on t (status)
)");
    ASSERT_EQ(s.indexes.size(), 6u);
    const model::Index* b = s.find_index(model::qualified("idx_b"));
    ASSERT_NE(b, nullptr);
    EXPECT_TRUE(b->unique);
    EXPECT_TRUE(b->concurrently.value);
    ASSERT_EQ(b->elements.size(), 2u);
    EXPECT_TRUE(b->elements[0].is_expression);
    EXPECT_EQ(b->elements[0].key, "lower(email)");
    EXPECT_EQ(b->elements[1].key, "id");
    EXPECT_TRUE(b->elements[1].descending);
    EXPECT_EQ(b->elements[1].nulls_first, false); // DESC sorts nulls first by default
    EXPECT_EQ(b->include, std::vector<std::string>{"status"});
    EXPECT_EQ(b->where, "status <> 'x'");
    const model::Index* c = s.find_index(model::qualified("idx_c"));
    EXPECT_EQ(c->method, "gin");
    EXPECT_EQ(c->elements[0].opclass, "jsonb_path_ops");
    const model::Index* d = s.find_index(model::qualified("idx_d"));
    EXPECT_EQ(d->options, (std::vector<std::string>{"m=16", "ef_construction=64"}));
    const model::Index* e = s.find_index(model::qualified("idx_e"));
    EXPECT_EQ(e->elements[0].key, "(data ->> 'k')");
    EXPECT_EQ(e->elements[1].collation, "C");
    EXPECT_EQ(e->elements[1].opclass, "text_pattern_ops");
    EXPECT_NE(s.find_index(model::qualified("t_status_idx")), nullptr);
    EXPECT_TRUE(round_trips(s));
}

TEST(LangParser, ObjectStatements) {
    model::Schema s = parse_ok(R"(
extension "pgcrypto"
extension "uuid-ossp" schema extensions version "1.1"
schema extensions
schema billing
enum order_status { pending, paid, 'on hold', "weird, value" }
enum billing.mood {
  sad,
  ok
  happy
}
domain positive_int integer not_null default 1 check (VALUE > 0)
domain billing.email text check (VALUE ~ '@') check_name email_has_at
type address {
  street text
  city text collate "C"
}
sequence counter
sequence billing.invoice_no { start 1000 increment 1 minvalue 1 maxvalue 999999 cache 10 cycle as bigint }
)");
    ASSERT_EQ(s.extensions.size(), 2u);
    EXPECT_EQ(s.extensions[0].name, "pgcrypto");
    EXPECT_EQ(s.extensions[1].name, "uuid-ossp");
    EXPECT_EQ(s.extensions[1].schema, "extensions");
    EXPECT_EQ(s.extensions[1].version, "1.1");
    ASSERT_EQ(s.enums.size(), 2u);
    EXPECT_EQ(s.enums[0].values, (std::vector<std::string>{"sad", "ok", "happy"}));
    EXPECT_EQ(s.enums[1].values,
              (std::vector<std::string>{"pending", "paid", "on hold", "weird, value"}));
    ASSERT_EQ(s.domains.size(), 2u);
    const model::Domain* positive = s.find_domain(model::qualified("positive_int"));
    ASSERT_NE(positive, nullptr);
    EXPECT_TRUE(positive->not_null);
    EXPECT_EQ(positive->default_expr, "1");
    EXPECT_EQ(positive->checks[0].name, "positive_int_check");
    ASSERT_EQ(s.composite_types.size(), 1u);
    EXPECT_EQ(s.composite_types[0].attributes[1].collation, "C");
    ASSERT_EQ(s.sequences.size(), 2u);
    const model::Sequence* seq = s.find_sequence(model::qualified("billing", "invoice_no"));
    ASSERT_NE(seq, nullptr);
    EXPECT_EQ(seq->options.start, 1000);
    EXPECT_EQ(seq->options.max_value, 999999);
    EXPECT_TRUE(seq->options.cycle);
    EXPECT_EQ(seq->options.data_type, "bigint");
    EXPECT_TRUE(round_trips(s));
}

TEST(LangParser, ViewsFunctionsTriggers) {
    model::Schema s = parse_ok(R"(
table users {
  id integer primary_key
  name text
  updated_at timestamptz
}
view active_users security_invoker $$ SELECT users.id,
    users.name
   FROM users$$
materialized view user_counts $qail$ select count(*) as n from users $qail$
function touch() returns trigger language plpgsql $$
begin
  new.updated_at := now();
  return new;
end;
$$
function add(a integer, b integer default 0) returns integer language sql immutable strict parallel safe
  $$ select a + b $$
function list_users() returns table(id integer, name text) language sql stable $$ select id, name from users $$
procedure cleanup(days integer) language plpgsql security_definer set search_path = public $$ begin end $$
trigger users_touch on users before update of name, updated_at or insert execute touch
)");
    ASSERT_EQ(s.views.size(), 2u);
    const model::View* v = s.find_view(model::qualified("active_users"));
    ASSERT_NE(v, nullptr);
    EXPECT_TRUE(v->security_invoker);
    EXPECT_EQ(v->definition, " SELECT users.id,\n    users.name\n   FROM users");
    const model::View* mv = s.find_view(model::qualified("user_counts"));
    EXPECT_TRUE(mv->materialized);
    EXPECT_EQ(mv->definition, " select count(*) as n from users ");
    ASSERT_EQ(s.functions.size(), 4u);
    const model::Function& add = s.functions[0];
    EXPECT_EQ(add.name.name, "add");
    ASSERT_EQ(add.args.size(), 2u);
    EXPECT_EQ(add.args[1].default_expr, "0");
    EXPECT_EQ(add.volatility, model::Volatility::immutable);
    EXPECT_TRUE(add.strict);
    EXPECT_EQ(add.parallel, model::Parallel::safe);
    EXPECT_EQ(add.identity_args(), "integer, integer");
    const model::Function& cleanup = s.functions[1];
    EXPECT_TRUE(cleanup.is_procedure);
    EXPECT_EQ(cleanup.config, std::vector<std::string>{"search_path=public"});
    const model::Function& list = s.functions[2];
    EXPECT_EQ(list.returns, "TABLE(id integer, name text)");
    EXPECT_EQ(list.identity_args(), "");
    const model::Function& touch = s.functions[3];
    EXPECT_EQ(touch.returns, "trigger");
    EXPECT_EQ(touch.body, "\nbegin\n  new.updated_at := now();\n  return new;\nend;\n");
    ASSERT_EQ(s.triggers.size(), 1u);
    const model::Trigger& tr = s.triggers[0];
    EXPECT_EQ(tr.timing, model::TriggerTiming::before);
    EXPECT_TRUE(tr.on_update);
    EXPECT_TRUE(tr.on_insert);
    EXPECT_EQ(tr.update_columns, (std::vector<std::string>{"name", "updated_at"}));
    EXPECT_EQ(tr.function, model::qualified("touch"));
    EXPECT_TRUE(round_trips(s));
}

TEST(LangParser, PoliciesGrantsCommentsOwners) {
    model::Schema s = parse_ok(R"(
table orders {
  id integer primary_key
  customer_id uuid
  enable_rls
  force_rls
}
function f(x integer) returns integer language sql $$ select x $$
policy orders_owner on orders for select to app_user
  using $$ customer_id = current_setting('app.customer_id')::uuid $$
policy orders_write on orders restrictive
  using (true)
  with_check $$ customer_id is not null $$
grant select, insert on orders to app_user, reporting
grant all on orders to admin with_grant_option
grant select (customer_id), update (customer_id) on orders to auditor
grant execute on function f to app_user
revoke execute on function f(integer) from public
comment on orders "Customer orders"
comment on orders.customer_id "Who ordered"
comment on function f(integer) 'It''s a function'
owner table orders to app_owner
)");
    const model::Table& orders = table(s, "orders");
    EXPECT_TRUE(orders.rls_enabled);
    EXPECT_TRUE(orders.rls_forced);
    ASSERT_EQ(s.policies.size(), 2u);
    EXPECT_EQ(s.policies[0].command, model::PolicyCommand::select);
    EXPECT_EQ(s.policies[0].roles, std::vector<std::string>{"app_user"});
    EXPECT_EQ(s.policies[0].using_expr, "customer_id = current_setting('app.customer_id')::uuid");
    EXPECT_FALSE(s.policies[1].permissive);
    EXPECT_EQ(s.policies[1].using_expr, "true");
    EXPECT_EQ(s.policies[1].check_expr, "customer_id is not null");
    // grants: one per object and grantee
    int column_grants = 0;
    for (const auto& g : s.grants) {
        if (g.object.kind == model::ObjectKind::column) {
            ++column_grants;
            EXPECT_EQ(g.object.member, "customer_id");
            EXPECT_EQ(g.privileges, (std::vector<std::string>{"SELECT", "UPDATE"}));
        }
        if (g.grantee == "admin") {
            EXPECT_TRUE(g.with_grant_option);
            EXPECT_EQ(g.privileges.size(), 7u);
        }
        if (g.object.kind == model::ObjectKind::function) {
            EXPECT_EQ(g.object.args, "integer");
        }
    }
    EXPECT_EQ(column_grants, 1);
    EXPECT_EQ(s.grants.size(), 5u);
    ASSERT_EQ(s.revokes.size(), 1u);
    EXPECT_EQ(s.revokes[0].grantee, "PUBLIC");
    ASSERT_EQ(s.comments.size(), 3u);
    EXPECT_EQ(s.comments[0].text, "Customer orders");
    EXPECT_EQ(s.comments[1].object.kind, model::ObjectKind::column);
    EXPECT_EQ(s.comments[1].text, "Who ordered");
    EXPECT_EQ(s.comments[2].text, "It's a function");
    ASSERT_EQ(s.owners.size(), 1u);
    EXPECT_EQ(s.owners[0].role, "app_owner");
    EXPECT_TRUE(round_trips(s));
}

TEST(LangParser, GrantOnViewResolvesItsKind) {
    model::Schema s = parse_ok(R"(
view v $$ select 1 $$
grant select on v to app
comment on v "a view"
)");
    ASSERT_EQ(s.grants.size(), 1u);
    EXPECT_EQ(s.grants[0].object.kind, model::ObjectKind::view);
    EXPECT_EQ(s.comments[0].object.kind, model::ObjectKind::view);
}

TEST(LangParser, Hints) {
    model::Schema s = parse_ok(R"(
table users {
  id integer
  name text
  age integer
}
table accounts {
  id integer
}
rename users.username -> users.name
rename table people -> accounts
transform coalesce(data->>'age', '0')::int -> users.age
transform `a # b` -> users.age
drop confirm users.password
drop users.legacy confirm
drop table sessions confirm
drop index idx_old
drop trigger trg on users
drop policy users.p confirm
drop function f(integer, text)
drop if_exists_is_a_table
drop materialized view if exists mv confirm
drop schema old_stuff
)");
    ASSERT_EQ(s.renames.size(), 2u);
    EXPECT_EQ(s.renames[1].target, model::RenameHint::Target::table);
    EXPECT_EQ(s.renames[1].from, model::qualified("people"));
    EXPECT_EQ(s.renames[1].to, model::qualified("accounts"));
    ASSERT_EQ(s.transforms.size(), 2u);
    EXPECT_EQ(s.transforms[0].expression, "coalesce(data->>'age', '0')::int");
    EXPECT_EQ(s.transforms[0].column, "age");
    EXPECT_EQ(s.transforms[1].expression, "a # b");
    ASSERT_EQ(s.drops.size(), 10u);
    EXPECT_TRUE(s.drops[0].confirmed);
    EXPECT_EQ(s.drops[0].member, "password");
    EXPECT_TRUE(s.drops[1].confirmed);
    EXPECT_EQ(s.drops[1].member, "legacy");
    EXPECT_EQ(s.drops[2].target, model::DropHint::Target::table);
    EXPECT_FALSE(s.drops[3].confirmed);
    EXPECT_EQ(s.drops[4].target, model::DropHint::Target::trigger);
    EXPECT_EQ(s.drops[5].target, model::DropHint::Target::policy);
    EXPECT_EQ(s.drops[5].member, "p");
    EXPECT_EQ(s.drops[6].args, "integer, text");
    EXPECT_EQ(s.drops[7].target, model::DropHint::Target::table);
    EXPECT_EQ(s.drops[8].target, model::DropHint::Target::materialized_view);
    EXPECT_TRUE(s.drops[8].confirmed);
    EXPECT_EQ(s.drops[9].target, model::DropHint::Target::schema);
    EXPECT_TRUE(round_trips(s));
}

TEST(LangParser, PartitionsAndTableFlags) {
    model::Schema s = parse_ok(R"(
table events {
  id bigint
  created_at timestamptz not_null
  region text
  partition_by range (created_at)
  with (fillfactor=70, autovacuum_enabled = false)
}
partition events_2020 of events for values from ('2020-01-01') to ('2021-01-01')
partition events_2021 of events for values from ('2021-01-01') to ('2022-01-01') partition_by list (region)
partition events_rest of events default
unlogged table scratch {
  x integer
}
)");
    const model::Table& events = table(s, "events");
    EXPECT_EQ(events.partition_by, "RANGE (created_at)");
    EXPECT_EQ(events.options,
              (std::vector<std::string>{"fillfactor=70", "autovacuum_enabled=false"}));
    const model::Table& p2020 = table(s, "events_2020");
    ASSERT_TRUE(p2020.partition_of);
    EXPECT_EQ(p2020.partition_of->bound, "FOR VALUES FROM ('2020-01-01') TO ('2021-01-01')");
    EXPECT_EQ(table(s, "events_2021").partition_by, "LIST (region)");
    EXPECT_EQ(table(s, "events_rest").partition_of->bound, "DEFAULT");
    EXPECT_TRUE(table(s, "scratch").unlogged);
    EXPECT_TRUE(round_trips(s));
}

TEST(LangParser, Resources) {
    model::Schema s = parse_ok(R"(
bucket avatars { provider s3 region "eu-west-1" }
queue jobs
topic events {
  provider kafka
  partitions 12
}
)");
    ASSERT_EQ(s.resources.size(), 3u);
    EXPECT_EQ(s.resources[0].kind, "bucket");
    EXPECT_EQ(s.resources[0].properties[1],
              (std::pair<std::string, std::string>{"region", "eu-west-1"}));
    EXPECT_EQ(s.resources[2].properties.size(), 2u);
    EXPECT_TRUE(round_trips(s));
}

TEST(LangParser, CheckShorthands) {
    model::Schema s = parse_ok(R"(
table t {
  status text check(status in [draft, 'sent', "a,b"])
  n integer check(n between 1 10)
  m integer check(m not_null and n > 0)
  raw text check(`x in [1]`)
}
)");
    const model::Table& t = table(s, "t");
    std::vector<std::string> exprs;
    for (const auto& c : t.checks) {
        exprs.push_back(c.expression);
    }
    std::sort(exprs.begin(), exprs.end());
    EXPECT_EQ(exprs, (std::vector<std::string>{"m IS NOT NULL and n > 0", "n BETWEEN 1 AND 10",
                                                "status IN ('draft', 'sent', 'a,b')",
                                                "x in [1]"}));
    EXPECT_TRUE(round_trips(s));
}

TEST(LangParser, TrailingCommentsEverywhere) {
    const char* text = R"(extension pgcrypto  # for gen_random_uuid
table t {  # the table
  id integer primary_key  # key
  -- a whole-line comment inside
  v text default 'a # not a comment' # a comment
  enable_rls # rls
}  # after
index i on t (v)  # idx
rename t.old -> t.v  -- renamed
)";
    model::Schema s = parse_ok(text);
    const model::Table& t = table(s, "t");
    EXPECT_EQ(t.origin.trailing_comment, "# the table");
    EXPECT_EQ(t.columns[0].origin.trailing_comment, "# key");
    EXPECT_EQ(t.columns[1].default_expr, "'a # not a comment'");
    EXPECT_EQ(t.columns[1].origin.comments, std::vector<std::string>{"-- a whole-line comment inside"});
    EXPECT_EQ(s.renames[0].origin.trailing_comment, "-- renamed");
    EXPECT_TRUE(formats_stably(text));
    std::string printed = print_schema(s);
    for (const char* kept : {"# for gen_random_uuid", "# the table", "# key", "# a comment",
                             "# rls", "# after", "# idx", "-- renamed",
                             "-- a whole-line comment inside"}) {
        EXPECT_NE(printed.find(kept), std::string::npos) << kept << " lost:\n" << printed;
    }
}

TEST(LangParser, HeaderAndFooterComments) {
    const char* text = "# header line 1\n# header line 2\n\ntable b {\n  x integer\n}\n\n"
                       "# about a\ntable a {\n  y integer\n}\n# the end\n";
    model::Schema s = parse_ok(text);
    EXPECT_EQ(s.origin.comments.size(), 2u);
    EXPECT_EQ(s.origin.closing_comments, std::vector<std::string>{"# the end"});
    std::string printed = print_schema(s);
    EXPECT_EQ(printed.rfind("# header line 1\n# header line 2\n\n", 0), 0u) << printed;
    EXPECT_NE(printed.find("# about a\ntable a {"), std::string::npos) << printed;
    EXPECT_TRUE(formats_stably(text));
}

TEST(LangParser, CrlfLineEndings) {
    std::string text = "table users {\r\n  id serial primary_key\r\n  name text not_null # c\r\n}\r\n"
                       "index i on users (name)\r\n";
    model::Schema s = parse_ok(text);
    const model::Table& t = table(s, "users");
    ASSERT_EQ(t.columns.size(), 2u);
    EXPECT_EQ(t.columns[1].origin.trailing_comment, "# c");
    EXPECT_EQ(s.indexes.size(), 1u);
    std::string lf = text;
    lf.erase(std::remove(lf.begin(), lf.end(), '\r'), lf.end());
    EXPECT_EQ(parse_ok(lf), s);
}

TEST(LangParser, EmptyAndCommentOnlyFiles) {
    EXPECT_TRUE(parse_ok("").empty());
    EXPECT_TRUE(parse_ok("\n\n  \n").empty());
    EXPECT_TRUE(parse_ok("# only a comment\n-- and another\n").empty());
    EXPECT_EQ(print_schema(parse_ok("")), "");
    EXPECT_TRUE(formats_stably("# only a comment\n"));
    EXPECT_TRUE(formats_stably("# header\n\n"));
}

TEST(LangParser, StatementsInOrder) {
    std::vector<Statement> statements = parse_statements(
        "drop users.a confirm\ntable users {\n  b text\n}\nrename users.c -> users.b\n", "d.qail");
    ASSERT_EQ(statements.size(), 3u);
    EXPECT_TRUE(std::holds_alternative<model::DropHint>(statements[0]));
    EXPECT_TRUE(std::holds_alternative<model::Table>(statements[1]));
    EXPECT_TRUE(std::holds_alternative<model::RenameHint>(statements[2]));
}

TEST(LangParser, ColumnLineForAlterStatements) {
    std::string text = "alter users add email text not_null unique references accounts(id)\n";
    SourceText source(text, "delta.qail");
    model::Table table;
    table.name = model::qualified("users");
    size_t end = StatementParser::parse_column_line(source, text.find("email"), table);
    EXPECT_EQ(end, text.size());
    ASSERT_EQ(table.columns.size(), 1u);
    EXPECT_EQ(table.columns[0].name, "email");
    EXPECT_TRUE(table.columns[0].not_null);
    EXPECT_EQ(table.uniques.size(), 1u);
    EXPECT_EQ(table.foreign_keys.size(), 1u);
    std::string bad = "alter users add email text not_nul\n";
    SourceText bad_source(bad, "delta.qail");
    try {
        StatementParser::parse_column_line(bad_source, bad.find("email"), table);
        FAIL();
    } catch (const InputError& e) {
        EXPECT_NE(e.render().find("delta.qail:1:28: error: unknown column option 'not_nul'"),
                  std::string::npos)
            << e.render();
    }
}

TEST(LangParser, HookParsesUnknownStatements) {
    std::string text = "sql $$ select 1 $$\ntable t {\n  a integer\n}\n";
    SourceText source(text, "delta.qail");
    ParseHooks hooks;
    int seen = 0;
    hooks.unknown_statement = [&](HookContext& context, std::string_view word) {
        if (word != "sql") {
            return false;
        }
        ++seen;
        size_t end = context.source.text().find('\n', context.position);
        context.position = end == std::string_view::npos ? context.source.text().size() : end + 1;
        return true;
    };
    StatementParser parser(source, hooks);
    std::vector<Statement> statements;
    parser.parse([&](Statement&& s) { statements.push_back(std::move(s)); });
    EXPECT_TRUE(parser.diagnostics().empty());
    EXPECT_EQ(seen, 1);
    EXPECT_EQ(statements.size(), 1u);
}

} // namespace
} // namespace qail::lang
