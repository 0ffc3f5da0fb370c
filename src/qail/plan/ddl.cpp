#include "ddl.hpp"

#include <fmt/format.h>

#include <qail/base/strings.hpp>
#include <qail/sql/quote.hpp>
#include <qail/sql/text.hpp>

namespace qail::plan::ddl {

using sql::quote_ident;
using sql::quote_literal;

namespace {

std::string idents(const std::vector<std::string>& names) {
    std::string out;
    for (const std::string& n : names) {
        if (!out.empty()) {
            out += ", ";
        }
        out += quote_ident(n);
    }
    return out;
}

std::string collation(const std::string& c) {
    if (!c.empty() && c.front() == '"') {
        return c;
    }
    size_t dot = c.find('.');
    if (dot != std::string::npos) {
        return quote_ident(c.substr(0, dot)) + "." + quote_ident(c.substr(dot + 1));
    }
    return quote_ident(c);
}

// True when the whole text is one parenthesised group: "(a + b)" but not "(a) + (b)".
bool fully_parenthesised(std::string_view text) {
    if (text.size() < 2 || text.front() != '(' || text.back() != ')') {
        return false;
    }
    int depth = 0;
    bool in_string = false;
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (in_string) {
            if (c == '\'') {
                in_string = false;
            }
            continue;
        }
        if (c == '\'') {
            in_string = true;
        } else if (c == '(') {
            ++depth;
        } else if (c == ')') {
            --depth;
            if (depth == 0 && i + 1 < text.size()) {
                return false;
            }
        }
    }
    return true;
}

std::string parenthesised(const std::string& expr) {
    std::string_view t = trim(expr);
    if (fully_parenthesised(t)) {
        return std::string(t);
    }
    return "(" + std::string(t) + ")";
}

std::string strip_semicolons(const std::string& text) {
    std::string_view t = trim(text);
    while (!t.empty() && (t.back() == ';' || std::isspace(static_cast<unsigned char>(t.back())))) {
        t.remove_suffix(1);
    }
    return std::string(t);
}

std::string with_options(const std::vector<std::string>& options) {
    if (options.empty()) {
        return "";
    }
    return " WITH (" + join(options, ", ") + ")";
}

// SET name TO value of a function: a literal, or for list settings
// (search_path & co.) a list of literals, as pg_dump writes them.
std::string config_value(const std::string& name, const std::string& value) {
    static const char* const k_lists[] = {"search_path", "temp_tablespaces",
                                          "session_preload_libraries", "local_preload_libraries",
                                          "shared_preload_libraries"};
    bool list = false;
    for (const char* l : k_lists) {
        list = list || equals_icase(name, l);
    }
    if (!list) {
        return quote_literal(value);
    }
    std::string out;
    for (const std::string& part : split(value, ',')) {
        std::string item(trim(part));
        if (item.size() >= 2 && item.front() == '"' && item.back() == '"') {
            item = replace_all(item.substr(1, item.size() - 2), "\"\"", "\"");
        }
        out += (out.empty() ? "" : ", ") + quote_literal(item);
    }
    return out;
}

} // namespace

std::string name(const model::QualifiedName& n) {
    return sql::quote_qualified(n.schema, n.name);
}

std::string type(const std::string& canonical) {
    return sql::render_type(canonical);
}

std::string create_extension(const model::Extension& e) {
    std::string out = "CREATE EXTENSION IF NOT EXISTS " + quote_ident(e.name);
    if (e.schema) {
        out += " WITH SCHEMA " + quote_ident(*e.schema);
    }
    if (e.version) {
        out += " VERSION " + quote_literal(*e.version);
    }
    return out;
}

std::string drop_extension(const model::Extension& e) {
    return "DROP EXTENSION " + quote_ident(e.name);
}

std::string create_schema(const model::SchemaDef& s) {
    return "CREATE SCHEMA " + quote_ident(s.name);
}

std::string drop_schema(const std::string& n) {
    return "DROP SCHEMA " + quote_ident(n);
}

std::string create_enum(const model::EnumType& e) {
    std::string out = "CREATE TYPE " + name(e.name) + " AS ENUM (";
    for (size_t i = 0; i < e.values.size(); ++i) {
        out += (i ? ", " : "") + quote_literal(e.values[i]);
    }
    return out + ")";
}

std::string domain_constraint(const model::DomainCheck& c) {
    return "CONSTRAINT " + quote_ident(c.name) + " CHECK " + parenthesised(c.expression);
}

std::string create_domain(const model::Domain& d) {
    std::string out = "CREATE DOMAIN " + name(d.name) + " AS " + type(d.base_type);
    if (d.collation) {
        out += " COLLATE " + collation(*d.collation);
    }
    if (d.default_expr) {
        out += " DEFAULT " + *d.default_expr;
    }
    if (d.not_null) {
        out += " NOT NULL";
    }
    for (const model::DomainCheck& c : d.checks) {
        if (!c.not_valid) {
            out += " " + domain_constraint(c);
        }
    }
    return out;
}

std::string create_composite(const model::CompositeType& t) {
    std::string out = "CREATE TYPE " + name(t.name) + " AS (";
    for (size_t i = 0; i < t.attributes.size(); ++i) {
        const auto& a = t.attributes[i];
        out += (i ? ", " : "") + quote_ident(a.name) + " " + type(a.type);
        if (a.collation) {
            out += " COLLATE " + collation(*a.collation);
        }
    }
    return out + ")";
}

std::string drop_type(const model::QualifiedName& n) {
    return "DROP TYPE " + name(n);
}

std::string drop_domain(const model::QualifiedName& n) {
    return "DROP DOMAIN " + name(n);
}

std::string sequence_options(const model::SequenceOptions& o, bool for_alter) {
    std::string out;
    if (o.data_type) {
        out += " AS " + type(*o.data_type);
    } else if (for_alter) {
        out += " AS bigint";
    }
    if (o.increment) {
        out += fmt::format(" INCREMENT BY {}", *o.increment);
    } else if (for_alter) {
        out += " INCREMENT BY 1";
    }
    if (o.min_value) {
        out += fmt::format(" MINVALUE {}", *o.min_value);
    } else if (for_alter) {
        out += " NO MINVALUE";
    }
    if (o.max_value) {
        out += fmt::format(" MAXVALUE {}", *o.max_value);
    } else if (for_alter) {
        out += " NO MAXVALUE";
    }
    if (o.start) {
        out += fmt::format(" START WITH {}", *o.start);
    } else if (for_alter) {
        out += fmt::format(" START WITH {}", default_start(o));
    }
    if (o.cache) {
        out += fmt::format(" CACHE {}", *o.cache);
    } else if (for_alter) {
        out += " CACHE 1";
    }
    if (o.cycle) {
        out += " CYCLE";
    } else if (for_alter) {
        out += " NO CYCLE";
    }
    return out;
}

long long default_start(const model::SequenceOptions& o) {
    if (o.start) {
        return *o.start;
    }
    if (o.increment.value_or(1) > 0) {
        return o.min_value.value_or(1);
    }
    return o.max_value.value_or(-1);
}

std::string create_sequence(const model::Sequence& s) {
    return "CREATE SEQUENCE " + name(s.name) + sequence_options(s.options, false);
}

std::string drop_sequence(const model::QualifiedName& n) {
    return "DROP SEQUENCE " + name(n);
}

std::string function_ref(const model::Function& f) {
    return name(f.name) + "(" + f.identity_args() + ")";
}

std::string create_function(const model::Function& f, bool or_replace) {
    std::string out = or_replace ? "CREATE OR REPLACE " : "CREATE ";
    out += f.is_procedure ? "PROCEDURE " : "FUNCTION ";
    out += name(f.name) + "(";
    bool first = true;
    for (const model::FunctionArg& a : f.args) {
        if (a.mode == model::ArgMode::table) {
            continue;
        }
        if (!first) {
            out += ", ";
        }
        first = false;
        switch (a.mode) {
        case model::ArgMode::out:
            out += "OUT ";
            break;
        case model::ArgMode::inout:
            out += "INOUT ";
            break;
        case model::ArgMode::variadic:
            out += "VARIADIC ";
            break;
        default:
            break;
        }
        if (!a.name.empty()) {
            out += quote_ident(a.name) + " ";
        }
        out += type(a.type);
        if (a.default_expr) {
            out += " DEFAULT " + *a.default_expr;
        }
    }
    out += ")";
    if (!f.is_procedure) {
        out += " RETURNS " + (f.returns.empty() ? std::string("void") : f.returns);
    }
    out += " LANGUAGE " + quote_ident(f.language);
    if (!f.is_procedure) {
        if (f.volatility == model::Volatility::immutable) {
            out += " IMMUTABLE";
        } else if (f.volatility == model::Volatility::stable) {
            out += " STABLE";
        }
        if (f.strict) {
            out += " STRICT";
        }
        if (f.leakproof) {
            out += " LEAKPROOF";
        }
        if (f.parallel == model::Parallel::safe) {
            out += " PARALLEL SAFE";
        } else if (f.parallel == model::Parallel::restricted) {
            out += " PARALLEL RESTRICTED";
        }
        if (f.cost) {
            out += fmt::format(" COST {}", *f.cost);
        }
        if (f.rows) {
            out += fmt::format(" ROWS {}", *f.rows);
        }
    }
    if (f.security_definer) {
        out += " SECURITY DEFINER";
    }
    for (const std::string& c : f.config) {
        size_t eq = c.find('=');
        if (eq == std::string::npos) {
            continue;
        }
        std::string key = c.substr(0, eq);
        out += " SET " + quote_ident(to_lower(key)) + " TO " + config_value(key, c.substr(eq + 1));
    }
    if (f.sql_body) {
        out += "\n" + strip_semicolons(f.body);
    } else {
        out += "\nAS " + sql::dollar_quote(f.body);
    }
    return out;
}

std::string drop_function(const model::Function& f) {
    return std::string(f.is_procedure ? "DROP PROCEDURE " : "DROP FUNCTION ") + function_ref(f);
}

std::string identity_options(const model::SequenceOptions& o) {
    model::SequenceOptions copy = o;
    copy.data_type.reset();
    std::string opts = sequence_options(copy, false);
    if (opts.empty()) {
        return "";
    }
    return " (" + std::string(trim(opts)) + ")";
}

std::string column_definition(const model::Column& c, bool include_not_null) {
    std::string out = quote_ident(c.name) + " " + type(c.type);
    if (c.compression) {
        out += " COMPRESSION " + quote_ident(*c.compression);
    }
    if (c.collation) {
        out += " COLLATE " + collation(*c.collation);
    }
    if (c.generated_expr) {
        out += " GENERATED ALWAYS AS " + parenthesised(*c.generated_expr) + " STORED";
    }
    if (c.identity != model::IdentityKind::none) {
        out += c.identity == model::IdentityKind::always ? " GENERATED ALWAYS AS IDENTITY"
                                                         : " GENERATED BY DEFAULT AS IDENTITY";
        out += identity_options(c.identity_options);
    }
    if (c.default_expr) {
        out += " DEFAULT " + *c.default_expr;
    }
    if (include_not_null && c.not_null) {
        out += " NOT NULL";
    }
    return out;
}

std::string deferral(const model::Deferral& d) {
    if (!d.deferrable) {
        return "";
    }
    return d.initially_deferred ? " DEFERRABLE INITIALLY DEFERRED" : " DEFERRABLE";
}

std::string primary_key(const model::PrimaryKey& pk) {
    std::string out =
        "CONSTRAINT " + quote_ident(pk.name) + " PRIMARY KEY (" + idents(pk.columns) + ")";
    if (!pk.include.empty()) {
        out += " INCLUDE (" + idents(pk.include) + ")";
    }
    return out + deferral(pk.deferral);
}

std::string unique(const model::UniqueConstraint& u) {
    std::string out = "CONSTRAINT " + quote_ident(u.name) + " UNIQUE";
    if (u.nulls_not_distinct) {
        out += " NULLS NOT DISTINCT";
    }
    out += " (" + idents(u.columns) + ")";
    if (!u.include.empty()) {
        out += " INCLUDE (" + idents(u.include) + ")";
    }
    return out + deferral(u.deferral);
}

std::string check(const model::CheckConstraint& c) {
    std::string out = "CONSTRAINT " + quote_ident(c.name) + " CHECK " + parenthesised(c.expression);
    if (c.no_inherit) {
        out += " NO INHERIT";
    }
    return out;
}

std::string foreign_key(const model::ForeignKey& fk) {
    std::string out = "CONSTRAINT " + quote_ident(fk.name) + " FOREIGN KEY (" +
                      idents(fk.columns) + ") REFERENCES " + name(fk.ref_table);
    if (!fk.ref_columns.empty()) {
        out += " (" + idents(fk.ref_columns) + ")";
    }
    if (fk.match == model::FkMatch::full) {
        out += " MATCH FULL";
    }
    if (fk.on_update != model::FkAction::no_action) {
        out += std::string(" ON UPDATE ") + model::to_sql(fk.on_update);
    }
    if (fk.on_delete != model::FkAction::no_action) {
        out += std::string(" ON DELETE ") + model::to_sql(fk.on_delete);
    }
    return out + deferral(fk.deferral);
}

std::string index_element(const model::IndexElement& e) {
    std::string out = e.is_expression ? parenthesised(e.key) : quote_ident(e.key);
    if (e.collation) {
        out += " COLLATE " + collation(*e.collation);
    }
    if (e.opclass) {
        out += " " + *e.opclass;
        if (e.opclass_params) {
            out += *e.opclass_params;
        }
    }
    if (e.descending) {
        out += " DESC";
    }
    if (e.nulls_first) {
        out += *e.nulls_first ? " NULLS FIRST" : " NULLS LAST";
    }
    return out;
}

std::string exclusion(const model::ExclusionConstraint& x) {
    std::string out = "CONSTRAINT " + quote_ident(x.name) + " EXCLUDE USING " +
                      quote_ident(x.method) + " (";
    for (size_t i = 0; i < x.elements.size(); ++i) {
        out += (i ? ", " : "") + index_element(x.elements[i].element) + " WITH " +
               x.elements[i].op;
    }
    out += ")";
    if (!x.include.empty()) {
        out += " INCLUDE (" + idents(x.include) + ")";
    }
    if (x.where) {
        out += " WHERE " + parenthesised(*x.where);
    }
    return out + deferral(x.deferral);
}

std::string alter_table(const model::QualifiedName& table) {
    return "ALTER TABLE " + name(table);
}

std::string create_table(const model::Table& t) {
    std::string out = t.unlogged ? "CREATE UNLOGGED TABLE " : "CREATE TABLE ";
    out += name(t.name);
    std::vector<std::string> items;
    if (t.partition_of) {
        for (const model::Column& c : t.columns) {
            std::string item = quote_ident(c.name) + " WITH OPTIONS";
            if (c.default_expr) {
                item += " DEFAULT " + *c.default_expr;
            }
            if (c.not_null) {
                item += " NOT NULL";
            }
            if (c.default_expr || c.not_null) {
                items.push_back(item);
            }
        }
    } else {
        for (const model::Column& c : t.columns) {
            items.push_back(column_definition(c));
        }
    }
    if (t.primary_key) {
        items.push_back(primary_key(*t.primary_key));
    }
    for (const auto& u : t.uniques) {
        items.push_back(unique(u));
    }
    for (const auto& c : t.checks) {
        if (!c.not_valid) {
            items.push_back(check(c));
        }
    }
    for (const auto& x : t.exclusions) {
        items.push_back(exclusion(x));
    }
    if (t.partition_of) {
        out += " PARTITION OF " + name(t.partition_of->parent);
        if (!items.empty()) {
            out += " (\n";
            for (size_t i = 0; i < items.size(); ++i) {
                out += "    " + items[i] + (i + 1 < items.size() ? ",\n" : "\n");
            }
            out += ")";
        }
        out += " " + t.partition_of->bound;
    } else {
        out += " (\n";
        for (size_t i = 0; i < items.size(); ++i) {
            out += "    " + items[i] + (i + 1 < items.size() ? ",\n" : "\n");
        }
        out += ")";
    }
    if (t.partition_by) {
        out += " PARTITION BY " + *t.partition_by;
    }
    out += with_options(t.options);
    return out;
}

std::string drop_table(const model::QualifiedName& n) {
    return "DROP TABLE " + name(n);
}

std::string create_index(const model::Index& i, bool concurrently) {
    std::string out = i.unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ";
    if (concurrently) {
        out += "CONCURRENTLY ";
    }
    out += quote_ident(i.name.name) + " ON " + name(i.table);
    if (i.method != "btree") {
        out += " USING " + quote_ident(i.method);
    }
    out += " (";
    for (size_t k = 0; k < i.elements.size(); ++k) {
        out += (k ? ", " : "") + index_element(i.elements[k]);
    }
    out += ")";
    if (!i.include.empty()) {
        out += " INCLUDE (" + idents(i.include) + ")";
    }
    if (i.nulls_not_distinct) {
        out += " NULLS NOT DISTINCT";
    }
    out += with_options(i.options);
    if (i.where) {
        out += " WHERE " + parenthesised(*i.where);
    }
    return out;
}

std::string drop_index(const model::QualifiedName& n, bool concurrently) {
    return std::string(concurrently ? "DROP INDEX CONCURRENTLY " : "DROP INDEX ") + name(n);
}

std::string create_view(const model::View& v, bool or_replace) {
    std::string out = or_replace ? "CREATE OR REPLACE " : "CREATE ";
    out += v.materialized ? "MATERIALIZED VIEW " : "VIEW ";
    out += name(v.name);
    std::vector<std::string> options;
    if (v.security_barrier) {
        options.push_back("security_barrier=true");
    }
    if (v.security_invoker) {
        options.push_back("security_invoker=true");
    }
    options.insert(options.end(), v.options.begin(), v.options.end());
    out += with_options(options);
    out += " AS\n" + strip_semicolons(v.definition);
    if (v.check_option == model::CheckOption::local) {
        out += "\nWITH LOCAL CHECK OPTION";
    } else if (v.check_option == model::CheckOption::cascaded) {
        out += "\nWITH CASCADED CHECK OPTION";
    }
    if (v.materialized && v.with_no_data) {
        out += "\nWITH NO DATA";
    }
    return out;
}

std::string drop_view(const model::View& v) {
    return std::string(v.materialized ? "DROP MATERIALIZED VIEW " : "DROP VIEW ") + name(v.name);
}

std::string create_trigger(const model::Trigger& t, bool or_replace) {
    std::string out = or_replace ? "CREATE OR REPLACE " : "CREATE ";
    if (t.constraint) {
        out += "CONSTRAINT ";
    }
    out += "TRIGGER " + quote_ident(t.name);
    switch (t.timing) {
    case model::TriggerTiming::before:
        out += " BEFORE ";
        break;
    case model::TriggerTiming::after:
        out += " AFTER ";
        break;
    case model::TriggerTiming::instead_of:
        out += " INSTEAD OF ";
        break;
    }
    std::vector<std::string> events;
    if (t.on_insert) {
        events.emplace_back("INSERT");
    }
    if (t.on_update) {
        events.push_back(t.update_columns.empty() ? "UPDATE"
                                                  : "UPDATE OF " + idents(t.update_columns));
    }
    if (t.on_delete) {
        events.emplace_back("DELETE");
    }
    if (t.on_truncate) {
        events.emplace_back("TRUNCATE");
    }
    out += join(events, " OR ");
    out += " ON " + name(t.table);
    if (t.constraint) {
        out += deferral(t.deferral);
        if (!t.deferral.deferrable) {
            out += " NOT DEFERRABLE";
        }
    }
    if (t.old_table || t.new_table) {
        out += " REFERENCING";
        if (t.old_table) {
            out += " OLD TABLE AS " + quote_ident(*t.old_table);
        }
        if (t.new_table) {
            out += " NEW TABLE AS " + quote_ident(*t.new_table);
        }
    }
    out += t.for_each_row ? " FOR EACH ROW" : " FOR EACH STATEMENT";
    if (t.when) {
        out += " WHEN " + parenthesised(*t.when);
    }
    out += " EXECUTE FUNCTION " + name(t.function) + "(";
    for (size_t i = 0; i < t.function_args.size(); ++i) {
        out += (i ? ", " : "") + quote_literal(t.function_args[i]);
    }
    return out + ")";
}

std::string drop_trigger(const model::Trigger& t) {
    return "DROP TRIGGER " + quote_ident(t.name) + " ON " + name(t.table);
}

std::string grantee(const std::string& role) {
    if (equals_icase(role, "public")) {
        return "PUBLIC";
    }
    return quote_ident(role);
}

std::string policy_roles(const model::Policy& p) {
    if (p.roles.empty()) {
        return "PUBLIC";
    }
    std::string out;
    for (const std::string& r : p.roles) {
        if (!out.empty()) {
            out += ", ";
        }
        out += grantee(r);
    }
    return out;
}

std::string create_policy(const model::Policy& p) {
    std::string out = "CREATE POLICY " + quote_ident(p.name) + " ON " + name(p.table);
    if (!p.permissive) {
        out += " AS RESTRICTIVE";
    }
    switch (p.command) {
    case model::PolicyCommand::all:
        break;
    case model::PolicyCommand::select:
        out += " FOR SELECT";
        break;
    case model::PolicyCommand::insert:
        out += " FOR INSERT";
        break;
    case model::PolicyCommand::update:
        out += " FOR UPDATE";
        break;
    case model::PolicyCommand::delete_:
        out += " FOR DELETE";
        break;
    }
    if (!p.roles.empty()) {
        out += " TO " + policy_roles(p);
    }
    if (p.using_expr) {
        out += " USING " + parenthesised(*p.using_expr);
    }
    if (p.check_expr) {
        out += " WITH CHECK " + parenthesised(*p.check_expr);
    }
    return out;
}

std::string drop_policy(const model::Policy& p) {
    return "DROP POLICY " + quote_ident(p.name) + " ON " + name(p.table);
}

namespace {

std::string routine_ref(const model::ObjectRef& o) {
    return name(o.name) + "(" + o.args + ")";
}

} // namespace

std::string privilege_target(const model::ObjectRef& o, const std::string& privileges) {
    switch (o.kind) {
    case model::ObjectKind::column:
        return privileges + " (" + quote_ident(o.member) + ") ON TABLE " + name(o.name);
    case model::ObjectKind::table:
    case model::ObjectKind::view:
    case model::ObjectKind::materialized_view:
        return privileges + " ON TABLE " + name(o.name);
    case model::ObjectKind::sequence:
        return privileges + " ON SEQUENCE " + name(o.name);
    case model::ObjectKind::function:
        return privileges + " ON FUNCTION " + routine_ref(o);
    case model::ObjectKind::procedure:
        return privileges + " ON PROCEDURE " + routine_ref(o);
    case model::ObjectKind::schema:
        return privileges + " ON SCHEMA " + quote_ident(o.name.name);
    case model::ObjectKind::type:
        return privileges + " ON TYPE " + name(o.name);
    case model::ObjectKind::domain:
        return privileges + " ON DOMAIN " + name(o.name);
    default:
        return privileges + " ON TABLE " + name(o.name);
    }
}

std::string grant(const model::Grant& g) {
    return "GRANT " + privilege_target(g.object, join(g.privileges, ", ")) + " TO " +
           grantee(g.grantee) + (g.with_grant_option ? " WITH GRANT OPTION" : "");
}

std::string revoke_grant(const model::Grant& g) {
    return "REVOKE " + privilege_target(g.object, join(g.privileges, ", ")) + " FROM " +
           grantee(g.grantee);
}

std::string revoke(const model::Revoke& r) {
    return "REVOKE " + privilege_target(r.object, join(r.privileges, ", ")) + " FROM " +
           grantee(r.grantee);
}

std::string undo_revoke(const model::Revoke& r) {
    return "GRANT " + privilege_target(r.object, join(r.privileges, ", ")) + " TO " +
           grantee(r.grantee);
}

std::string object_ref(const model::ObjectRef& o) {
    switch (o.kind) {
    case model::ObjectKind::schema:
        return "SCHEMA " + quote_ident(o.name.name);
    case model::ObjectKind::extension:
        return "EXTENSION " + quote_ident(o.name.name);
    case model::ObjectKind::table:
        return "TABLE " + name(o.name);
    case model::ObjectKind::column:
        return "COLUMN " + name(o.name) + "." + quote_ident(o.member);
    case model::ObjectKind::view:
        return "VIEW " + name(o.name);
    case model::ObjectKind::materialized_view:
        return "MATERIALIZED VIEW " + name(o.name);
    case model::ObjectKind::sequence:
        return "SEQUENCE " + name(o.name);
    case model::ObjectKind::index:
        return "INDEX " + name(o.name);
    case model::ObjectKind::function:
        return "FUNCTION " + routine_ref(o);
    case model::ObjectKind::procedure:
        return "PROCEDURE " + routine_ref(o);
    case model::ObjectKind::type:
        return "TYPE " + name(o.name);
    case model::ObjectKind::domain:
        return "DOMAIN " + name(o.name);
    case model::ObjectKind::trigger:
        return "TRIGGER " + quote_ident(o.member) + " ON " + name(o.name);
    case model::ObjectKind::policy:
        return "POLICY " + quote_ident(o.member) + " ON " + name(o.name);
    case model::ObjectKind::constraint:
        return "CONSTRAINT " + quote_ident(o.member) + " ON " + name(o.name);
    case model::ObjectKind::domain_constraint:
        return "CONSTRAINT " + quote_ident(o.member) + " ON DOMAIN " + name(o.name);
    }
    return "TABLE " + name(o.name);
}

std::string comment(const model::Comment& c) {
    return "COMMENT ON " + object_ref(c.object) + " IS " + quote_literal(c.text);
}

std::string comment_null(const model::ObjectRef& o) {
    return "COMMENT ON " + object_ref(o) + " IS NULL";
}

std::string owner(const model::Owner& o) {
    std::string ref = object_ref(o.object);
    return "ALTER " + ref + " OWNER TO " + quote_ident(o.role);
}

} // namespace qail::plan::ddl
