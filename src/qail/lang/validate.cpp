// validate(): what PostgreSQL would reject, or what cannot be what the author
// meant, found before any SQL runs. Every problem is located at the
// declaration the model remembers.

#include <algorithm>
#include <array>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include <qail/base/strings.hpp>
#include <qail/lang/schema_io.hpp>
#include <qail/lang/statements.hpp>
#include <qail/lang/syntax.hpp>
#include <qail/lang/validate_impl.hpp>
#include <qail/sql/quote.hpp>
#include <qail/model/types.hpp>

namespace qail::lang {

namespace {

using namespace std::string_view_literals;

using model::QualifiedName;

std::string key(const QualifiedName& name) {
    return name.schema + '\x1f' + name.name;
}

// Built-in type names (canonical spellings, without modifiers) and common
// extension types: a type close to one of these but not equal is a likely typo.
constexpr std::array k_builtin_types = {
    "bigint"sv, "bigserial"sv, "bit"sv, "bit varying"sv, "boolean"sv, "box"sv, "bytea"sv,
    "character"sv, "character varying"sv, "cidr"sv, "circle"sv, "date"sv,
    "double precision"sv, "inet"sv, "integer"sv, "interval"sv, "json"sv, "jsonb"sv,
    "jsonpath"sv, "line"sv, "lseg"sv, "macaddr"sv, "macaddr8"sv, "money"sv, "numeric"sv,
    "path"sv, "pg_lsn"sv, "point"sv, "polygon"sv, "real"sv, "smallint"sv, "smallserial"sv,
    "serial"sv, "text"sv, "time without time zone"sv, "time with time zone"sv,
    "timestamp without time zone"sv, "timestamp with time zone"sv, "tsquery"sv, "tsvector"sv,
    "uuid"sv, "xml"sv, "int4range"sv, "int8range"sv, "numrange"sv, "tsrange"sv,
    "tstzrange"sv, "daterange"sv, "int4multirange"sv, "int8multirange"sv, "nummultirange"sv,
    "tsmultirange"sv, "tstzmultirange"sv, "datemultirange"sv, "oid"sv, "regclass"sv,
    "regproc"sv, "regtype"sv, "name"sv, "char"sv, "\"char\""sv, "bpchar"sv, "record"sv,
    "txid_snapshot"sv, "pg_snapshot"sv, "xid"sv, "xid8"sv, "cid"sv, "tid"sv,
    // extensions
    "citext"sv, "hstore"sv, "ltree"sv, "lquery"sv, "ltxtquery"sv, "vector"sv, "halfvec"sv,
    "sparsevec"sv, "geometry"sv, "geography"sv, "box2d"sv, "box3d"sv, "raster"sv, "cube"sv,
    "earth"sv, "seg"sv, "isbn"sv, "issn"sv, "ean13"sv, "upc"sv,
};

// Types without a default btree operator class: no primary key or unique on them.
constexpr std::array k_no_equality = {"json"sv, "xml"sv,  "point"sv, "polygon"sv, "box"sv,
                                      "circle"sv, "line"sv, "lseg"sv,  "path"sv};

std::string base_type(std::string_view canonical) {
    std::string_view t = model::array_element_type(canonical);
    size_t paren = t.find('(');
    std::string out(paren == std::string_view::npos ? t : t.substr(0, paren));
    // "timestamp(3) with time zone" -> "timestamp with time zone"
    if (paren != std::string_view::npos) {
        size_t close = t.find(')', paren);
        if (close != std::string_view::npos && close + 1 < t.size()) {
            out += std::string(t.substr(close + 1));
        }
    }
    return out;
}

// Words that appear bare in expressions without being column names.
bool expression_keyword(std::string_view word) {
    static constexpr std::array k_words = {
        "at"sv,     "day"sv,    "document"sv, "escape"sv, "hour"sv,  "infinity"sv, "json"sv,
        "minute"sv, "month"sv,  "nfc"sv,      "nfd"sv,    "nfkc"sv,  "nfkd"sv,     "second"sv,
        "unknown"sv, "value"sv, "year"sv,     "zone"sv,   "absent"sv, "keys"sv,    "nan"sv,
    };
    return sql::is_reserved_keyword(word) ||
           std::find(k_words.begin(), k_words.end(), word) != k_words.end();
}

// Bare identifiers of an SQL expression that read like column references:
// not quoted text, not called, not qualified, not a type (after :: or AS, or
// before a string literal), not a keyword.
std::vector<std::string> column_like_words(std::string_view expr) {
    std::vector<std::string> out;
    size_t i = 0;
    std::string previous; // the previous word, lower-cased
    bool after_cast = false;
    auto next_non_space = [&](size_t p) {
        while (p < expr.size() && (is_blank(expr[p]) || expr[p] == '\n')) {
            ++p;
        }
        return p < expr.size() ? expr[p] : '\0';
    };
    while (i < expr.size()) {
        char c = expr[i];
        if (c == '\'' || c == '$') {
            ScanStops stops;
            stops.line = false;
            // skip the literal: scan just it by scanning from here up to its end
            size_t start = i;
            if (c == '$') {
                size_t tag = dollar_tag_length(expr, i);
                if (tag == 0) {
                    ++i;
                    continue;
                }
                size_t close = expr.find(expr.substr(i, tag), i + tag);
                i = close == std::string_view::npos ? expr.size() : close + tag;
            } else {
                ++i;
                while (i < expr.size()) {
                    if (expr[i] == '\'') {
                        if (i + 1 < expr.size() && expr[i + 1] == '\'') {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    ++i;
                }
                ++i;
            }
            (void)start;
            previous.clear();
            after_cast = false;
            continue;
        }
        if (c == ':' && i + 1 < expr.size() && expr[i + 1] == ':') {
            after_cast = true;
            i += 2;
            continue;
        }
        bool quoted = c == '"';
        if (quoted || (is_ident_start(c) && (i == 0 || !is_ident_char(expr[i - 1])))) {
            size_t start = i;
            std::string word;
            if (quoted) {
                ++i;
                while (i < expr.size()) {
                    if (expr[i] == '"') {
                        if (i + 1 < expr.size() && expr[i + 1] == '"') {
                            word += '"';
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    word += expr[i++];
                }
                ++i;
            } else {
                while (i < expr.size() && is_ident_char(expr[i])) {
                    ++i;
                }
                word = to_lower(expr.substr(start, i - start));
            }
            char next = next_non_space(i);
            bool qualified = (start > 0 && expr[start - 1] == '.') || next == '.';
            bool typed_literal = next == '\'';
            bool is_type = after_cast || previous == "as" || previous == "collate";
            if (!qualified && next != '(' && !typed_literal && !is_type &&
                (quoted || !expression_keyword(word))) {
                out.push_back(word);
            }
            after_cast = after_cast && !quoted &&
                         (word == "double" || word == "character" || word == "timestamp" ||
                          word == "time" || word == "with" || word == "without" || word == "varying");
            previous = quoted ? std::string() : word;
            continue;
        }
        if (!is_blank(c) && c != '\n') {
            after_cast = false;
            previous.clear();
        }
        ++i;
    }
    return out;
}

class Validator {
public:
    explicit Validator(const model::Schema& s) : m_s(s) {}

    std::vector<Diagnostic> run() {
        index_objects();
        check_schemas();
        check_relations();
        check_types();
        for (const model::Table& t : m_s.tables) {
            check_table(t);
        }
        check_indexes();
        check_functions();
        check_triggers();
        check_policies();
        check_sequences();
        for (const model::Grant& g : m_s.grants) {
            check_ref(g.object, g.origin, "grant");
        }
        for (const model::Revoke& r : m_s.revokes) {
            check_ref(r.object, r.origin, "revoke");
        }
        for (const model::Comment& c : m_s.comments) {
            check_ref(c.object, c.origin, "comment");
        }
        for (const model::Owner& o : m_s.owners) {
            check_ref(o.object, o.origin, "owner");
        }
        check_hints();
        std::stable_sort(m_out.begin(), m_out.end(), [](const Diagnostic& a, const Diagnostic& b) {
            return std::tie(a.file, a.line, a.column) < std::tie(b.file, b.line, b.column);
        });
        return std::move(m_out);
    }

private:
    const model::Schema& m_s;
    std::vector<Diagnostic> m_out;
    std::unordered_map<std::string, const model::Table*> m_tables;
    std::unordered_map<std::string, const model::View*> m_views;
    std::unordered_set<std::string> m_sequences;
    std::unordered_set<std::string> m_types; // enums, domains, composite types
    std::unordered_set<std::string> m_functions; // key + '(' + args
    std::unordered_map<std::string, int> m_function_names; // how many per name
    std::set<std::string> m_declared_schemas;
    std::set<std::string> m_reported_schemas;

    void report(const model::SourceRef& at, size_t length, std::string message,
                std::string help = {}) {
        m_out.push_back(Diagnostic{.file = at.file, .line = at.line, .column = at.column,
                                   .length = static_cast<int>(std::max<size_t>(length, 1)),
                                   .line_text = {}, .message = std::move(message),
                                   .help = std::move(help)});
    }

    static std::string where(const model::SourceRef& at) {
        if (!at.known()) {
            return {};
        }
        return fmt::format(" (first declared at {}:{})", at.file, at.line);
    }

    void index_objects() {
        for (const model::Table& t : m_s.tables) {
            m_tables.emplace(key(t.name), &t);
        }
        for (const model::View& v : m_s.views) {
            m_views.emplace(key(v.name), &v);
        }
        for (const model::Sequence& q : m_s.sequences) {
            m_sequences.insert(key(q.name));
        }
        for (const model::EnumType& e : m_s.enums) {
            m_types.insert(key(e.name));
        }
        for (const model::Domain& d : m_s.domains) {
            m_types.insert(key(d.name));
        }
        for (const model::CompositeType& c : m_s.composite_types) {
            m_types.insert(key(c.name));
        }
        for (const model::Function& f : m_s.functions) {
            m_functions.insert(key(f.name) + "(" + f.identity_args());
            ++m_function_names[key(f.name)];
        }
        m_declared_schemas.insert(model::k_default_schema);
        for (const model::SchemaDef& d : m_s.schemas) {
            m_declared_schemas.insert(d.name);
        }
    }

    const model::Table* table(const QualifiedName& name) const {
        auto it = m_tables.find(key(name));
        return it == m_tables.end() ? nullptr : it->second;
    }

    void check_schema_of(const QualifiedName& name, const model::SourceRef& at, const char* what) {
        if (name.schema.empty() || m_declared_schemas.count(name.schema) > 0 ||
            name.schema == "pg_catalog" || !m_reported_schemas.insert(name.schema).second) {
            return;
        }
        report(at, name.display().size(),
               fmt::format("{} '{}' is in schema '{}', which is not declared", what,
                           name.display(), name.schema),
               fmt::format("add a line `schema {}`", name.schema));
    }

    void check_schemas() {
        std::map<std::string, const model::SourceRef*> seen;
        for (const model::SchemaDef& d : m_s.schemas) {
            if (d.name == model::k_default_schema) {
                report(d.origin, d.name.size(), "schema public exists already; remove this line");
                continue;
            }
            auto [it, fresh] = seen.emplace(d.name, &d.origin);
            if (!fresh) {
                report(d.origin, d.name.size(),
                       fmt::format("duplicate schema '{}'{}", d.name, where(*it->second)));
            }
        }
        std::map<std::string, const model::SourceRef*> extensions;
        for (const model::Extension& e : m_s.extensions) {
            auto [it, fresh] = extensions.emplace(e.name, &e.origin);
            if (!fresh) {
                report(e.origin, e.name.size(),
                       fmt::format("duplicate extension '{}'{}", e.name, where(*it->second)));
            }
            if (e.schema && m_declared_schemas.count(*e.schema) == 0) {
                report(e.origin, e.name.size(),
                       fmt::format("extension '{}' goes to schema '{}', which is not declared",
                                   e.name, *e.schema),
                       fmt::format("add a line `schema {}`", *e.schema));
            }
        }
        for (const model::Table& t : m_s.tables) {
            check_schema_of(t.name, t.origin, "table");
        }
        for (const model::View& v : m_s.views) {
            check_schema_of(v.name, v.origin, "view");
        }
        for (const model::Sequence& q : m_s.sequences) {
            check_schema_of(q.name, q.origin, "sequence");
        }
        for (const model::EnumType& e : m_s.enums) {
            check_schema_of(e.name, e.origin, "enum");
        }
        for (const model::Domain& d : m_s.domains) {
            check_schema_of(d.name, d.origin, "domain");
        }
        for (const model::CompositeType& c : m_s.composite_types) {
            check_schema_of(c.name, c.origin, "type");
        }
        for (const model::Function& f : m_s.functions) {
            check_schema_of(f.name, f.origin, f.is_procedure ? "procedure" : "function");
        }
    }

    // Tables, views, sequences, indexes and index-backed constraints share one
    // namespace per schema.
    void check_relations() {
        std::unordered_map<std::string, std::pair<const char*, const model::SourceRef*>> seen;
        auto add = [&](const QualifiedName& name, const char* kind, const model::SourceRef& at) {
            auto [it, fresh] = seen.emplace(key(name), std::make_pair(kind, &at));
            if (fresh) {
                return;
            }
            std::string first_kind = it->second.first;
            if (first_kind == kind) {
                report(at, name.display().size(),
                       fmt::format("duplicate {} '{}'{}", kind, name.display(),
                                   where(*it->second.second)));
            } else {
                report(at, name.display().size(),
                       fmt::format("{} '{}' has the same name as {} '{}'{}", kind, name.display(),
                                   first_kind, name.display(), where(*it->second.second)),
                       "tables, views, sequences, indexes and the indexes of primary key, "
                       "unique and exclusion constraints share one namespace per schema");
            }
        };
        for (const model::Table& t : m_s.tables) {
            add(t.name, "table", t.origin);
        }
        for (const model::View& v : m_s.views) {
            add(v.name, v.materialized ? "materialized view" : "view", v.origin);
        }
        for (const model::Sequence& q : m_s.sequences) {
            add(q.name, "sequence", q.origin);
        }
        for (const model::Index& i : m_s.indexes) {
            add(i.name, "index", i.origin);
        }
        for (const model::Table& t : m_s.tables) {
            if (t.primary_key && !t.primary_key->name.empty()) {
                add(QualifiedName{t.name.schema, t.primary_key->name}, "constraint",
                    t.primary_key->origin.known() ? t.primary_key->origin : t.origin);
            }
            for (const auto& u : t.uniques) {
                add(QualifiedName{t.name.schema, u.name}, "constraint",
                    u.origin.known() ? u.origin : t.origin);
            }
            for (const auto& x : t.exclusions) {
                add(QualifiedName{t.name.schema, x.name}, "constraint",
                    x.origin.known() ? x.origin : t.origin);
            }
        }
    }

    void check_types() {
        std::unordered_map<std::string, const model::SourceRef*> seen;
        auto add = [&](const QualifiedName& name, const model::SourceRef& at) {
            auto [it, fresh] = seen.emplace(key(name), &at);
            if (!fresh) {
                report(at, name.display().size(),
                       fmt::format("duplicate type '{}'{}", name.display(), where(*it->second)));
            } else if (m_tables.count(key(name)) > 0 || m_views.count(key(name)) > 0) {
                report(at, name.display().size(),
                       fmt::format("type '{}' has the same name as a table or view (which has "
                                   "a row type of that name)",
                                   name.display()));
            }
        };
        for (const model::EnumType& e : m_s.enums) {
            add(e.name, e.origin);
            if (e.values.empty()) {
                report(e.origin, e.name.name.size(),
                       fmt::format("enum '{}' has no values", e.name.display()));
            }
            std::set<std::string> values;
            for (const std::string& v : e.values) {
                if (!values.insert(v).second) {
                    report(e.origin, e.name.name.size(),
                           fmt::format("enum '{}' lists '{}' twice", e.name.display(), v));
                }
            }
        }
        for (const model::Domain& d : m_s.domains) {
            add(d.name, d.origin);
            check_type_name(d.base_type, d.origin);
            std::set<std::string> names;
            for (const model::DomainCheck& c : d.checks) {
                if (!names.insert(c.name).second) {
                    report(d.origin, d.name.name.size(),
                           fmt::format("domain '{}' has two checks named '{}'", d.name.display(),
                                       c.name),
                           "name them apart with check_name");
                }
            }
        }
        for (const model::CompositeType& c : m_s.composite_types) {
            add(c.name, c.origin);
            std::set<std::string> names;
            for (const model::CompositeAttribute& a : c.attributes) {
                if (!names.insert(a.name).second) {
                    report(c.origin, c.name.name.size(),
                           fmt::format("type '{}' has two attributes named '{}'",
                                       c.name.display(), a.name));
                }
                check_type_name(a.type, c.origin);
            }
            if (c.attributes.empty()) {
                report(c.origin, c.name.name.size(),
                       fmt::format("type '{}' has no attributes", c.name.display()));
            }
        }
    }

    bool declared_type(const std::string& base) const {
        QualifiedName name = model::qualified(base);
        if (base.find('.') == std::string::npos) {
            name = QualifiedName{model::k_default_schema, base};
        }
        return m_types.count(key(name)) > 0 || m_tables.count(key(name)) > 0 ||
               m_views.count(key(name)) > 0;
    }

    void check_type_name(const std::string& type, const model::SourceRef& at) {
        std::string base = base_type(type);
        if (base.empty() || base.front() == '"' || base.find('.') != std::string::npos) {
            return;
        }
        if (std::find(k_builtin_types.begin(), k_builtin_types.end(), base) !=
                k_builtin_types.end() ||
            declared_type(base)) {
            return;
        }
        std::string help = did_you_mean(base, k_builtin_types);
        if (!help.empty()) {
            report(at, base.size(), fmt::format("unknown type '{}'", base), help);
        }
    }

    void check_columns_exist(const model::Table& t, const std::vector<std::string>& columns,
                             const model::SourceRef& at, const char* what) {
        std::set<std::string> seen;
        for (const std::string& c : columns) {
            if (!seen.insert(c).second) {
                report(at, c.size(), fmt::format("{} lists column '{}' twice", what, c));
            }
            if (t.find_column(c) == nullptr && !t.partition_of) {
                report(at, c.size(),
                       fmt::format("{} names column '{}', which table '{}' does not have", what, c,
                                   t.name.display()),
                       column_help(t, c));
            }
        }
    }

    std::string column_help(const model::Table& t, const std::string& column) const {
        std::vector<std::string_view> names;
        for (const model::Column& c : t.columns) {
            names.emplace_back(c.name);
        }
        return did_you_mean(column, names);
    }

    const model::SourceRef& at_or(const model::SourceRef& at, const model::Table& t) const {
        return at.known() ? at : t.origin;
    }

    void check_table(const model::Table& t) {
        std::set<std::string> columns;
        for (const model::Column& c : t.columns) {
            if (!columns.insert(c.name).second) {
                report(c.origin, c.name.size(),
                       fmt::format("duplicate column '{}' in table '{}'", c.name, t.name.display()));
            }
            check_type_name(c.type, c.origin);
            if (c.identity != model::IdentityKind::none) {
                if (c.type != "smallint" && c.type != "integer" && c.type != "bigint") {
                    report(c.origin, c.name.size(),
                           fmt::format("identity column '{}' must be smallint, integer or bigint, "
                                       "not {}",
                                       c.name, c.type));
                }
                if (c.default_expr) {
                    report(c.origin, c.name.size(),
                           fmt::format("column '{}' has both a default and an identity", c.name));
                }
            }
            if (c.generated_expr && (c.default_expr || c.identity != model::IdentityKind::none)) {
                report(c.origin, c.name.size(),
                       fmt::format("generated column '{}' cannot have a default or an identity",
                                   c.name));
            }
        }
        // constraint names are unique per table
        std::map<std::string, const model::SourceRef*> names;
        auto name = [&](const std::string& n, const model::SourceRef& at) {
            if (n.empty()) {
                return;
            }
            auto [it, fresh] = names.emplace(n, &at);
            if (!fresh) {
                report(at_or(at, t), n.size(),
                       fmt::format("duplicate constraint name '{}' in table '{}'{}", n,
                                   t.name.display(), where(*it->second)));
            }
        };
        if (t.primary_key) {
            const model::PrimaryKey& pk = *t.primary_key;
            name(pk.name, pk.origin);
            check_columns_exist(t, pk.columns, at_or(pk.origin, t), "the primary key");
            check_columns_exist(t, pk.include, at_or(pk.origin, t), "the primary key's include");
            check_equality(t, pk.columns, at_or(pk.origin, t), "a primary key");
        }
        for (const auto& u : t.uniques) {
            name(u.name, u.origin);
            check_columns_exist(t, u.columns, at_or(u.origin, t), "the unique constraint");
            check_columns_exist(t, u.include, at_or(u.origin, t), "the unique constraint's include");
            check_equality(t, u.columns, at_or(u.origin, t), "a unique constraint");
        }
        for (const auto& c : t.checks) {
            name(c.name, c.origin);
            check_expression_columns(t, c.expression, at_or(c.origin, t), "the check");
        }
        for (const model::Column& c : t.columns) {
            if (c.generated_expr) {
                check_expression_columns(t, *c.generated_expr, c.origin, "the generated column");
            }
        }
        for (const auto& x : t.exclusions) {
            name(x.name, x.origin);
            std::vector<std::string> cols;
            for (const auto& e : x.elements) {
                if (!e.element.is_expression) {
                    cols.push_back(e.element.key);
                }
            }
            check_columns_exist(t, cols, at_or(x.origin, t), "the exclusion constraint");
        }
        for (const auto& fk : t.foreign_keys) {
            name(fk.name, fk.origin);
            check_foreign_key(t, fk);
        }
        if (t.partition_of) {
            const model::Table* parent = table(t.partition_of->parent);
            if (parent == nullptr) {
                report(t.origin, t.name.name.size(),
                       fmt::format("partition '{}' is of table '{}', which is not declared",
                                   t.name.display(), t.partition_of->parent.display()));
            } else if (!parent->partition_by) {
                report(t.origin, t.name.name.size(),
                       fmt::format("table '{}' is not partitioned (it has no partition_by)",
                                   parent->name.display()));
            }
        }
    }

    // A word in an expression that is not a column of the table but close to
    // one is most likely a misspelt column (PostgreSQL would reject it).
    void check_expression_columns(const model::Table& t, std::string_view expr,
                                  const model::SourceRef& at, const char* what) {
        if (t.partition_of) {
            return;
        }
        std::vector<std::string_view> names;
        for (const model::Column& c : t.columns) {
            names.emplace_back(c.name);
        }
        std::set<std::string> reported;
        for (const std::string& word : column_like_words(expr)) {
            if (t.find_column(word) != nullptr || !reported.insert(word).second) {
                continue;
            }
            std::string help = did_you_mean(word, names);
            if (!help.empty()) {
                report(at, word.size(),
                       fmt::format("{} mentions '{}', which table '{}' does not have", what, word,
                                   t.name.display()),
                       help);
            }
        }
    }

    void check_equality(const model::Table& t, const std::vector<std::string>& columns,
                        const model::SourceRef& at, const char* what) {
        for (const std::string& c : columns) {
            const model::Column* col = t.find_column(c);
            if (col == nullptr) {
                continue;
            }
            std::string base = base_type(col->type);
            if (std::find(k_no_equality.begin(), k_no_equality.end(), base) !=
                k_no_equality.end()) {
                report(at, c.size(),
                       fmt::format("column '{}' of type {} cannot be part of {} (the type has no "
                                   "equality operator class)",
                                   c, col->type, what),
                       base == "json" ? "use jsonb" : "");
            }
        }
    }

    // A foreign key needs a primary key, unique constraint or plain unique index
    // on exactly the referenced columns (in any order, as PostgreSQL accepts).
    void check_foreign_key(const model::Table& t, const model::ForeignKey& fk) {
        const model::SourceRef& at = at_or(fk.origin, t);
        check_columns_exist(t, fk.columns, at, "the foreign key");
        const model::Table* target = table(fk.ref_table);
        if (target == nullptr) {
            std::vector<std::string> names;
            for (const model::Table& other : m_s.tables) {
                names.push_back(other.name.display());
            }
            std::vector<std::string_view> views(names.begin(), names.end());
            report(at, fk.ref_table.display().size(),
                   fmt::format("foreign key references table '{}', which is not declared",
                               fk.ref_table.display()),
                   did_you_mean(fk.ref_table.display(), views));
            return;
        }
        if (fk.ref_columns.empty()) {
            report(at, fk.ref_table.display().size(),
                   fmt::format("foreign key references table '{}' without columns, but it has no "
                               "primary key",
                               fk.ref_table.display()),
                   "name the referenced columns: references t(col)");
            return;
        }
        if (fk.ref_columns.size() != fk.columns.size()) {
            report(at, fk.ref_table.display().size(),
                   fmt::format("foreign key has {} column(s) but references {}", fk.columns.size(),
                               fk.ref_columns.size()));
            return;
        }
        bool missing = false;
        for (const std::string& c : fk.ref_columns) {
            if (target->find_column(c) == nullptr && !target->partition_of) {
                report(at, c.size(),
                       fmt::format("foreign key references column '{}', which table '{}' does "
                                   "not have",
                                   c, target->name.display()),
                       column_help(*target, c));
                missing = true;
            }
        }
        if (missing) {
            return;
        }
        std::set<std::string> wanted(fk.ref_columns.begin(), fk.ref_columns.end());
        auto same = [&](const std::vector<std::string>& cols) {
            return cols.size() == fk.ref_columns.size() &&
                   std::set<std::string>(cols.begin(), cols.end()) == wanted;
        };
        if (target->primary_key && same(target->primary_key->columns)) {
            return;
        }
        for (const auto& u : target->uniques) {
            if (same(u.columns)) {
                return;
            }
        }
        for (const model::Index& i : m_s.indexes) {
            if (!i.unique || i.where || !(i.table == target->name)) {
                continue;
            }
            std::vector<std::string> cols;
            bool plain = true;
            for (const auto& e : i.elements) {
                plain = plain && !e.is_expression;
                cols.push_back(e.key);
            }
            if (plain && same(cols)) {
                return;
            }
        }
        report(at, fk.ref_table.display().size(),
               fmt::format("foreign key target {}({}) is not a primary key or unique", 
                           target->name.display(), join(fk.ref_columns, ", ")),
               fmt::format("add `unique ({})` to table {} (or make it the primary key)",
                           join(fk.ref_columns, ", "), target->name.display()));
    }

    void check_indexes() {
        for (const model::Index& i : m_s.indexes) {
            const model::Table* t = table(i.table);
            if (t == nullptr) {
                auto v = m_views.find(key(i.table));
                if (v != m_views.end() && v->second->materialized) {
                    continue;
                }
                report(i.origin, i.name.name.size(),
                       v != m_views.end()
                           ? fmt::format("index '{}' is on view '{}'; only materialized views "
                                         "can be indexed",
                                         i.name.name, i.table.display())
                           : fmt::format("index '{}' is on table '{}', which is not declared",
                                         i.name.name, i.table.display()));
                continue;
            }
            std::vector<std::string> cols;
            for (const auto& e : i.elements) {
                if (!e.is_expression) {
                    cols.push_back(e.key);
                }
            }
            for (const std::string& c : cols) {
                if (t->find_column(c) == nullptr && !t->partition_of) {
                    report(i.origin, i.name.name.size(),
                           fmt::format("index '{}' names column '{}', which table '{}' does not "
                                       "have",
                                       i.name.name, c, t->name.display()),
                           column_help(*t, c));
                }
            }
            if (i.where) {
                check_expression_columns(*t, *i.where, i.origin, "the index predicate");
            }
            for (const std::string& c : i.include) {
                if (t->find_column(c) == nullptr && !t->partition_of) {
                    report(i.origin, i.name.name.size(),
                           fmt::format("index '{}' includes column '{}', which table '{}' does "
                                       "not have",
                                       i.name.name, c, t->name.display()),
                           column_help(*t, c));
                }
            }
        }
    }

    void check_functions() {
        std::unordered_map<std::string, const model::SourceRef*> seen;
        for (const model::Function& f : m_s.functions) {
            std::string k = key(f.name) + "(" + f.identity_args();
            auto [it, fresh] = seen.emplace(k, &f.origin);
            if (!fresh) {
                report(f.origin, f.name.name.size(),
                       fmt::format("duplicate function {}{}", f.signature(), where(*it->second)));
            }
            for (const auto& a : f.args) {
                check_type_name(a.type, f.origin);
            }
        }
    }

    void check_triggers() {
        std::set<std::pair<std::string, std::string>> seen;
        for (const model::Trigger& tr : m_s.triggers) {
            if (!seen.emplace(key(tr.table), tr.name).second) {
                report(tr.origin, tr.name.size(),
                       fmt::format("duplicate trigger '{}' on '{}'", tr.name, tr.table.display()));
            }
            const model::Table* t = table(tr.table);
            if (t == nullptr) {
                if (m_views.count(key(tr.table)) == 0) {
                    report(tr.origin, tr.name.size(),
                           fmt::format("trigger '{}' is on table '{}', which is not declared",
                                       tr.name, tr.table.display()));
                }
                continue;
            }
            for (const std::string& c : tr.update_columns) {
                if (t->find_column(c) == nullptr && !t->partition_of) {
                    report(tr.origin, tr.name.size(),
                           fmt::format("trigger '{}' watches column '{}', which table '{}' does "
                                       "not have",
                                       tr.name, c, t->name.display()),
                           column_help(*t, c));
                }
            }
        }
    }

    void check_policies() {
        std::set<std::pair<std::string, std::string>> seen;
        for (const model::Policy& p : m_s.policies) {
            if (!seen.emplace(key(p.table), p.name).second) {
                report(p.origin, p.name.size(),
                       fmt::format("duplicate policy '{}' on '{}'", p.name, p.table.display()));
            }
            if (table(p.table) == nullptr) {
                report(p.origin, p.name.size(),
                       fmt::format("policy '{}' is on table '{}', which is not declared", p.name,
                                   p.table.display()));
            }
        }
    }

    void check_sequences() {
        for (const model::Sequence& q : m_s.sequences) {
            if (!q.owned_by_table || !q.owned_by_column) {
                continue;
            }
            const model::Table* t = table(*q.owned_by_table);
            if (t == nullptr) {
                report(q.origin, q.name.name.size(),
                       fmt::format("sequence '{}' is owned by table '{}', which is not declared",
                                   q.name.display(), q.owned_by_table->display()));
            } else if (t->find_column(*q.owned_by_column) == nullptr) {
                report(q.origin, q.name.name.size(),
                       fmt::format("sequence '{}' is owned by column '{}', which table '{}' "
                                   "does not have",
                                   q.name.display(), *q.owned_by_column, t->name.display()),
                       column_help(*t, *q.owned_by_column));
            }
        }
    }

    bool has_trigger(const QualifiedName& table_name, const std::string& name) const {
        return std::any_of(m_s.triggers.begin(), m_s.triggers.end(), [&](const auto& t) {
            return t.table == table_name && t.name == name;
        });
    }

    bool has_policy(const QualifiedName& table_name, const std::string& name) const {
        return std::any_of(m_s.policies.begin(), m_s.policies.end(), [&](const auto& p) {
            return p.table == table_name && p.name == name;
        });
    }

    bool has_constraint(const model::Table& t, const std::string& name) const {
        if (t.primary_key && t.primary_key->name == name) {
            return true;
        }
        auto named = [&](const auto& items) {
            return std::any_of(items.begin(), items.end(),
                               [&](const auto& c) { return c.name == name; });
        };
        return named(t.uniques) || named(t.checks) || named(t.foreign_keys) ||
               named(t.exclusions);
    }

    void check_ref(const model::ObjectRef& ref, const model::SourceRef& at, const char* what) {
        using K = model::ObjectKind;
        std::string missing;
        std::string help;
        const QualifiedName& n = ref.name;
        switch (ref.kind) {
        case K::table:
            if (table(n) == nullptr) {
                missing = fmt::format("table '{}'", n.display());
            }
            break;
        case K::column: {
            const model::Table* t = table(n);
            auto v = m_views.find(key(n));
            if (t == nullptr && v == m_views.end()) {
                missing = fmt::format("table '{}'", n.display());
            } else if (t != nullptr && t->find_column(ref.member) == nullptr && !t->partition_of) {
                missing = fmt::format("column '{}.{}'", n.display(), ref.member);
                help = column_help(*t, ref.member);
            }
            break;
        }
        case K::view:
        case K::materialized_view: {
            auto v = m_views.find(key(n));
            if (v == m_views.end()) {
                missing = fmt::format("view '{}'", n.display());
            }
            break;
        }
        case K::sequence:
            if (m_sequences.count(key(n)) == 0) {
                missing = fmt::format("sequence '{}'", n.display());
            }
            break;
        case K::index:
            if (m_s.find_index(n) == nullptr) {
                missing = fmt::format("index '{}'", n.display());
            }
            break;
        case K::function:
        case K::procedure:
            if (ref.args == k_unresolved_args) {
                auto count = m_function_names.find(key(n));
                if (count == m_function_names.end()) {
                    missing = fmt::format("function '{}'", n.display());
                } else {
                    report(at, n.name.size(),
                           fmt::format("function '{}' has several overloads; name the argument "
                                       "types",
                                       n.display()),
                           fmt::format("write function {}(<types>)", n.display()));
                    return;
                }
            } else if (m_functions.count(key(n) + "(" + ref.args) == 0) {
                missing = fmt::format("function {}({})", n.display(), ref.args);
            }
            break;
        case K::type:
        case K::domain:
            if (m_types.count(key(n)) == 0) {
                missing = fmt::format("type '{}'", n.display());
            }
            break;
        case K::schema:
            if (m_declared_schemas.count(n.name) == 0) {
                missing = fmt::format("schema '{}'", n.name);
            }
            break;
        case K::extension:
            if (std::none_of(m_s.extensions.begin(), m_s.extensions.end(),
                             [&](const auto& e) { return e.name == n.name; })) {
                missing = fmt::format("extension '{}'", n.name);
            }
            break;
        case K::trigger:
            if (!has_trigger(n, ref.member)) {
                missing = fmt::format("trigger '{}' on '{}'", ref.member, n.display());
            }
            break;
        case K::policy:
            if (!has_policy(n, ref.member)) {
                missing = fmt::format("policy '{}' on '{}'", ref.member, n.display());
            }
            break;
        case K::constraint: {
            const model::Table* t = table(n);
            if (t == nullptr || !has_constraint(*t, ref.member)) {
                missing = fmt::format("constraint '{}' on '{}'", ref.member, n.display());
            }
            break;
        }
        case K::domain_constraint: {
            const model::Domain* d = m_s.find_domain(n);
            if (d == nullptr ||
                std::none_of(d->checks.begin(), d->checks.end(),
                             [&](const auto& c) { return c.name == ref.member; })) {
                missing = fmt::format("constraint '{}' on domain '{}'", ref.member, n.display());
            }
            break;
        }
        }
        if (!missing.empty()) {
            report(at, 1, fmt::format("{} on {}, which is not declared", what, missing), help);
        }
    }

    void check_hints() {
        using RT = model::RenameHint::Target;
        for (const model::RenameHint& h : m_s.renames) {
            if (h.target == RT::column) {
                const model::Table* t = table(h.to);
                if (t == nullptr) {
                    report(h.origin, 6,
                           fmt::format("rename: table '{}' is not declared", h.to.display()));
                    continue;
                }
                if (t->find_column(h.to_column) == nullptr) {
                    report(h.origin, 6,
                           fmt::format("rename: table '{}' has no column '{}' (the new name)",
                                       t->name.display(), h.to_column),
                           column_help(*t, h.to_column));
                }
                if (t->find_column(h.from_column) != nullptr) {
                    report(h.origin, 6,
                           fmt::format("rename: column '{}' is still declared in table '{}'",
                                       h.from_column, t->name.display()),
                           "the schema describes the result, so only the new name belongs in it");
                }
            } else if (h.target == RT::table) {
                if (table(h.to) == nullptr) {
                    report(h.origin, 6,
                           fmt::format("rename: table '{}' (the new name) is not declared",
                                       h.to.display()));
                }
                if (table(h.from) != nullptr) {
                    report(h.origin, 6,
                           fmt::format("rename: table '{}' is still declared", h.from.display()));
                }
            }
        }
        for (const model::TransformHint& h : m_s.transforms) {
            const model::Table* t = table(h.table);
            if (t == nullptr) {
                report(h.origin, 9,
                       fmt::format("transform: table '{}' is not declared", h.table.display()));
            } else if (t->find_column(h.column) == nullptr) {
                report(h.origin, 9,
                       fmt::format("transform: table '{}' has no column '{}'", t->name.display(),
                                   h.column),
                       column_help(*t, h.column));
            }
        }
        using DT = model::DropHint::Target;
        for (const model::DropHint& h : m_s.drops) {
            if (h.target == DT::column) {
                const model::Table* t = table(h.name);
                if (t != nullptr && t->find_column(h.member) != nullptr) {
                    report(h.origin, 4,
                           fmt::format("drop: column '{}.{}' is still declared", h.name.display(),
                                       h.member),
                           "remove the column from the table, or remove the drop hint");
                }
            } else if (h.target == DT::table && table(h.name) != nullptr) {
                report(h.origin, 4,
                       fmt::format("drop: table '{}' is still declared", h.name.display()),
                       "remove the table, or remove the drop hint");
            }
        }
    }
};

const std::string* file_text(std::map<std::string, std::string>& cache, const std::string& file) {
    auto it = cache.find(file);
    if (it != cache.end()) {
        return &it->second;
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        return nullptr;
    }
    std::stringstream buffer;
    buffer << in.rdbuf();
    return &cache.emplace(file, buffer.str()).first->second;
}

} // namespace

void attach_source_lines(std::vector<Diagnostic>& diagnostics,
                         std::map<std::string, std::string>& texts) {
    for (Diagnostic& d : diagnostics) {
        if (d.line <= 0 || !d.line_text.empty() || d.file.empty()) {
            continue;
        }
        const std::string* text = file_text(texts, d.file);
        if (text == nullptr) {
            continue;
        }
        SourceText source(*text, d.file);
        d.line_text = std::string(source.line_text(d.line));
        int room = static_cast<int>(d.line_text.size()) - (d.column - 1);
        if (room > 0 && d.length > room) {
            d.length = room;
        }
        // underline the name at the caret when the validator did not know its length
        if (d.length <= 1 && d.column >= 1 &&
            static_cast<size_t>(d.column - 1) < d.line_text.size()) {
            size_t start = static_cast<size_t>(d.column - 1);
            size_t end = start;
            while (end < d.line_text.size() && (std::isalnum(static_cast<unsigned char>(
                                                    d.line_text[end])) ||
                                                d.line_text[end] == '_')) {
                ++end;
            }
            if (end > start) {
                d.length = static_cast<int>(end - start);
            }
        }
    }
}

std::vector<Diagnostic> validate(const model::Schema& schema) {
    std::vector<Diagnostic> diagnostics = Validator(schema).run();
    std::map<std::string, std::string> texts;
    attach_source_lines(diagnostics, texts);
    return diagnostics;
}

std::vector<Diagnostic> validate_raw(const model::Schema& schema) {
    return Validator(schema).run();
}

} // namespace qail::lang
