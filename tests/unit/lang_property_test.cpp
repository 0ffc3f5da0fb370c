// Property: for random schemas of every object kind, with awkward names and
// expressions, print -> parse gives the same model and printing is idempotent.
// Also over every example file and the upstream modular corpus.

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "lang_test_util.hpp"
#include "support/temp_dir.hpp"

#include <qail/model/naming.hpp>
#include <qail/model/types.hpp>
#include <qail/sql/quote.hpp>

namespace qail::lang {
namespace {

namespace fs = std::filesystem;

class Generator {
public:
    explicit Generator(uint32_t seed) : m_rng(seed) {}

    model::Schema schema() {
        model::Schema s;
        int schemas = pick(3);
        for (int i = 0; i < schemas; ++i) {
            s.schemas.push_back(model::SchemaDef{name(), {}});
        }
        m_schemas = {"public"};
        for (const auto& d : s.schemas) {
            if (d.name != "public") {
                m_schemas.push_back(d.name);
            }
        }
        for (int i = 0, n = pick(3); i < n; ++i) {
            model::Extension e;
            e.name = pick_of({"pgcrypto", "uuid-ossp", "citext", "Weird Ext", "btree_gist"});
            if (chance(3)) {
                e.schema = m_schemas[static_cast<size_t>(pick(static_cast<int>(m_schemas.size())))];
            }
            if (chance(3)) {
                e.version = pick_of({"1.1", "2.0 beta", "1", "x\"y"});
            }
            decorate(e.origin);
            s.extensions.push_back(e);
        }
        for (int i = 0, n = pick(3); i < n; ++i) {
            model::EnumType e;
            e.name = qname();
            for (int k = 0, m = 1 + pick(4); k < m; ++k) {
                std::string v = pick_of({"pending", "paid", "on hold", "it's", "a,b", "É", "x}",
                                         "#tag", "--", "{", "Mixed", "1st", "\"q\""}) +
                                std::to_string(k);
                e.values.push_back(v);
            }
            decorate(e.origin);
            s.enums.push_back(e);
        }
        for (int i = 0, n = pick(3); i < n; ++i) {
            model::Domain d;
            d.name = qname();
            d.base_type = type();
            d.not_null = chance(2);
            if (chance(2)) {
                d.default_expr = expression();
            }
            if (chance(4)) {
                d.collation = pick_of({"C", "en_US", "de-DE-x-icu"});
            }
            for (int k = 0, m = pick(3); k < m; ++k) {
                model::DomainCheck c;
                c.expression = pick_of({"VALUE > 0", "VALUE <> ''", "(VALUE ~ '@')",
                                        "char_length(VALUE) < 10"});
                c.name = k == 0 ? std::string() : name();
                c.not_valid = chance(4);
                d.checks.push_back(c);
            }
            decorate(d.origin);
            s.domains.push_back(d);
        }
        for (int i = 0, n = pick(2); i < n; ++i) {
            model::CompositeType t;
            t.name = qname();
            for (int k = 0, m = 1 + pick(3); k < m; ++k) {
                model::CompositeAttribute a;
                a.name = name() + std::to_string(k);
                a.type = type();
                if (chance(5)) {
                    a.collation = "C";
                }
                t.attributes.push_back(a);
            }
            decorate(t.origin);
            s.composite_types.push_back(t);
        }
        for (int i = 0, n = pick(3); i < n; ++i) {
            model::Sequence q;
            q.name = qname();
            q.options = sequence_options();
            if (chance(4)) {
                q.owned_by_table = qname();
                q.owned_by_column = name();
            }
            decorate(q.origin);
            s.sequences.push_back(q);
        }
        int tables = 1 + pick(5);
        for (int i = 0; i < tables; ++i) {
            s.tables.push_back(table(s, i));
        }
        for (int i = 0, n = pick(5); i < n; ++i) {
            s.indexes.push_back(index(s));
        }
        for (int i = 0, n = pick(3); i < n; ++i) {
            model::View v;
            v.name = qname();
            v.materialized = chance(3);
            v.definition = pick_of({" SELECT 1", "select $$x$$ as a", "\n  SELECT *\n   FROM t\n",
                                    "select '$q$' || $q1$ $q$ $q1$", "select 1 -- tail",
                                    "SELECT a.\"X\"\n   FROM a\n  WHERE (a.b > 0)"});
            if (!v.materialized) {
                v.security_invoker = chance(2);
                v.security_barrier = chance(4);
                v.check_option = static_cast<model::CheckOption>(pick(3));
            } else {
                v.with_no_data = chance(3);
            }
            if (chance(4)) {
                v.options = {"fillfactor=50"};
            }
            decorate(v.origin);
            s.views.push_back(v);
        }
        for (int i = 0, n = pick(4); i < n; ++i) {
            s.functions.push_back(function());
        }
        for (int i = 0, n = pick(3); i < n && !s.tables.empty(); ++i) {
            model::Trigger t;
            t.name = name() + std::to_string(i);
            t.table = s.tables[static_cast<size_t>(pick(static_cast<int>(s.tables.size())))].name;
            t.timing = static_cast<model::TriggerTiming>(pick(3));
            t.on_insert = chance(2);
            t.on_update = chance(2);
            t.on_delete = !t.on_insert && !t.on_update ? true : chance(3);
            t.on_truncate = chance(5);
            if (t.on_update && chance(2)) {
                t.update_columns = {name(), name() + "2"};
            }
            t.for_each_row = chance(3) != 0 ? true : false;
            if (chance(3)) {
                t.when = pick_of({"new.a IS DISTINCT FROM old.a", "(new.x > 0)", "true"});
            }
            if (chance(5)) {
                t.old_table = name();
                t.new_table = name() + "_new";
            }
            t.constraint = chance(5);
            t.deferral = deferral();
            t.function = qname();
            if (chance(3)) {
                t.function_args = {"a", "it's", "1"};
            }
            t.enabled = chance(4) != 0 ? true : false;
            decorate(t.origin);
            s.triggers.push_back(t);
        }
        for (int i = 0, n = pick(3); i < n && !s.tables.empty(); ++i) {
            model::Policy p;
            p.name = name() + std::to_string(i);
            p.table = s.tables[static_cast<size_t>(pick(static_cast<int>(s.tables.size())))].name;
            p.command = static_cast<model::PolicyCommand>(pick(5));
            p.permissive = chance(3) != 0;
            if (chance(2)) {
                p.roles = {name(), "app_user"};
                std::sort(p.roles.begin(), p.roles.end());
                p.roles.erase(std::unique(p.roles.begin(), p.roles.end()), p.roles.end());
            }
            if (chance(2)) {
                p.using_expr = pick_of({"owner = current_user", "true", "a $$ b",
                                        "x = '$$'", "(tenant_id = current_setting('t')::uuid)"});
            }
            if (chance(2)) {
                p.check_expr = pick_of({"owner = current_user", "(a > 0)", "$q$ x $q$ = 'x'"});
            }
            decorate(p.origin);
            s.policies.push_back(p);
        }
        for (int i = 0, n = pick(5); i < n; ++i) {
            model::Grant g;
            g.object = object_ref(s);
            g.privileges = privileges(g.object.kind);
            g.grantee = chance(4) == 0 ? "PUBLIC" : name();
            g.with_grant_option = chance(4) == 0;
            decorate(g.origin);
            s.grants.push_back(g);
        }
        for (int i = 0, n = pick(3); i < n; ++i) {
            model::Revoke r;
            r.object = object_ref(s);
            r.privileges = privileges(r.object.kind);
            r.grantee = chance(2) == 0 ? "PUBLIC" : name();
            decorate(r.origin);
            s.revokes.push_back(r);
        }
        for (int i = 0, n = pick(4); i < n; ++i) {
            model::Comment c;
            c.object = object_ref(s);
            c.text = pick_of({"plain", "with \"quotes\"", "it's", "multi\nline", "", "# hash",
                              "$$ dollars $$"});
            decorate(c.origin);
            s.comments.push_back(c);
        }
        for (int i = 0, n = pick(3); i < n; ++i) {
            model::Owner o;
            o.object = object_ref(s);
            o.role = name();
            decorate(o.origin);
            s.owners.push_back(o);
        }
        for (int i = 0, n = pick(3); i < n; ++i) {
            model::Resource r;
            r.kind = pick_of({"bucket", "queue", "topic"});
            r.name = pick_of({"avatars", "my-bucket", "jobs.v2", "with space"}) + std::to_string(i);
            for (int k = 0, m = pick(3); k < m; ++k) {
                r.properties.emplace_back(pick_of({"provider", "region", "key"}),
                                          pick_of({"s3", "eu-west-1", "a b", "x\"y", "12"}));
            }
            decorate(r.origin);
            s.resources.push_back(r);
        }
        hints(s);
        if (chance(3)) {
            s.origin.comments = {"# header", "-- second header line"};
        }
        if (chance(3)) {
            s.origin.closing_comments = {"# footer"};
        }
        model::normalize(s);
        dedupe(s);
        return s;
    }

private:
    std::mt19937 m_rng;
    std::vector<std::string> m_schemas{"public"};

    int pick(int n) { return n <= 0 ? 0 : static_cast<int>(m_rng() % static_cast<uint32_t>(n)); }
    int chance(int n) { return pick(n) == 0 ? 1 : 0; }
    std::string pick_of(std::initializer_list<const char*> options) {
        auto it = options.begin();
        std::advance(it, pick(static_cast<int>(options.size())));
        return *it;
    }

    void decorate(model::SourceRef& origin) {
        if (chance(4)) {
            origin.comments = {pick_of({"# a note", "-- sql style", "#no space", "# ünïcode"})};
        }
        if (chance(4)) {
            origin.trailing_comment = pick_of({"# trailing", "-- trailing", "#x"});
        }
    }

    std::string name() {
        static const char* const k_names[] = {
            "users", "order_items", "a", "id", "User Table", "check", "select", "a\"b",
            "ünïcode", "x#y", "with", "exclude", "constraint", "confirm", "1abc", "a.b", "$x",
            "Mixed", "unique", "primary_key", "enable_rls", "default", "on", "to", "table",
            "tab\there", "new\nline", "--x", "nulls", "if", "exists", "name", "type", "index",
            "public", "from", "all", "`tick`", "}", "{", "x y", "a-b", "concurrently",
            "partition_by", "unlogged", "force_rls", "foreign_key", "nulls_not_distinct",
        };
        return k_names[pick(static_cast<int>(std::size(k_names)))];
    }

    model::QualifiedName qname() {
        std::string schema = m_schemas[static_cast<size_t>(pick(static_cast<int>(m_schemas.size())))];
        return model::QualifiedName{schema, name()};
    }

    std::string type() {
        static const char* const k_types[] = {
            "integer", "bigint", "text", "character varying(20)", "numeric(12,2)",
            "timestamp with time zone", "timestamp(3) without time zone", "double precision",
            "jsonb", "uuid", "text[]", "integer[]", "vector(3)", "citext", "\"MyType\"",
            "billing.money", "interval day to second", "bit varying(8)", "boolean", "bytea",
            "date", "time with time zone", "character(1)", "\"char\"", "tsvector", "int4range",
            "\"Weird Type\"[]", "\"s p\".\"T\"", "numeric", "interval", "smallint",
        };
        std::string t = k_types[pick(static_cast<int>(std::size(k_types)))];
        EXPECT_EQ(model::canonical_type(t), t);
        return t;
    }

    std::string expression() {
        static const char* const k_exprs[] = {
            "0", "'pending'::text", "(now() + '1 day'::interval)", "'a # b'", "(a # b)",
            "'it''s'", "ARRAY['x', 'y']", "lower('-- not a comment')", "$$dollar$$",
            "E'\\\\n'", "\"Weird\" + 1", "CURRENT_TIMESTAMP", "nextval('seq'::regclass)",
            "'{}'::jsonb", "1 # 2", "foo references bar", "1 +\n2", "a -- b", "`tick`",
            "x not_null", "check_me()", "'x' COLLATE \"C\"", "f(a, b)", "-1", "(1)",
            "'multi\nline'", "1)", "((", "unique", "E'it\\'s'", "$q$ a $$ b $q$", "'#'",
            "x default y", "generated_stored(1)",
        };
        return k_exprs[pick(static_cast<int>(std::size(k_exprs)))];
    }

    model::SequenceOptions sequence_options() {
        model::SequenceOptions o;
        if (chance(2)) {
            o.start = pick(1000) - 500;
        }
        if (chance(2)) {
            o.increment = 1 + pick(10);
        }
        if (chance(3)) {
            o.min_value = -9223372036854775807LL - 1;
        }
        if (chance(3)) {
            o.max_value = 9223372036854775807LL;
        }
        if (chance(3)) {
            o.cache = 1 + pick(50);
        }
        o.cycle = chance(4) != 0;
        if (chance(3)) {
            o.data_type = pick_of({"bigint", "integer", "smallint"});
        }
        return o;
    }

    model::Deferral deferral() {
        model::Deferral d;
        int k = pick(4);
        d.deferrable = k >= 2;
        d.initially_deferred = k == 3;
        return d;
    }

    model::IndexElement element(const std::vector<std::string>& columns) {
        model::IndexElement e;
        if (chance(3) || columns.empty()) {
            e.is_expression = true;
            e.key = pick_of({"lower(email)", "(a + b)", "(data ->> 'k'::text)",
                             "public.f(x, 'y')", "\"Func\"(a)", "coalesce(a, ')')",
                             "a + b", "x::text", "(a)) (b", "date_trunc('day'::text, t)"});
        } else {
            e.key = columns[static_cast<size_t>(pick(static_cast<int>(columns.size())))];
        }
        if (chance(5)) {
            e.collation = pick_of({"C", "de_DE", "pg_x.C"});
        }
        if (chance(4)) {
            e.opclass = pick_of({"text_pattern_ops", "jsonb_path_ops", "My Ops", "s.ops"});
            if (chance(3)) {
                e.opclass_params = "(siglen=32)";
            }
        }
        e.descending = chance(3) != 0;
        if (chance(4)) {
            e.nulls_first = !e.descending;
        }
        return e;
    }

    model::Table table(const model::Schema& s, int index) {
        model::Table t;
        t.name = qname();
        t.name.name += std::to_string(index);
        std::vector<std::string> columns;
        for (int k = 0, m = 1 + pick(6); k < m; ++k) {
            model::Column c;
            c.name = name() + (k > 0 ? std::to_string(k) : std::string());
            c.type = type();
            c.not_null = chance(2) != 0;
            if (chance(3)) {
                c.default_expr = expression();
            } else if (chance(6) && (c.type == "integer" || c.type == "bigint")) {
                c.identity = chance(2) ? model::IdentityKind::always : model::IdentityKind::by_default;
                c.not_null = true;
                if (chance(2)) {
                    c.identity_options = sequence_options();
                }
            } else if (chance(6)) {
                c.generated_expr = pick_of({"a * 2", "lower(x)", "(a + 1)", "f(')')"});
            }
            if (chance(6)) {
                c.collation = pick_of({"C", "en-x-icu"});
            }
            if (chance(8)) {
                c.storage = pick_of({"plain", "external", "extended", "main"});
            }
            if (chance(8)) {
                c.compression = pick_of({"lz4", "pglz"});
            }
            decorate(c.origin);
            columns.push_back(c.name);
            t.columns.push_back(c);
        }
        // names unique within the table (generator picks from a small pool)
        std::sort(columns.begin(), columns.end());
        if (std::adjacent_find(columns.begin(), columns.end()) != columns.end()) {
            for (size_t k = 0; k < t.columns.size(); ++k) {
                t.columns[k].name += "_" + std::to_string(k);
            }
        }
        columns.clear();
        for (const auto& c : t.columns) {
            columns.push_back(c.name);
        }
        auto some_columns = [&](int max) {
            std::vector<std::string> out;
            for (int k = 0, m = 1 + pick(max); k < m; ++k) {
                const std::string& c = columns[static_cast<size_t>(pick(static_cast<int>(columns.size())))];
                if (std::find(out.begin(), out.end(), c) == out.end()) {
                    out.push_back(c);
                }
            }
            return out;
        };
        auto constraint_name = [&]() -> std::string {
            int k = pick(5);
            if (k == 0) {
                return name() + "_c";
            }
            return std::string();
        };
        if (chance(2)) {
            model::PrimaryKey pk;
            pk.columns = some_columns(2);
            pk.name = constraint_name();
            if (chance(6)) {
                pk.include = {columns[0]};
            }
            if (chance(6)) {
                pk.deferral = deferral();
            }
            for (auto& c : t.columns) {
                if (std::find(pk.columns.begin(), pk.columns.end(), c.name) != pk.columns.end()) {
                    c.not_null = true;
                }
            }
            decorate(pk.origin);
            t.primary_key = pk;
        }
        for (int k = 0, m = pick(3); k < m; ++k) {
            model::UniqueConstraint u;
            u.columns = some_columns(2);
            u.name = constraint_name();
            u.nulls_not_distinct = chance(4) != 0;
            if (chance(6)) {
                u.include = {columns.back()};
            }
            u.deferral = chance(5) ? deferral() : model::Deferral{};
            decorate(u.origin);
            t.uniques.push_back(u);
        }
        for (int k = 0, m = pick(3); k < m; ++k) {
            model::CheckConstraint c;
            const std::string& col = columns[static_cast<size_t>(pick(static_cast<int>(columns.size())))];
            std::string q = sql::quote_ident(col);
            c.expression = pick_of({"@ > 0", "length(@) > 0", "(@ IS NOT NULL)", "1 = 1",
                                    "@ <> '#'", "@ IN ('a', 'b')", "x in [1]",
                                    "@ between 1 2", "((@)::text ~ 'x')"});
            for (size_t p = c.expression.find('@'); p != std::string::npos;
                 p = c.expression.find('@')) {
                c.expression.replace(p, 1, q);
            }
            c.name = constraint_name();
            c.no_inherit = chance(6) != 0;
            c.not_valid = chance(6) != 0;
            decorate(c.origin);
            t.checks.push_back(c);
        }
        for (int k = 0, m = pick(3); k < m; ++k) {
            model::ForeignKey fk;
            fk.columns = some_columns(2);
            fk.name = constraint_name();
            if (!s.tables.empty() && chance(2)) {
                const model::Table& target =
                    s.tables[static_cast<size_t>(pick(static_cast<int>(s.tables.size())))];
                fk.ref_table = target.name;
                for (size_t i = 0; i < fk.columns.size() && i < target.columns.size(); ++i) {
                    fk.ref_columns.push_back(target.columns[i].name);
                }
            } else {
                fk.ref_table = qname();
                for (size_t i = 0; i < fk.columns.size(); ++i) {
                    fk.ref_columns.push_back(name() + std::to_string(i));
                }
            }
            fk.on_delete = static_cast<model::FkAction>(pick(5));
            fk.on_update = static_cast<model::FkAction>(pick(5));
            fk.match = chance(5) ? model::FkMatch::full : model::FkMatch::simple;
            fk.deferral = deferral();
            fk.not_valid = chance(5) != 0;
            decorate(fk.origin);
            t.foreign_keys.push_back(fk);
        }
        for (int k = 0, m = chance(4); k < m; ++k) {
            model::ExclusionConstraint x;
            x.name = constraint_name();
            x.method = pick_of({"gist", "btree", "spgist"});
            for (int e = 0, n = 1 + pick(2); e < n; ++e) {
                x.elements.push_back(model::ExclusionElement{element(columns),
                                                             pick_of({"=", "&&", "<->", "~="})});
            }
            if (chance(3)) {
                x.where = pick_of({"a > 0", "(b IS NULL)", "x = ')'"});
            }
            x.deferral = deferral();
            decorate(x.origin);
            t.exclusions.push_back(x);
        }
        // names that look like PostgreSQL's defaults, some of them not the
        // one normalize() would choose: the printer must tell them apart
        for (auto& u : t.uniques) {
            if (chance(3)) {
                u.name = model::make_object_name(t.name.name, model::name_addition(u.columns),
                                                 pick_of({"key", "key1", "key2"}));
            }
        }
        for (auto& fk : t.foreign_keys) {
            if (chance(3)) {
                fk.name = model::make_object_name(t.name.name, model::name_addition(fk.columns),
                                                  pick_of({"fkey", "fkey1"}));
            }
        }
        for (auto& c : t.checks) {
            if (chance(3)) {
                c.name = model::make_object_name(t.name.name, "", pick_of({"check", "check1"}));
            }
        }
        if (t.primary_key && chance(3)) {
            t.primary_key->name = model::make_object_name(t.name.name, "", pick_of({"pkey", "pkey1"}));
        }
        if (chance(4)) {
            t.partition_by = pick_of({"RANGE (created_at)", "LIST (region)", "HASH (id)",
                                      "RANGE (((data ->> 'x'::text)))"});
        }
        if (chance(5) && !s.tables.empty()) {
            t.partition_of = model::PartitionOf{
                s.tables[0].name,
                pick_of({"FOR VALUES FROM ('2020-01-01') TO ('2021-01-01')",
                         "FOR VALUES IN (1, 2)", "FOR VALUES WITH (modulus 4, remainder 0)",
                         "DEFAULT", "FOR VALUES FROM (MINVALUE) TO (')')"})};
            if (chance(2)) {
                t.columns.clear();
                t.primary_key.reset();
                t.uniques.clear();
                t.checks.clear();
                t.foreign_keys.clear();
                t.exclusions.clear();
            }
        }
        t.unlogged = chance(6) != 0;
        t.rls_enabled = chance(4) != 0;
        t.rls_forced = chance(6) != 0;
        if (chance(5)) {
            t.options = {"autovacuum_enabled=false", "fillfactor=70"};
        }
        decorate(t.origin);
        if (chance(4)) {
            t.origin.closing_comments = {"# end of table"};
        }
        return t;
    }

    model::Index index(const model::Schema& s) {
        model::Index i;
        const model::Table* t = s.tables.empty() ? nullptr
                                                 : &s.tables[static_cast<size_t>(
                                                       pick(static_cast<int>(s.tables.size())))];
        i.table = t != nullptr ? t->name : qname();
        i.name = model::QualifiedName{i.table.schema, name() + "_idx" + std::to_string(pick(100))};
        i.unique = chance(3) != 0;
        i.method = pick_of({"btree", "gin", "gist", "hnsw", "My Method"});
        std::vector<std::string> columns;
        if (t != nullptr) {
            for (const auto& c : t->columns) {
                columns.push_back(c.name);
            }
        }
        for (int k = 0, m = 1 + pick(3); k < m; ++k) {
            i.elements.push_back(element(columns));
        }
        if (chance(4) && !columns.empty()) {
            i.include = {columns[0]};
        }
        if (chance(3)) {
            i.where = pick_of({"status <> 'x'", "(a # b) = 0", "a # b", "x -- y", "deleted_at IS NULL",
                               "multi\nline", "`t`"});
        }
        i.nulls_not_distinct = chance(6) != 0;
        if (chance(5)) {
            i.options = {"fillfactor=70"};
        }
        i.concurrently.value = chance(4) != 0;
        decorate(i.origin);
        return i;
    }

    model::Function function() {
        model::Function f;
        f.name = qname();
        f.is_procedure = chance(4) != 0;
        for (int k = 0, m = pick(4); k < m; ++k) {
            model::FunctionArg a;
            a.mode = static_cast<model::ArgMode>(pick(f.is_procedure ? 3 : 4));
            a.name = chance(4) ? std::string() : name() + std::to_string(k);
            a.type = type();
            if (chance(4)) {
                a.default_expr = pick_of({"0", "'a,b'", "f(1, 2)", "NULL::text", "(1)"});
            }
            f.args.push_back(a);
        }
        if (!f.is_procedure) {
            int kind = pick(4);
            if (kind == 0) {
                f.returns = "SETOF " + type();
            } else if (kind == 1) {
                model::FunctionArg c1;
                c1.mode = model::ArgMode::table;
                c1.name = "id";
                c1.type = "integer";
                model::FunctionArg c2;
                c2.mode = model::ArgMode::table;
                c2.name = "Name";
                c2.type = "text";
                f.args.push_back(c1);
                f.args.push_back(c2);
                f.returns = "TABLE(id integer, \"Name\" text)";
            } else {
                f.returns = pick_of({"integer", "trigger", "void", "text[]"});
            }
        }
        f.language = pick_of({"sql", "plpgsql", "plpython3u"});
        f.volatility = static_cast<model::Volatility>(pick(3));
        f.strict = chance(3) != 0;
        f.security_definer = chance(3) != 0;
        f.leakproof = chance(5) != 0;
        f.parallel = static_cast<model::Parallel>(pick(3));
        if (chance(4)) {
            f.cost = pick_of({"1", "0.5", "1e+20"}) == std::string("1") ? 1.0 : 0.25;
        }
        if (chance(5)) {
            f.rows = 1000;
        }
        if (chance(3)) {
            f.config = {"search_path=public, pg_temp", "work_mem=64MB"};
        }
        f.body = pick_of({"\nbegin\n  return 1;\nend;\n", " select 1 ", "select $$x$$",
                          "select '$q$'", "", "$", "x$", "select 1 $$"});
        f.sql_body = chance(6) != 0;
        decorate(f.origin);
        return f;
    }

    model::ObjectRef object_ref(const model::Schema& s) {
        model::ObjectRef r;
        using K = model::ObjectKind;
        r.kind = static_cast<K>(pick(16));
        r.name = qname();
        switch (r.kind) {
        case K::schema:
        case K::extension:
            r.name = model::QualifiedName{"", name()};
            break;
        case K::column:
        case K::trigger:
        case K::policy:
        case K::constraint:
        case K::domain_constraint:
            r.member = name();
            break;
        case K::function:
        case K::procedure:
            r.args = pick_of({"", "integer", "integer, text", "VARIADIC integer[]"});
            break;
        default:
            break;
        }
        if (r.kind == K::table && !s.tables.empty()) {
            r.name = s.tables[0].name;
        }
        return r;
    }

    std::vector<std::string> privileges(model::ObjectKind kind) {
        using K = model::ObjectKind;
        std::vector<std::string> all;
        switch (kind) {
        case K::table:
        case K::view:
        case K::materialized_view:
            all = {"DELETE", "INSERT", "REFERENCES", "SELECT", "TRIGGER", "TRUNCATE", "UPDATE"};
            break;
        case K::column:
            all = {"INSERT", "REFERENCES", "SELECT", "UPDATE"};
            break;
        case K::sequence:
            all = {"SELECT", "UPDATE", "USAGE"};
            break;
        case K::function:
        case K::procedure:
            all = {"EXECUTE"};
            break;
        case K::schema:
            all = {"CREATE", "USAGE"};
            break;
        default:
            all = {"USAGE"};
            break;
        }
        if (chance(3)) {
            return all;
        }
        std::vector<std::string> some;
        for (const auto& p : all) {
            if (chance(2)) {
                some.push_back(p);
            }
        }
        if (some.empty()) {
            some.push_back(all.front());
        }
        return some;
    }

    void hints(model::Schema& s) {
        for (int i = 0, n = pick(3); i < n; ++i) {
            model::RenameHint h;
            int kind = pick(4);
            if (kind == 0) {
                h.target = model::RenameHint::Target::column;
                h.from = qname();
                h.to = h.from;
                h.from_column = name();
                h.to_column = h.from_column + "_new";
            } else if (kind == 1) {
                h.target = model::RenameHint::Target::schema;
                h.from = model::QualifiedName{"", name()};
                h.to = model::QualifiedName{"", name() + "2"};
            } else {
                h.target = static_cast<model::RenameHint::Target>(1 + pick(6));
                h.from = qname();
                h.to = model::QualifiedName{h.from.schema, name() + "_renamed"};
            }
            decorate(h.origin);
            s.renames.push_back(h);
        }
        for (int i = 0, n = pick(3); i < n; ++i) {
            model::TransformHint h;
            h.expression = pick_of({"coalesce(data->>'age', '0')::int", "a -> 'b'",
                                    "x # y", "upper(name)", "'->'", "a ->", "`q`", "1\n+2"});
            h.table = qname();
            h.column = name();
            decorate(h.origin);
            s.transforms.push_back(h);
        }
        for (int i = 0, n = pick(4); i < n; ++i) {
            model::DropHint h;
            using T = model::DropHint::Target;
            h.target = static_cast<T>(pick(13));
            h.name = qname();
            switch (h.target) {
            case T::column:
            case T::trigger:
            case T::policy:
            case T::constraint:
                h.member = name();
                break;
            case T::schema:
            case T::extension:
                h.name = model::QualifiedName{"", name()};
                break;
            case T::function:
                h.args = pick_of({"", "integer", "integer, text"});
                break;
            default:
                break;
            }
            h.confirmed = chance(2) != 0;
            decorate(h.origin);
            s.drops.push_back(h);
        }
    }

    // The model cannot hold two objects with one key in a sorted collection
    // that the printer keys by name (tables): keep the first.
    static void dedupe(model::Schema& s) {
        auto unique_by = [](auto& items, auto key) {
            std::set<decltype(key(items.front()))> seen;
            std::vector<std::remove_reference_t<decltype(items.front())>> out;
            for (auto& item : items) {
                if (seen.insert(key(item)).second) {
                    out.push_back(std::move(item));
                }
            }
            items = std::move(out);
        };
        if (!s.tables.empty()) {
            unique_by(s.tables, [](const model::Table& t) { return t.name; });
        }
        // two constraints of a table with one name are invalid (and their
        // order in the sorted model would be arbitrary): rename the later ones
        for (model::Table& t : s.tables) {
            std::set<std::string> names;
            int n = 0;
            auto fix = [&](std::string& name) {
                while (!names.insert(name).second) {
                    name += "_" + std::to_string(++n);
                }
            };
            if (t.primary_key) {
                fix(t.primary_key->name);
            }
            for (auto& c : t.uniques) {
                fix(c.name);
            }
            for (auto& c : t.checks) {
                fix(c.name);
            }
            for (auto& c : t.foreign_keys) {
                fix(c.name);
            }
            for (auto& c : t.exclusions) {
                fix(c.name);
            }
        }
        model::normalize(s);
        if (!s.grants.empty()) {
            unique_by(s.grants, [](const model::Grant& g) {
                return std::make_tuple(g.object, g.grantee, g.with_grant_option);
            });
        }
        if (!s.revokes.empty()) {
            unique_by(s.revokes,
                      [](const model::Revoke& r) { return std::make_tuple(r.object, r.grantee); });
        }
        // a table's row type and the untyped-reference resolution: grants and
        // comments on a "table" that is really a view are written as views
        for (auto* list : {&s.grants}) {
            (void)list;
        }
    }
};

// References that parse_schema resolves (a "table" that is a view) would not
// come back as written; the generator's refs are made to match first.
void resolve_like_parser(model::Schema& s) {
    auto fix = [&](model::ObjectRef& ref) {
        if (ref.kind != model::ObjectKind::table || s.find_table(ref.name) != nullptr) {
            return;
        }
        for (const auto& v : s.views) {
            if (v.name == ref.name) {
                ref.kind = v.materialized ? model::ObjectKind::materialized_view
                                          : model::ObjectKind::view;
                return;
            }
        }
        if (s.find_sequence(ref.name) != nullptr) {
            ref.kind = model::ObjectKind::sequence;
        }
    };
    for (auto& g : s.grants) {
        fix(g.object);
    }
    for (auto& r : s.revokes) {
        fix(r.object);
    }
    for (auto& c : s.comments) {
        fix(c.object);
    }
    for (auto& o : s.owners) {
        fix(o.object);
    }
    model::normalize(s);
}

TEST(LangProperty, RandomSchemasRoundTrip) {
    int failures = 0;
    for (uint32_t seed = 1; seed <= 1500 && failures < 5; ++seed) {
        Generator generator(seed);
        model::Schema s = generator.schema();
        resolve_like_parser(s);
        ::testing::AssertionResult ok = test::round_trips(s);
        if (!ok) {
            ++failures;
            ADD_FAILURE() << "seed " << seed << ": " << ok.message();
        }
    }
}

TEST(LangProperty, SplitDirectoryLoadsTheSameSchema) {
    for (uint32_t seed = 1; seed <= 60; ++seed) {
        Generator generator(seed * 7919);
        model::Schema s = generator.schema();
        resolve_like_parser(s);
        std::map<std::string, std::string> files = print_split(s);
        testing::TempDir dir;
        for (const auto& [path, text] : files) {
            dir.write(path, text);
        }
        model::Schema loaded;
        try {
            loaded = load_schema(dir.path(), LoadOptions{.validate = false});
        } catch (const InputError& e) {
            ADD_FAILURE() << "seed " << seed << ":\n" << e.render();
            continue;
        }
        EXPECT_EQ(model::without_hints(loaded), model::without_hints(s)) << "seed " << seed;
        EXPECT_EQ(loaded.renames, s.renames);
        EXPECT_EQ(loaded.drops, s.drops);
        EXPECT_EQ(loaded.transforms, s.transforms);
    }
}

void round_trip_file(const fs::path& file) {
    std::string text = testing::read_file(file);
    model::Schema s;
    try {
        s = parse_schema(text, file.string());
    } catch (const InputError& e) {
        ADD_FAILURE() << e.render();
        return;
    }
    EXPECT_TRUE(test::round_trips(s)) << file;
    EXPECT_TRUE(test::formats_stably(text)) << file;
}

TEST(LangProperty, ExamplesAndCorpusRoundTrip) {
    std::vector<fs::path> roots = {fs::path(QAIL_SOURCE_DIR) / "examples",
                                   fs::path(QAIL_CORPUS_DIR) / "upstream-qail" / "modular"};
    int files = 0;
    for (const fs::path& root : roots) {
        ASSERT_TRUE(fs::exists(root)) << root;
        for (const auto& entry : fs::recursive_directory_iterator(root)) {
            if (entry.path().extension() == ".qail" && entry.path().filename() != "_order.qail") {
                round_trip_file(entry.path());
                ++files;
            }
        }
    }
    EXPECT_GE(files, 5);
}

} // namespace
} // namespace qail::lang
