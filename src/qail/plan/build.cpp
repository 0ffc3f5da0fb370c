#include "build.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <queue>
#include <set>
#include <unordered_map>

#include <qail/base/strings.hpp>
#include <qail/model/naming.hpp>
#include <qail/model/types.hpp>
#include <qail/plan/ddl.hpp>
#include <qail/sql/normalize.hpp>
#include <qail/sql/quote.hpp>
#include <qail/sql/text.hpp>

namespace qail::plan {

using diff::Action;
using diff::Change;
using diff::What;
using model::QualifiedName;
using sql::quote_ident;
using sql::quote_literal;

namespace {

// Statement kinds in their natural order (the tie-break after the phase).
namespace rank {
constexpr int set_config = 0;
constexpr int create_extension = 1;
constexpr int create_schema = 2;
constexpr int rename = 3;
constexpr int drop_trigger = 4;
constexpr int drop_policy = 4;
constexpr int drop_view = 5;
constexpr int drop_fk = 6;
constexpr int drop_constraint = 7;
constexpr int drop_index = 8;
constexpr int alter_extension = 9;
constexpr int create_type = 10;
constexpr int alter_type = 11;
constexpr int create_sequence = 15;
constexpr int alter_sequence = 16;
constexpr int create_function = 20;
constexpr int create_table = 30;
constexpr int alter_table = 32;
constexpr int add_column = 35;
constexpr int drop_default_before = 36;
constexpr int alter_column = 37;
constexpr int set_default = 38;
constexpr int backfill = 39;
constexpr int drop_not_null = 40;
constexpr int set_not_null = 41;
constexpr int add_constraint = 42;
constexpr int sequence_owned = 44;
constexpr int create_index = 45;
constexpr int add_fk = 50;
constexpr int validate = 52;
constexpr int create_view = 60;
constexpr int create_trigger = 70;
constexpr int rls = 72;
constexpr int create_policy = 74;
constexpr int revoke = 80;
constexpr int grant = 81;
constexpr int owner = 83;
constexpr int comment = 85;
constexpr int drop_column = 88;
constexpr int drop_table = 89;
constexpr int drop_function = 90;
constexpr int drop_type = 91;
constexpr int drop_sequence = 92;
constexpr int drop_schema = 94;
constexpr int drop_extension = 95;
} // namespace rank

std::string qn_key(const QualifiedName& n) {
    return n.schema + "." + n.name;
}
std::string rel_key(const QualifiedName& n) {
    return "r:" + qn_key(n);
}
/// Provided by every step that alters an existing table; what reads the table's
/// shape (views, policies) waits for them. Creation is rel_key.
std::string alter_key(const QualifiedName& n) {
    return "a:" + qn_key(n);
}
std::string type_key(const QualifiedName& n) {
    return "t:" + qn_key(n);
}
std::string fn_key(const QualifiedName& n) {
    return "f:" + qn_key(n);
}
std::string col_key(const QualifiedName& t, const std::string& c) {
    return "c:" + qn_key(t) + "." + c;
}
std::string uniq_key(const QualifiedName& t) {
    return "u:" + qn_key(t);
}
std::string con_key(const QualifiedName& t, const std::string& c) {
    return "k:" + qn_key(t) + "." + c;
}
std::string schema_key(const std::string& s) {
    return "s:" + s;
}

struct Node {
    Step step;
    int rank = 0;
    std::vector<std::string> provides;
    std::vector<std::string> requires_;
    std::vector<std::string> drops;
    std::vector<std::string> drop_requires;
};

// Names an expression or query mentions, as dependency keys of every kind
// (only keys some step provides matter).
void add_text_requires(std::vector<std::string>& keys, std::string_view text,
                       bool reads_shape = false) {
    for (const sql::NameRef& ref : sql::referenced_names(text)) {
        QualifiedName n{ref.schema.empty() ? std::string(model::k_default_schema) : ref.schema,
                        ref.name};
        if (ref.call) {
            keys.push_back(fn_key(n));
        } else {
            keys.push_back(rel_key(n));
            keys.push_back(type_key(n));
            if (reads_shape) {
                keys.push_back(alter_key(n));
            }
        }
    }
}

void add_type_requires(std::vector<std::string>& keys, const std::string& type_text) {
    sql::NameRef ref = sql::parse_name(type_text);
    QualifiedName n{ref.schema.empty() ? std::string(model::k_default_schema) : ref.schema,
                    ref.name};
    keys.push_back(type_key(n));
}

class Builder {
public:
    Builder(const diff::Result& result, const model::Schema& to, const BuildOptions& options)
        : m_result(result), m_from(*result.renamed_from), m_to(to), m_options(options) {}

    Plan run();

private:
    Node& add(StepKind kind, int rank, Phase phase, Target target, std::string sql) {
        Node node;
        node.step.kind = kind;
        node.step.target = std::move(target);
        node.step.sql = std::move(sql);
        node.step.phase = phase;
        node.rank = rank;
        m_nodes.push_back(std::move(node));
        return m_nodes.back();
    }

    bool is_new_table(const QualifiedName& n) const { return m_new_tables.count(n) > 0; }
    bool is_dropped_table(const QualifiedName& n) const { return m_dropped_tables.count(n) > 0; }
    bool is_partitioned(const QualifiedName& n) const {
        const model::Table* t = m_to.find_table(n);
        if (t == nullptr) {
            t = m_from.find_table(n);
        }
        return t != nullptr && t->partition_by.has_value();
    }
    /// Lock bookkeeping for a step on an existing table.
    void on_table(Node& node, const QualifiedName& table, LockLevel lock) {
        node.step.lock = lock;
        if (!is_new_table(table)) {
            node.step.locked_relation = table;
        }
        node.provides.push_back(alter_key(table));
        node.requires_.push_back(rel_key(table));
        node.requires_.push_back(schema_key(table.schema));
    }

    /// The table of `schema` with a serial column whose implied sequence is
    /// `name`, and that column; {nullptr, nullptr} when there is none.
    static std::pair<const model::Table*, const model::Column*>
    serial_owner(const model::Schema& schema, const QualifiedName& name) {
        for (const model::Table& t : schema.tables) {
            if (t.name.schema != name.schema) {
                continue;
            }
            for (const model::Column& col : t.columns) {
                if (model::is_serial_type(col.type) &&
                    model::default_serial_sequence_name(t.name.name, col.name) == name.name) {
                    return {&t, &col};
                }
            }
        }
        return {nullptr, nullptr};
    }

    /// True when `from` has a serial column whose implied sequence is `name`
    /// and the column is still there in `to` (so the sequence survives).
    bool serial_sequence_survives(const QualifiedName& name) const {
        auto [t, col] = serial_owner(m_from, name);
        if (t == nullptr) {
            return false;
        }
        const model::Table* kept = m_to.find_table(t->name);
        return kept != nullptr && m_dropped_tables.count(t->name) == 0 &&
               kept->find_column(col->name) != nullptr;
    }

    /// True when `to` has a serial column, already in `from`, whose implied
    /// sequence is `name`: an explicit sequence of `from` that the serial takes over.
    bool serial_takes_over_sequence(const QualifiedName& name) const {
        auto [t, col] = serial_owner(m_to, name);
        if (t == nullptr) {
            return false;
        }
        const model::Table* before = m_from.find_table(t->name);
        return before != nullptr && before->find_column(col->name) != nullptr;
    }

    void renames();
    void extension(const Change& c);
    void schema(const Change& c);
    void enum_type(const Change& c);
    void domain(const Change& c);
    void composite(const Change& c);
    void sequence(const Change& c);
    void function(const Change& c);
    void create_function(const model::Function& f, bool replace);
    void drop_function(const model::Function& f, Phase phase);
    void table(const Change& c);
    void create_table(const model::Table& t);
    void drop_table(const model::Table& t);
    void alter_table(const model::Table& a, const model::Table& b);
    void column(const Change& c);
    void add_column(const QualifiedName& table, const model::Column& col);
    void alter_column(const QualifiedName& table, const model::Column& a, const model::Column& b);
    void set_not_null(const QualifiedName& table, const std::string& column);
    void constraint(const Change& c);
    void add_key_constraint(const QualifiedName& table, const std::string& name, bool primary,
                            const std::vector<std::string>& columns,
                            const std::vector<std::string>& include, bool nulls_not_distinct,
                            const model::Deferral& deferral, const std::string& inline_sql);
    void add_check(const QualifiedName& table, const model::CheckConstraint& c);
    void add_foreign_key(const QualifiedName& table, const model::ForeignKey& fk);
    void drop_constraint(const QualifiedName& table, const std::string& name,
                         const std::vector<std::string>& columns, Phase phase, int rank_,
                         std::optional<QualifiedName> ref_table = std::nullopt);
    void index(const Change& c);
    void create_index(const model::Index& i);
    void drop_index(const model::Index& i, Phase phase);
    void view(const Change& c);
    void create_view(const model::View& v);
    void drop_view(const model::View& v, Phase phase);
    void trigger(const Change& c);
    void create_trigger(const model::Trigger& t);
    void drop_trigger(const model::Trigger& t, Phase phase);
    void policy(const Change& c);
    void create_policy(const model::Policy& p);
    void drop_policy(const model::Policy& p, Phase phase);
    void grant(const Change& c);
    void revoke(const Change& c);
    void comment(const Change& c);
    void owner(const Change& c);
    void recreate_dependents();
    void reapply_metadata(const model::ObjectRef& object);
    bool object_dropped(const model::ObjectRef& o) const;
    void object_requires(Node& node, const model::ObjectRef& o) const;
    Plan order();

    const diff::Result& m_result;
    const model::Schema& m_from;
    const model::Schema& m_to;
    BuildOptions m_options;
    std::vector<Node> m_nodes;
    std::set<QualifiedName> m_new_tables;
    std::set<QualifiedName> m_dropped_tables;
    std::set<QualifiedName> m_dropped_relations; ///< tables, views, sequences, types
    std::set<std::string> m_dropped_functions;   ///< signature()
    /// Views (by name) to drop and recreate although unchanged, because
    /// something they read changes underneath them.
    std::set<QualifiedName> m_recreate_views;
    std::set<QualifiedName> m_changed_views;
    /// Columns whose type changes or that are dropped: "schema.table.col".
    std::set<std::pair<QualifiedName, std::string>> m_invalidated_columns;
    std::set<std::pair<QualifiedName, std::string>> m_recreate_fks;
    /// Columns dropped from tables that stay: PostgreSQL drops the indexes and
    /// constraints on them itself.
    std::set<std::pair<QualifiedName, std::string>> m_dropped_columns;
    bool goes_with_dropped_column(const QualifiedName& table,
                                  const std::vector<std::string>& columns) const {
        return std::any_of(columns.begin(), columns.end(), [&](const std::string& c) {
            return m_dropped_columns.count({table, c}) > 0;
        });
    }
    std::vector<std::string> table_columns(const QualifiedName& table) const {
        std::vector<std::string> names;
        for (const model::Schema* s : {&m_from, &m_to}) {
            if (const model::Table* t = s->find_table(table)) {
                for (const auto& c : t->columns) {
                    names.push_back(c.name);
                }
            }
        }
        return names;
    }
    bool m_functions_created = false;
    std::set<std::pair<model::ObjectRef, std::string>> m_grants_done;
    /// Foreign keys the diff drops, changes or renames: "table\x1fname".
    std::set<std::pair<QualifiedName, std::string>> m_changed_fks;
    void recreate_referencing_fks(const QualifiedName& table,
                                  const std::vector<std::string>& columns);
};

// ------------------------------------------------------------------ helpers

Target target_of(model::ObjectKind kind, const QualifiedName& name, std::string member = {}) {
    return Target{kind, name, std::move(member)};
}

void mark_destructive(Node& node, DataAtRisk::Kind kind, const QualifiedName& table,
                      const std::string& column, std::string count_sql) {
    node.step.destructive = true;
    node.step.risk = Risk::high;
    node.step.at_risk.kind = kind;
    node.step.at_risk.table = table;
    node.step.at_risk.column = column;
    node.step.at_risk.count_sql = std::move(count_sql);
}

// Type families inside which ALTER COLUMN TYPE needs no USING clause.
int type_family(const std::string& canonical) {
    std::string t = canonical;
    size_t paren = t.find('(');
    if (paren != std::string::npos) {
        t = t.substr(0, paren) + t.substr(t.find(')', paren) + 1);
    }
    t = std::string(trim(t));
    if (t == "text" || t == "character varying" || t == "character" || t == "bpchar" ||
        t == "citext" || t == "name") {
        return 1;
    }
    if (t == "smallint" || t == "integer" || t == "bigint" || t == "numeric" || t == "real" ||
        t == "double precision" || t == "serial" || t == "bigserial" || t == "smallserial") {
        return 2;
    }
    if (t.rfind("timestamp", 0) == 0 || t == "date") {
        return 3;
    }
    if (t.rfind("time ", 0) == 0 || t == "time" || t == "interval") {
        return 4;
    }
    if (t == "json" || t == "jsonb") {
        return 5;
    }
    return 0;
}

int type_length(const std::string& canonical) {
    size_t open = canonical.find('(');
    if (open == std::string::npos) {
        return -1;
    }
    return std::atoi(canonical.c_str() + open + 1);
}

// True when every value of `from` fits `to` (no value can fail the cast).
bool is_widening(const std::string& from, const std::string& to) {
    if (from == to) {
        return true;
    }
    auto base = [](const std::string& t) {
        size_t p = t.find('(');
        return p == std::string::npos ? t : t.substr(0, p);
    };
    std::string bf = base(from);
    std::string bt = base(to);
    if (bt == "text" && type_family(from) == 1) {
        return true;
    }
    if (bf == "character varying" && bt == "character varying") {
        int lf = type_length(from);
        int lt = type_length(to);
        return lt < 0 || (lf >= 0 && lt >= lf);
    }
    static const std::map<std::string, int> k_int_rank = {
        {"smallint", 1}, {"integer", 2}, {"serial", 2}, {"bigint", 3}, {"bigserial", 3},
        {"numeric", 4}};
    auto f = k_int_rank.find(bf);
    auto t = k_int_rank.find(bt);
    if (f != k_int_rank.end() && t != k_int_rank.end()) {
        return t->second >= f->second && (bt != "numeric" || to == "numeric");
    }
    if ((bf == "real" && bt == "double precision") ||
        (bf == "timestamp without time zone" && bt == "timestamp with time zone")) {
        return true;
    }
    return false;
}

// Not a built-in type: an enum, domain, composite or extension type.
bool is_user_type(const std::string& canonical) {
    std::string t(model::array_element_type(canonical));
    size_t p = t.find('(');
    if (p != std::string::npos) {
        t = t.substr(0, p);
    }
    return sql::render_type(t) == t && t != "\"char\"" && t != "name" && t != "regclass";
}

// Storage PostgreSQL gives a column of this type by default.
std::string default_storage(const std::string& canonical) {
    static const std::set<std::string> k_plain = {
        "smallint", "integer", "bigint", "real", "double precision", "boolean", "date",
        "time without time zone", "timestamp without time zone", "timestamp with time zone",
        "uuid", "serial", "bigserial", "smallserial", "oid", "money", "macaddr"};
    std::string t = canonical;
    size_t p = t.find('(');
    if (p != std::string::npos) {
        t = t.substr(0, p);
    }
    if (canonical.size() > 2 && canonical.substr(canonical.size() - 2) == "[]") {
        return "extended";
    }
    return k_plain.count(t) ? "plain" : "extended";
}

// CREATE OR REPLACE VIEW works when the new query keeps the old columns (same
// names and expressions, in order) and only adds columns after them; the
// options stay. Otherwise the view is dropped and recreated with its dependents.
bool view_replaceable(const model::View& a, const model::View& b) {
    if (a.materialized || b.materialized) {
        return false;
    }
    model::View x = a;
    x.definition = b.definition;
    if (!(x == b)) {
        return false;
    }
    auto ca = sql::select_columns(a.definition);
    auto cb = sql::select_columns(b.definition);
    if (!ca || !cb || cb->size() < ca->size()) {
        return false;
    }
    return std::equal(ca->begin(), ca->end(), cb->begin());
}

std::string to_upper(std::string s) {
    for (char& c : s) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return s;
}

// ------------------------------------------------------------------ renames

void Builder::renames() {
    for (const model::RenameHint& h : m_result.renames) {
        using T = model::RenameHint::Target;
        switch (h.target) {
        case T::table: {
            Node& n = add(StepKind::rename_table, rank::rename, Phase::expand,
                          target_of(model::ObjectKind::table, h.to),
                          ddl::alter_table(h.from) + " RENAME TO " + quote_ident(h.to.name));
            n.step.lock = LockLevel::access_exclusive;
            n.step.locked_relation = h.from;
            n.step.risk = Risk::medium;
            n.step.reason = "rename: code using the old name breaks";
            n.step.inverse_sql = ddl::alter_table(QualifiedName{h.from.schema, h.to.name}) +
                                 " RENAME TO " + quote_ident(h.from.name);
            n.provides = {rel_key(h.to), type_key(h.to)};
            n.drops = {rel_key(h.from)};
            if (h.from.schema != h.to.schema) {
                n.step.sql = ddl::alter_table(h.from) + " SET SCHEMA " + quote_ident(h.to.schema);
                if (h.from.name != h.to.name) {
                    Node& m = add(StepKind::rename_table, rank::rename, Phase::expand,
                                  target_of(model::ObjectKind::table, h.to),
                                  ddl::alter_table(QualifiedName{h.to.schema, h.from.name}) +
                                      " RENAME TO " + quote_ident(h.to.name));
                    m.step.lock = LockLevel::access_exclusive;
                    m.provides = {rel_key(h.to)};
                    m.requires_ = {schema_key(h.to.schema)};
                }
            }
            break;
        }
        case T::column: {
            Node& n = add(StepKind::rename_column, rank::rename, Phase::expand,
                          target_of(model::ObjectKind::column, h.to, h.to_column),
                          ddl::alter_table(h.to) + " RENAME COLUMN " +
                              quote_ident(h.from_column) + " TO " + quote_ident(h.to_column));
            on_table(n, h.to, LockLevel::access_exclusive);
            n.step.risk = Risk::medium;
            n.step.reason = "rename: code using the old name breaks";
            n.step.inverse_sql = ddl::alter_table(h.to) + " RENAME COLUMN " +
                                 quote_ident(h.to_column) + " TO " + quote_ident(h.from_column);
            n.drops.push_back(col_key(h.to, h.from_column));
            n.provides.push_back(col_key(h.to, h.to_column));
            break;
        }
        case T::index: {
            Node& n = add(StepKind::rename_index, rank::rename, Phase::expand,
                          target_of(model::ObjectKind::index, h.to),
                          "ALTER INDEX " + ddl::name(h.from) + " RENAME TO " +
                              quote_ident(h.to.name));
            n.step.lock = LockLevel::share_update_exclusive;
            n.provides = {rel_key(h.to)};
            n.drops = {rel_key(h.from)};
            break;
        }
        case T::view: {
            const model::View* v = m_to.find_view(h.to);
            bool mat = v != nullptr && v->materialized;
            Node& n = add(StepKind::rename_view, rank::rename, Phase::expand,
                          target_of(mat ? model::ObjectKind::materialized_view
                                        : model::ObjectKind::view,
                                    h.to),
                          std::string(mat ? "ALTER MATERIALIZED VIEW " : "ALTER VIEW ") +
                              ddl::name(h.from) + " RENAME TO " + quote_ident(h.to.name));
            n.step.lock = LockLevel::access_exclusive;
            n.step.risk = Risk::medium;
            n.step.reason = "rename: code using the old name breaks";
            n.provides = {rel_key(h.to), type_key(h.to)};
            n.drops = {rel_key(h.from)};
            break;
        }
        case T::sequence: {
            Node& n = add(StepKind::alter_sequence, rank::rename, Phase::expand,
                          target_of(model::ObjectKind::sequence, h.to),
                          "ALTER SEQUENCE " + ddl::name(h.from) + " RENAME TO " +
                              quote_ident(h.to.name));
            n.step.lock = LockLevel::access_exclusive;
            n.provides = {rel_key(h.to)};
            n.drops = {rel_key(h.from)};
            break;
        }
        case T::type: {
            bool is_domain = m_to.find_domain(h.to) != nullptr;
            Node& n = add(StepKind::rename_type, rank::rename, Phase::expand,
                          target_of(is_domain ? model::ObjectKind::domain
                                              : model::ObjectKind::type,
                                    h.to),
                          std::string(is_domain ? "ALTER DOMAIN " : "ALTER TYPE ") +
                              ddl::name(h.from) + " RENAME TO " + quote_ident(h.to.name));
            n.provides = {type_key(h.to)};
            n.drops = {type_key(h.from)};
            break;
        }
        default:
            break;
        }
    }
}

// --------------------------------------------------------- simple objects

void Builder::extension(const Change& c) {
    const auto* a = c.from_as<model::Extension>();
    const auto* b = c.to_as<model::Extension>();
    QualifiedName n{"", b ? b->name : a->name};
    if (c.action == Action::create) {
        Node& node = add(StepKind::create_extension, rank::create_extension, Phase::expand,
                         target_of(model::ObjectKind::extension, n), ddl::create_extension(*b));
        node.step.inverse_sql = ddl::drop_extension(*b);
        node.provides = {"x:" + b->name};
        if (b->schema) {
            node.requires_.push_back(schema_key(*b->schema));
        }
    } else if (c.action == Action::drop) {
        Node& node = add(StepKind::drop_extension, rank::drop_extension, Phase::contract,
                         target_of(model::ObjectKind::extension, n), ddl::drop_extension(*a));
        node.step.risk = Risk::medium;
        node.step.reason = "drops the extension's objects";
        node.drops = {"x:" + a->name};
    } else {
        if (a->schema != b->schema && b->schema) {
            add(StepKind::alter_extension, rank::alter_extension, Phase::expand,
                target_of(model::ObjectKind::extension, n),
                "ALTER EXTENSION " + quote_ident(b->name) + " SET SCHEMA " +
                    quote_ident(*b->schema))
                .requires_.push_back(schema_key(*b->schema));
        }
        if (b->version && a->version != b->version) {
            add(StepKind::alter_extension, rank::alter_extension, Phase::expand,
                target_of(model::ObjectKind::extension, n),
                "ALTER EXTENSION " + quote_ident(b->name) + " UPDATE TO " +
                    quote_literal(*b->version));
        }
    }
}

void Builder::schema(const Change& c) {
    const auto* a = c.from_as<model::SchemaDef>();
    const auto* b = c.to_as<model::SchemaDef>();
    if (c.action == Action::create) {
        Node& node = add(StepKind::create_schema, rank::create_schema, Phase::expand,
                         target_of(model::ObjectKind::schema, QualifiedName{"", b->name}),
                         ddl::create_schema(*b));
        node.step.inverse_sql = ddl::drop_schema(b->name);
        node.provides = {schema_key(b->name)};
    } else if (c.action == Action::drop) {
        Node& node = add(StepKind::drop_schema, rank::drop_schema, Phase::contract,
                         target_of(model::ObjectKind::schema, QualifiedName{"", a->name}),
                         ddl::drop_schema(a->name));
        node.drops = {schema_key(a->name)};
        node.step.inverse_sql = ddl::create_schema(*a);
    }
}

void Builder::enum_type(const Change& c) {
    const auto* a = c.from_as<model::EnumType>();
    const auto* b = c.to_as<model::EnumType>();
    if (c.action == Action::create) {
        Node& node = add(StepKind::create_enum, rank::create_type, Phase::expand,
                         target_of(model::ObjectKind::type, b->name), ddl::create_enum(*b));
        node.provides = {type_key(b->name)};
        node.requires_ = {schema_key(b->name.schema)};
        node.step.inverse_sql = ddl::drop_type(b->name);
        return;
    }
    if (c.action == Action::drop) {
        Node& node = add(StepKind::drop_type, rank::drop_type, Phase::contract,
                         target_of(model::ObjectKind::type, a->name), ddl::drop_type(a->name));
        node.drops = {type_key(a->name)};
        node.drop_requires = {schema_key(a->name.schema)};
        node.step.inverse_sql = ddl::create_enum(*a);
        return;
    }
    // alter: added values in place, renamed values, or a rebuild
    const auto& ov = a->values;
    const auto& nv = b->values;
    // is `ov` a subsequence of `nv`?
    size_t k = 0;
    for (size_t i = 0; i < nv.size() && k < ov.size(); ++i) {
        if (nv[i] == ov[k]) {
            ++k;
        }
    }
    Target tgt = target_of(model::ObjectKind::type, b->name);
    if (k == ov.size()) {
        std::set<std::string> old_set(ov.begin(), ov.end());
        for (size_t i = 0; i < nv.size(); ++i) {
            if (old_set.count(nv[i])) {
                continue;
            }
            std::string sql = "ALTER TYPE " + ddl::name(b->name) + " ADD VALUE " +
                              quote_literal(nv[i]);
            if (i > 0) {
                if (i + 1 < nv.size() || !ov.empty()) {
                    sql += " AFTER " + quote_literal(nv[i - 1]);
                }
            } else if (!ov.empty()) {
                sql += " BEFORE " + quote_literal(ov.front());
            }
            Node& node = add(StepKind::add_enum_value, rank::alter_type, Phase::expand, tgt, sql);
            node.provides = {type_key(b->name)};
            node.requires_ = {type_key(b->name)};
            node.step.reason = "a new value can be used only after this step commits";
            old_set.insert(nv[i]);
        }
        return;
    }
    if (ov.size() == nv.size()) {
        std::set<std::string> os(ov.begin(), ov.end());
        std::set<std::string> ns(nv.begin(), nv.end());
        bool renames_only = true;
        for (size_t i = 0; i < ov.size(); ++i) {
            if (ov[i] != nv[i] && (ns.count(ov[i]) || os.count(nv[i]))) {
                renames_only = false;
            }
        }
        if (renames_only) {
            for (size_t i = 0; i < ov.size(); ++i) {
                if (ov[i] != nv[i]) {
                    Node& node = add(StepKind::rename_enum_value, rank::alter_type, Phase::expand,
                                     tgt,
                                     "ALTER TYPE " + ddl::name(b->name) + " RENAME VALUE " +
                                         quote_literal(ov[i]) + " TO " + quote_literal(nv[i]));
                    node.provides = {type_key(b->name)};
                    node.step.inverse_sql = "ALTER TYPE " + ddl::name(b->name) +
                                            " RENAME VALUE " + quote_literal(nv[i]) + " TO " +
                                            quote_literal(ov[i]);
                }
            }
            return;
        }
    }
    // rebuild: rename the old type away, create the new one, move every column over
    QualifiedName old_name{a->name.schema, model::make_object_name(a->name.name, "", "qail_old")};
    std::string type_sql = ddl::name(b->name);
    std::vector<std::string> removed;
    for (const std::string& v : ov) {
        if (std::find(nv.begin(), nv.end(), v) == nv.end()) {
            removed.push_back(quote_literal(v));
        }
    }
    Node& r = add(StepKind::rebuild_enum, rank::alter_type, Phase::contract, tgt,
                  "ALTER TYPE " + type_sql + " RENAME TO " + quote_ident(old_name.name));
    r.drops = {type_key(b->name)};
    r.step.risk = Risk::high;
    r.step.reason = "removes enum values: rows holding them fail the cast";
    Node& cr = add(StepKind::rebuild_enum, rank::alter_type, Phase::contract, tgt,
                   ddl::create_enum(*b));
    cr.requires_ = {type_key(b->name) + "#renamed"};
    r.provides = {type_key(b->name) + "#renamed"};
    cr.provides = {type_key(b->name) + "#new"};
    std::string type_text = b->name.schema == model::k_default_schema
                                ? b->name.name
                                : b->name.schema + "." + b->name.name;
    std::vector<std::string> moved;
    for (const model::Table& t : m_to.tables) {
        if (is_new_table(t.name) || t.partition_of) {
            continue;
        }
        for (const model::Column& col : t.columns) {
            bool array = col.type == type_text + "[]";
            if (col.type != type_text && !array) {
                continue;
            }
            std::string alter = ddl::alter_table(t.name) + " ALTER COLUMN " +
                                quote_ident(col.name);
            std::string sql;
            const model::Table* old_table = m_from.find_table(t.name);
            const model::Column* old_col =
                old_table != nullptr ? old_table->find_column(col.name) : nullptr;
            if (old_col != nullptr && old_col->default_expr) {
                sql += alter + " DROP DEFAULT;\n";
            }
            sql += alter + " TYPE " + type_sql + (array ? "[]" : "") + " USING " +
                   quote_ident(col.name) + "::text" + (array ? "[]" : "") +
                   "::" + type_sql + (array ? "[]" : "");
            if (col.default_expr) {
                sql += ";\n" + alter + " SET DEFAULT " + *col.default_expr;
            }
            Node& m = add(StepKind::alter_column_type, rank::alter_type, Phase::contract,
                          target_of(model::ObjectKind::column, t.name, col.name), sql);
            on_table(m, t.name, LockLevel::access_exclusive);
            m.requires_.push_back(type_key(b->name) + "#new");
            m.provides.push_back(type_key(b->name) + "#moved");
            mark_destructive(m, DataAtRisk::Kind::enum_values, t.name, col.name,
                             removed.empty() ? ""
                                             : "SELECT count(*) FROM " + ddl::name(t.name) +
                                                   " WHERE " + quote_ident(col.name) +
                                                   "::text IN (" + join(removed, ", ") + ")");
            m.step.reason = "rewrites the table; rows holding a removed value fail";
            m_invalidated_columns.insert({t.name, col.name});
        }
    }
    Node& d = add(StepKind::drop_type, rank::alter_type, Phase::contract, tgt,
                  ddl::drop_type(old_name));
    d.requires_ = {type_key(b->name) + "#new", type_key(b->name) + "#moved"};
    d.provides = {type_key(b->name)};
}

void Builder::domain(const Change& c) {
    const auto* a = c.from_as<model::Domain>();
    const auto* b = c.to_as<model::Domain>();
    auto create = [&](const model::Domain& d) {
        Node& node = add(StepKind::create_domain, rank::create_type, Phase::expand,
                         target_of(model::ObjectKind::domain, d.name), ddl::create_domain(d));
        node.provides = {type_key(d.name)};
        node.requires_ = {schema_key(d.name.schema)};
        add_type_requires(node.requires_, d.base_type);
        if (d.default_expr) {
            add_text_requires(node.requires_, *d.default_expr);
        }
        for (const auto& ch : d.checks) {
            add_text_requires(node.requires_, ch.expression);
            if (ch.not_valid) {
                Node& nv = add(StepKind::alter_domain, rank::alter_type, Phase::expand,
                               target_of(model::ObjectKind::domain, d.name),
                               "ALTER DOMAIN " + ddl::name(d.name) + " ADD " +
                                   ddl::domain_constraint(ch) + " NOT VALID");
                nv.requires_ = {type_key(d.name)};
                add_text_requires(nv.requires_, ch.expression);
            }
        }
        node.step.inverse_sql = ddl::drop_domain(d.name);
    };
    auto drop = [&](const model::Domain& d, Phase phase) {
        Node& node = add(StepKind::drop_domain, rank::drop_type, phase,
                         target_of(model::ObjectKind::domain, d.name), ddl::drop_domain(d.name));
        node.drops = {type_key(d.name)};
        node.drop_requires = {schema_key(d.name.schema)};
    };
    if (c.action == Action::create) {
        create(*b);
        return;
    }
    if (c.action == Action::drop) {
        drop(*a, Phase::contract);
        return;
    }
    if (a->base_type != b->base_type || a->collation != b->collation) {
        drop(*a, Phase::contract);
        create(*b);
        return;
    }
    std::string alter = "ALTER DOMAIN " + ddl::name(b->name);
    Target tgt = target_of(model::ObjectKind::domain, b->name);
    auto step = [&](std::string sql, Phase phase) -> Node& {
        Node& node = add(StepKind::alter_domain, rank::alter_type, phase, tgt, std::move(sql));
        node.provides = {type_key(b->name)};
        node.requires_ = {type_key(b->name)};
        return node;
    };
    if (a->default_expr != b->default_expr) {
        step(b->default_expr ? alter + " SET DEFAULT " + *b->default_expr : alter + " DROP DEFAULT",
             Phase::expand);
    }
    if (a->not_null != b->not_null) {
        step(alter + (b->not_null ? " SET NOT NULL" : " DROP NOT NULL"),
             b->not_null ? Phase::contract : Phase::expand);
    }
    for (const auto& ch : a->checks) {
        auto it = std::find_if(b->checks.begin(), b->checks.end(),
                               [&](const model::DomainCheck& x) { return x.name == ch.name; });
        if (it == b->checks.end() || !(*it == ch)) {
            step(alter + " DROP CONSTRAINT " + quote_ident(ch.name), Phase::expand);
        }
    }
    for (const auto& ch : b->checks) {
        auto it = std::find_if(a->checks.begin(), a->checks.end(),
                               [&](const model::DomainCheck& x) { return x.name == ch.name; });
        if (it == a->checks.end() || !(*it == ch)) {
            Node& n = step(alter + " ADD " + ddl::domain_constraint(ch) +
                               (ch.not_valid ? " NOT VALID" : ""),
                           Phase::contract);
            n.step.risk = Risk::medium;
            n.step.reason = "checks every value of the domain's columns";
            add_text_requires(n.requires_, ch.expression);
        }
    }
}

void Builder::composite(const Change& c) {
    const auto* a = c.from_as<model::CompositeType>();
    const auto* b = c.to_as<model::CompositeType>();
    auto create = [&](const model::CompositeType& t) {
        Node& node = add(StepKind::create_composite_type, rank::create_type, Phase::expand,
                         target_of(model::ObjectKind::type, t.name), ddl::create_composite(t));
        node.provides = {type_key(t.name)};
        node.requires_ = {schema_key(t.name.schema)};
        for (const auto& at : t.attributes) {
            add_type_requires(node.requires_, at.type);
        }
        node.step.inverse_sql = ddl::drop_type(t.name);
    };
    if (c.action == Action::create) {
        create(*b);
        return;
    }
    if (c.action == Action::drop) {
        Node& node = add(StepKind::drop_type, rank::drop_type, Phase::contract,
                         target_of(model::ObjectKind::type, a->name), ddl::drop_type(a->name));
        node.drops = {type_key(a->name)};
        for (const auto& at : a->attributes) {
            add_type_requires(node.drop_requires, at.type);
        }
        return;
    }
    std::string alter = "ALTER TYPE " + ddl::name(b->name);
    std::vector<std::string> actions;
    for (const auto& at : a->attributes) {
        auto it = std::find_if(b->attributes.begin(), b->attributes.end(),
                               [&](const model::CompositeAttribute& x) { return x.name == at.name; });
        if (it == b->attributes.end()) {
            actions.push_back("DROP ATTRIBUTE " + quote_ident(at.name));
        } else if (!(*it == at)) {
            actions.push_back("ALTER ATTRIBUTE " + quote_ident(at.name) + " TYPE " +
                              ddl::type(it->type) +
                              (it->collation ? " COLLATE " + quote_ident(*it->collation) : ""));
        }
    }
    for (const auto& at : b->attributes) {
        auto it = std::find_if(a->attributes.begin(), a->attributes.end(),
                               [&](const model::CompositeAttribute& x) { return x.name == at.name; });
        if (it == a->attributes.end()) {
            actions.push_back("ADD ATTRIBUTE " + quote_ident(at.name) + " " + ddl::type(at.type) +
                              (at.collation ? " COLLATE " + quote_ident(*at.collation) : ""));
        }
    }
    if (!actions.empty()) {
        Node& node = add(StepKind::alter_composite_type, rank::alter_type, Phase::expand,
                         target_of(model::ObjectKind::type, b->name),
                         alter + " " + join(actions, ", "));
        node.provides = {type_key(b->name)};
        node.requires_ = {type_key(b->name)};
        for (const auto& at : b->attributes) {
            add_type_requires(node.requires_, at.type);
        }
    }
}

void Builder::sequence(const Change& c) {
    const auto* a = c.from_as<model::Sequence>();
    const auto* b = c.to_as<model::Sequence>();
    auto owned = [&](const model::Sequence& s) {
        if (!s.owned_by_table || !s.owned_by_column) {
            return;
        }
        Node& node = add(StepKind::sequence_owned_by, rank::sequence_owned, Phase::expand,
                         target_of(model::ObjectKind::sequence, s.name),
                         "ALTER SEQUENCE " + ddl::name(s.name) + " OWNED BY " +
                             ddl::name(*s.owned_by_table) + "." + quote_ident(*s.owned_by_column));
        node.requires_ = {rel_key(s.name), rel_key(*s.owned_by_table),
                          col_key(*s.owned_by_table, *s.owned_by_column)};
    };
    if (c.action == Action::create && serial_sequence_survives(b->name)) {
        // a serial column of `from` that stays already owns a sequence of this
        // name (bigserial -> integer with an explicit sequence): reshape it
        Node& node = add(StepKind::alter_sequence, rank::alter_sequence, Phase::expand,
                         target_of(model::ObjectKind::sequence, b->name),
                         "ALTER SEQUENCE " + ddl::name(b->name) +
                             ddl::sequence_options(b->options, true));
        node.provides = {rel_key(b->name)};
        node.requires_ = {rel_key(b->name)};
        node.step.lock = LockLevel::row_exclusive;
        owned(*b);
        return;
    }
    if (c.action == Action::create) {
        Node& node = add(StepKind::create_sequence, rank::create_sequence, Phase::expand,
                         target_of(model::ObjectKind::sequence, b->name), ddl::create_sequence(*b));
        node.provides = {rel_key(b->name)};
        node.requires_ = {schema_key(b->name.schema)};
        node.step.inverse_sql = ddl::drop_sequence(b->name);
        owned(*b);
        return;
    }
    if (c.action == Action::drop && serial_takes_over_sequence(a->name)) {
        return; // the column's serial step reshapes it (alter_column)
    }
    if (c.action == Action::drop) {
        Node& node = add(StepKind::drop_sequence, rank::drop_sequence, Phase::contract,
                         target_of(model::ObjectKind::sequence, a->name),
                         ddl::drop_sequence(a->name));
        node.drops = {rel_key(a->name)};
        node.drop_requires = {schema_key(a->name.schema)};
        if (a->owned_by_table) {
            // an owned sequence goes away with its table
            if (is_dropped_table(*a->owned_by_table)) {
                m_nodes.pop_back();
            }
        }
        return;
    }
    if (!(a->options == b->options)) {
        Node& node = add(StepKind::alter_sequence, rank::alter_sequence, Phase::expand,
                         target_of(model::ObjectKind::sequence, b->name),
                         "ALTER SEQUENCE " + ddl::name(b->name) +
                             ddl::sequence_options(b->options, true));
        node.provides = {rel_key(b->name)};
        node.requires_ = {rel_key(b->name)};
        node.step.lock = LockLevel::row_exclusive;
    }
    if (a->owned_by_table != b->owned_by_table || a->owned_by_column != b->owned_by_column) {
        if (b->owned_by_table) {
            owned(*b);
        } else {
            add(StepKind::sequence_owned_by, rank::sequence_owned, Phase::expand,
                target_of(model::ObjectKind::sequence, b->name),
                "ALTER SEQUENCE " + ddl::name(b->name) + " OWNED BY NONE");
        }
    }
}

// ----------------------------------------------------------------- functions

void Builder::create_function(const model::Function& f, bool replace) {
    m_functions_created = true;
    Node& node = add(replace ? StepKind::replace_function : StepKind::create_function,
                     rank::create_function, Phase::expand,
                     target_of(f.is_procedure ? model::ObjectKind::procedure
                                              : model::ObjectKind::function,
                               f.name),
                     ddl::create_function(f, replace));
    node.provides = {fn_key(f.name)};
    node.requires_ = {schema_key(f.name.schema)};
    for (const auto& arg : f.args) {
        add_type_requires(node.requires_, arg.type);
    }
    if (!f.returns.empty()) {
        add_text_requires(node.requires_, f.returns);
    }
    if (f.sql_body) {
        // SQL-standard bodies are bound at creation, whatever check_function_bodies says
        for (const sql::NameRef& ref : sql::referenced_names(f.body)) {
            QualifiedName n{ref.schema.empty() ? std::string(model::k_default_schema) : ref.schema,
                            ref.name};
            if (!(n == f.name)) {
                node.requires_.push_back(ref.call ? fn_key(n) : rel_key(n));
            }
        }
    }
    if (!replace) {
        node.step.inverse_sql = ddl::drop_function(f);
    }
}

void Builder::drop_function(const model::Function& f, Phase phase) {
    Node& node = add(StepKind::drop_function, phase == Phase::contract ? rank::drop_function
                                                                       : rank::drop_view,
                     phase,
                     target_of(f.is_procedure ? model::ObjectKind::procedure
                                              : model::ObjectKind::function,
                               f.name),
                     ddl::drop_function(f));
    node.drops = {fn_key(f.name)};
    node.drop_requires = {schema_key(f.name.schema)};
    for (const auto& arg : f.args) {
        add_type_requires(node.drop_requires, arg.type);
    }
    node.step.inverse_sql = ddl::create_function(f, false);
}

void Builder::function(const Change& c) {
    const auto* a = c.from_as<model::Function>();
    const auto* b = c.to_as<model::Function>();
    if (c.action == Action::create) {
        create_function(*b, false);
    } else if (c.action == Action::drop) {
        drop_function(*a, Phase::contract);
    } else {
        // CREATE OR REPLACE cannot change the return type, argument names or defaults, or
        // turn a function into a procedure
        bool compatible = a->returns == b->returns && a->is_procedure == b->is_procedure &&
                          a->args == b->args;
        if (compatible) {
            create_function(*b, true);
        } else {
            drop_function(*a, Phase::expand);
            create_function(*b, false);
            // triggers using it are dropped with it only if they are recreated: make sure
            for (const model::Trigger& t : m_to.triggers) {
                if (t.function == b->name && !is_new_table(t.table)) {
                    drop_trigger(t, Phase::expand);
                    create_trigger(t);
                }
            }
        }
    }
}

// -------------------------------------------------------------------- tables

void Builder::create_table(const model::Table& t) {
    Node& node = add(StepKind::create_table, rank::create_table, Phase::expand,
                     target_of(model::ObjectKind::table, t.name), ddl::create_table(t));
    node.step.lock = LockLevel::access_exclusive;
    node.provides = {rel_key(t.name), type_key(t.name), uniq_key(t.name)};
    for (const auto& col : t.columns) {
        node.provides.push_back(col_key(t.name, col.name));
    }
    node.requires_ = {schema_key(t.name.schema)};
    for (const auto& col : t.columns) {
        add_type_requires(node.requires_, col.type);
        if (col.default_expr) {
            add_text_requires(node.requires_, *col.default_expr);
        }
        if (col.generated_expr) {
            add_text_requires(node.requires_, *col.generated_expr);
        }
    }
    for (const auto& ch : t.checks) {
        if (!ch.not_valid) {
            add_text_requires(node.requires_, ch.expression);
        }
    }
    for (const auto& x : t.exclusions) {
        for (const auto& e : x.elements) {
            if (e.element.is_expression) {
                add_text_requires(node.requires_, e.element.key);
            }
        }
    }
    if (t.partition_of) {
        node.requires_.push_back(rel_key(t.partition_of->parent));
        // a partition of a table with unique keys also needs the parent's indexes
        node.requires_.push_back(uniq_key(t.partition_of->parent));
    }
    // a table never requires its own row type
    std::erase(node.requires_, type_key(t.name));
    std::erase(node.requires_, rel_key(t.name));
    node.step.inverse_sql = ddl::drop_table(t.name);

    std::string alter = ddl::alter_table(t.name);
    for (const auto& col : t.columns) {
        if (col.storage && !t.partition_of) {
            Node& s = add(StepKind::alter_column, rank::alter_table, Phase::expand,
                          target_of(model::ObjectKind::column, t.name, col.name),
                          alter + " ALTER COLUMN " + quote_ident(col.name) + " SET STORAGE " +
                              to_upper(*col.storage));
            on_table(s, t.name, LockLevel::access_exclusive);
        }
    }
    for (const auto& ch : t.checks) {
        if (ch.not_valid) {
            add_check(t.name, ch);
        }
    }
    for (const auto& fk : t.foreign_keys) {
        add_foreign_key(t.name, fk);
    }
    if (t.rls_enabled) {
        Node& r = add(StepKind::enable_rls, rank::rls, Phase::expand,
                      target_of(model::ObjectKind::table, t.name),
                      alter + " ENABLE ROW LEVEL SECURITY");
        on_table(r, t.name, LockLevel::access_exclusive);
    }
    if (t.rls_forced) {
        Node& r = add(StepKind::force_rls, rank::rls, Phase::expand,
                      target_of(model::ObjectKind::table, t.name),
                      alter + " FORCE ROW LEVEL SECURITY");
        on_table(r, t.name, LockLevel::access_exclusive);
    }
}

void Builder::drop_table(const model::Table& t) {
    Node& node = add(StepKind::drop_table, rank::drop_table, Phase::contract,
                     target_of(model::ObjectKind::table, t.name), ddl::drop_table(t.name));
    node.step.lock = LockLevel::access_exclusive;
    node.step.locked_relation = t.name;
    mark_destructive(node, DataAtRisk::Kind::table_rows, t.name, "",
                     "SELECT count(*) FROM " + ddl::name(t.name));
    node.step.reason = "drops the table and its rows";
    node.drops = {rel_key(t.name), type_key(t.name), uniq_key(t.name)};
    for (const auto& col : t.columns) {
        node.drops.push_back(col_key(t.name, col.name));
    }
    node.drop_requires = {schema_key(t.name.schema)};
    for (const auto& fk : t.foreign_keys) {
        if (!(fk.ref_table == t.name)) {
            node.drop_requires.push_back(rel_key(fk.ref_table));
            node.drop_requires.push_back(uniq_key(fk.ref_table));
        }
    }
    if (t.partition_of) {
        node.drop_requires.push_back(rel_key(t.partition_of->parent));
    }
    for (const auto& col : t.columns) {
        add_type_requires(node.drop_requires, col.type);
        if (col.default_expr) {
            add_text_requires(node.drop_requires, *col.default_expr);
        }
    }
    std::erase(node.drop_requires, rel_key(t.name));
    std::erase(node.drop_requires, type_key(t.name));
}

void Builder::alter_table(const model::Table& a, const model::Table& b) {
    std::string alter = ddl::alter_table(b.name);
    Target tgt = target_of(model::ObjectKind::table, b.name);
    if (a.partition_of != b.partition_of && a.partition_of && b.partition_of) {
        Node& d = add(StepKind::detach_partition, rank::alter_table, Phase::expand, tgt,
                      ddl::alter_table(a.partition_of->parent) + " DETACH PARTITION " +
                          ddl::name(b.name));
        on_table(d, a.partition_of->parent, LockLevel::access_exclusive);
        d.provides.push_back(rel_key(b.name) + "#detached");
        Node& at = add(StepKind::attach_partition, rank::alter_table, Phase::expand, tgt,
                       ddl::alter_table(b.partition_of->parent) + " ATTACH PARTITION " +
                           ddl::name(b.name) + " " + b.partition_of->bound);
        on_table(at, b.partition_of->parent, LockLevel::share_update_exclusive);
        at.requires_.push_back(rel_key(b.name) + "#detached");
        at.step.risk = Risk::medium;
        at.step.reason = "scans the partition to check the bound";
    }
    if (a.unlogged != b.unlogged) {
        Node& n = add(StepKind::alter_table, rank::alter_table, Phase::expand, tgt,
                      alter + (b.unlogged ? " SET UNLOGGED" : " SET LOGGED"));
        on_table(n, b.name, LockLevel::access_exclusive);
        n.step.risk = Risk::medium;
        n.step.reason = "rewrites the table";
    }
    if (a.options != b.options) {
        std::vector<std::string> reset;
        std::vector<std::string> set;
        auto key_of = [](const std::string& o) { return o.substr(0, o.find('=')); };
        for (const auto& o : a.options) {
            bool kept = std::any_of(b.options.begin(), b.options.end(),
                                    [&](const std::string& x) { return key_of(x) == key_of(o); });
            if (!kept) {
                reset.push_back(key_of(o));
            }
        }
        for (const auto& o : b.options) {
            if (std::find(a.options.begin(), a.options.end(), o) == a.options.end()) {
                set.push_back(o);
            }
        }
        if (!reset.empty()) {
            Node& n = add(StepKind::alter_table, rank::alter_table, Phase::expand, tgt,
                          alter + " RESET (" + join(reset, ", ") + ")");
            on_table(n, b.name, LockLevel::share_update_exclusive);
        }
        if (!set.empty()) {
            Node& n = add(StepKind::alter_table, rank::alter_table, Phase::expand, tgt,
                          alter + " SET (" + join(set, ", ") + ")");
            on_table(n, b.name, LockLevel::share_update_exclusive);
        }
    }
    if (a.rls_enabled != b.rls_enabled) {
        Node& n = add(b.rls_enabled ? StepKind::enable_rls : StepKind::disable_rls, rank::rls,
                      b.rls_enabled ? Phase::expand : Phase::contract, tgt,
                      alter + (b.rls_enabled ? " ENABLE" : " DISABLE") + " ROW LEVEL SECURITY");
        on_table(n, b.name, LockLevel::access_exclusive);
        n.step.risk = Risk::medium;
        n.step.reason = "changes which rows every query sees";
    }
    if (a.rls_forced != b.rls_forced) {
        Node& n = add(b.rls_forced ? StepKind::force_rls : StepKind::no_force_rls, rank::rls,
                      b.rls_forced ? Phase::expand : Phase::contract, tgt,
                      alter + (b.rls_forced ? " FORCE" : " NO FORCE") + " ROW LEVEL SECURITY");
        on_table(n, b.name, LockLevel::access_exclusive);
        n.step.risk = Risk::medium;
        n.step.reason = "changes which rows the owner sees";
    }
}

void Builder::table(const Change& c) {
    const auto* a = c.from_as<model::Table>();
    const auto* b = c.to_as<model::Table>();
    if (c.action == Action::create) {
        create_table(*b);
    } else if (c.action == Action::drop) {
        drop_table(*a);
    } else if (c.action == Action::alter) {
        alter_table(*a, *b);
    }
}

// ------------------------------------------------------------------- columns

void Builder::add_column(const QualifiedName& table, const model::Column& col) {
    const model::TransformHint* transform = nullptr;
    for (const auto& t : m_result.transforms) {
        if (t.table == table && t.column == col.name) {
            transform = &t;
        }
    }
    bool fill_later = transform != nullptr && col.not_null && !col.default_expr;
    std::string alter = ddl::alter_table(table);
    Node& n = add(StepKind::add_column, rank::add_column, Phase::expand,
                  target_of(model::ObjectKind::column, table, col.name),
                  alter + " ADD COLUMN " + ddl::column_definition(col, !fill_later));
    on_table(n, table, LockLevel::access_exclusive);
    n.provides.push_back(col_key(table, col.name));
    n.requires_.push_back(schema_key(table.schema));
    add_type_requires(n.requires_, col.type);
    if (col.default_expr) {
        add_text_requires(n.requires_, *col.default_expr);
    }
    if (col.generated_expr) {
        add_text_requires(n.requires_, *col.generated_expr);
    }
    std::erase(n.requires_, type_key(table));
    n.step.inverse_sql = alter + " DROP COLUMN " + quote_ident(col.name);
    bool volatile_default = col.default_expr &&
                            (col.default_expr->find("random(") != std::string::npos ||
                             col.default_expr->find("uuid") != std::string::npos ||
                             col.default_expr->find("nextval(") != std::string::npos ||
                             col.default_expr->find("clock_timestamp(") != std::string::npos);
    if (model::is_serial_type(col.type) || col.identity != model::IdentityKind::none ||
        col.generated_expr || volatile_default) {
        n.step.risk = Risk::medium;
        n.step.reason = "fills every row: rewrites the table under an ACCESS EXCLUSIVE lock";
    } else if (col.not_null && !col.default_expr && !fill_later) {
        n.step.risk = Risk::medium;
        n.step.reason = "NOT NULL without a default fails when the table has rows";
    } else {
        n.step.reason = "new column (catalog-only change)";
    }
    if (transform != nullptr) {
        Node& u = add(StepKind::backfill, rank::backfill, Phase::backfill,
                      target_of(model::ObjectKind::column, table, col.name),
                      "UPDATE " + ddl::name(table) + " SET " + quote_ident(col.name) + " = " +
                          transform->expression);
        on_table(u, table, LockLevel::row_exclusive);
        u.requires_.push_back(col_key(table, col.name));
        add_text_requires(u.requires_, transform->expression);
        u.step.risk = Risk::medium;
        u.step.reason = "writes every row (backfill; chunk it on big tables)";
        if (fill_later) {
            set_not_null(table, col.name);
        }
    }
}

void Builder::set_not_null(const QualifiedName& table, const std::string& column) {
    std::string alter = ddl::alter_table(table);
    Target tgt = target_of(model::ObjectKind::column, table, column);
    std::string count = "SELECT count(*) FROM " + ddl::name(table) + " WHERE " +
                        quote_ident(column) + " IS NULL";
    if (m_options.lock_safe && !is_new_table(table) && !is_partitioned(table)) {
        std::string check_name = model::make_object_name(table.name, column, "not_null");
        Node& a = add(StepKind::add_constraint, rank::set_not_null, Phase::contract, tgt,
                      alter + " ADD CONSTRAINT " + quote_ident(check_name) + " CHECK (" +
                          quote_ident(column) + " IS NOT NULL) NOT VALID");
        on_table(a, table, LockLevel::access_exclusive);
        a.requires_.push_back(col_key(table, column));
        a.provides.push_back(con_key(table, check_name));
        a.step.reason = "NOT VALID: new rows only, no scan";
        Node& v = add(StepKind::validate_constraint, rank::set_not_null, Phase::contract, tgt,
                      alter + " VALIDATE CONSTRAINT " + quote_ident(check_name));
        on_table(v, table, LockLevel::share_update_exclusive);
        v.requires_.push_back(con_key(table, check_name));
        v.provides.push_back(con_key(table, check_name) + "#valid");
        v.step.risk = Risk::medium;
        v.step.reason = "scans the table; fails if a row holds NULL";
        Node& s = add(StepKind::set_not_null, rank::set_not_null, Phase::contract, tgt,
                      alter + " ALTER COLUMN " + quote_ident(column) + " SET NOT NULL");
        on_table(s, table, LockLevel::access_exclusive);
        s.requires_.push_back(con_key(table, check_name) + "#valid");
        s.provides.push_back(con_key(table, check_name) + "#used");
        s.step.destructive = true;
        s.step.at_risk = {DataAtRisk::Kind::nulls, table, column, "", "", "", count};
        s.step.risk = Risk::medium;
        s.step.reason = "uses the validated check: no table scan";
        s.step.inverse_sql = alter + " ALTER COLUMN " + quote_ident(column) + " DROP NOT NULL";
        s.provides.push_back(col_key(table, column) + "#not_null");
        Node& d = add(StepKind::drop_constraint, rank::set_not_null, Phase::contract, tgt,
                      alter + " DROP CONSTRAINT " + quote_ident(check_name));
        on_table(d, table, LockLevel::access_exclusive);
        d.requires_.push_back(con_key(table, check_name) + "#used");
        return;
    }
    Node& s = add(StepKind::set_not_null, rank::set_not_null, Phase::contract, tgt,
                  alter + " ALTER COLUMN " + quote_ident(column) + " SET NOT NULL");
    on_table(s, table, LockLevel::access_exclusive);
    s.requires_.push_back(col_key(table, column));
    if (!is_new_table(table)) {
        s.step.destructive = true;
        s.step.at_risk = {DataAtRisk::Kind::nulls, table, column, "", "", "", count};
        s.step.risk = Risk::medium;
        s.step.reason = "scans the table under an ACCESS EXCLUSIVE lock";
    }
    s.step.inverse_sql = alter + " ALTER COLUMN " + quote_ident(column) + " DROP NOT NULL";
    s.provides.push_back(col_key(table, column) + "#not_null");
}

void Builder::alter_column(const QualifiedName& table, const model::Column& a,
                           const model::Column& b) {
    std::string alter = ddl::alter_table(table) + " ALTER COLUMN " + quote_ident(b.name);
    Target tgt = target_of(model::ObjectKind::column, table, b.name);
    auto step = [&](StepKind kind, int r, Phase phase, std::string sql, LockLevel lock) -> Node& {
        Node& n = add(kind, r, phase, tgt, std::move(sql));
        on_table(n, table, lock);
        n.requires_.push_back(col_key(table, b.name));
        return n;
    };
    const model::TransformHint* transform = nullptr;
    for (const auto& t : m_result.transforms) {
        if (t.table == table && t.column == b.name) {
            transform = &t;
        }
    }
    // generated expression changes: PostgreSQL 15 cannot alter one in place
    bool generated_changed = a.generated_expr != b.generated_expr;
    if (generated_changed && b.generated_expr) {
        Node& d = step(StepKind::drop_column, rank::alter_column, Phase::expand,
                       ddl::alter_table(table) + " DROP COLUMN " + quote_ident(b.name),
                       LockLevel::access_exclusive);
        d.drops.push_back(col_key(table, b.name));
        std::erase(d.requires_, col_key(table, b.name));
        d.step.risk = Risk::medium;
        d.step.reason = "recomputes a generated column (drop and add)";
        m_invalidated_columns.insert({table, b.name});
        Node& n = step(StepKind::add_column, rank::alter_column, Phase::expand,
                       ddl::alter_table(table) + " ADD COLUMN " + ddl::column_definition(b),
                       LockLevel::access_exclusive);
        std::erase(n.requires_, col_key(table, b.name));
        n.provides.push_back(col_key(table, b.name));
        add_text_requires(n.requires_, *b.generated_expr);
        std::erase(n.requires_, type_key(table));
        n.step.risk = Risk::medium;
        n.step.reason = "rewrites the table";
        return;
    }
    if (generated_changed) {
        step(StepKind::alter_column, rank::alter_column, Phase::expand,
             alter + " DROP EXPRESSION", LockLevel::access_exclusive);
    }
    bool type_changed = a.type != b.type || a.collation != b.collation;
    // identity that goes away first (a type change may need it gone)
    if (a.identity != model::IdentityKind::none && b.identity == model::IdentityKind::none) {
        step(StepKind::alter_identity, rank::drop_default_before, Phase::expand,
             alter + " DROP IDENTITY", LockLevel::access_exclusive);
    }
    bool default_changed = a.default_expr != b.default_expr;
    if (a.default_expr && (default_changed || type_changed) &&
        !(model::is_serial_type(a.type) && model::is_serial_type(b.type))) {
        Node& n = step(StepKind::drop_default, rank::drop_default_before, Phase::expand,
                       alter + " DROP DEFAULT", LockLevel::access_exclusive);
        // it prepares the type change: it runs before it, not after
        std::erase(n.requires_, col_key(table, b.name));
        n.drop_requires.push_back(col_key(table, b.name));
        n.step.inverse_sql = alter + " SET DEFAULT " + *a.default_expr;
    }
    if (type_changed) {
        std::string from_type = model::is_serial_type(a.type) ? model::serial_base_type(a.type)
                                                              : a.type;
        std::string to_type = model::is_serial_type(b.type) ? model::serial_base_type(b.type)
                                                            : b.type;
        std::string sql = alter + " TYPE " + ddl::type(to_type);
        if (b.collation) {
            sql += " COLLATE " + quote_ident(*b.collation);
        }
        std::string using_expr;
        bool user_type = is_user_type(from_type) || is_user_type(to_type);
        if (transform != nullptr) {
            using_expr = transform->expression;
        } else if (from_type != to_type && user_type) {
            // enums and other user types convert through their text form
            using_expr = quote_ident(b.name) + "::text::" + ddl::type(to_type);
        } else if (from_type != to_type &&
                   (type_family(from_type) != type_family(to_type) ||
                    type_family(to_type) == 0)) {
            using_expr = quote_ident(b.name) + "::" + ddl::type(to_type);
        }
        if (!using_expr.empty()) {
            sql += " USING " + using_expr;
        }
        bool widening = is_widening(from_type, to_type) && a.collation == b.collation;
        Phase phase = transform != nullptr ? Phase::backfill
                                           : (widening ? Phase::expand : Phase::contract);
        Node& n = step(StepKind::alter_column_type, rank::alter_column, phase, sql,
                       LockLevel::access_exclusive);
        n.drops.push_back(col_key(table, b.name));
        n.provides.push_back(col_key(table, b.name));
        std::erase(n.requires_, col_key(table, b.name));
        add_type_requires(n.requires_, b.type);
        if (!using_expr.empty()) {
            add_text_requires(n.requires_, using_expr);
        }
        std::erase(n.requires_, type_key(table));
        n.step.inverse_sql = alter + " TYPE " + ddl::type(from_type) + " USING " +
                             quote_ident(b.name) + "::" + ddl::type(from_type);
        m_invalidated_columns.insert({table, b.name});
        if (!widening) {
            mark_destructive(n, DataAtRisk::Kind::failing_cast, table, b.name,
                             "SELECT count(*) FROM " + ddl::name(table) + " WHERE " +
                                 quote_ident(b.name) + " IS NOT NULL");
            n.step.at_risk.from_type = from_type;
            n.step.at_risk.to_type = to_type;
            n.step.at_risk.using_expr = using_expr;
            n.step.reason = "narrowing type change: values that do not convert make it fail";
        } else {
            n.step.risk = Risk::medium;
            n.step.reason = "type change under an ACCESS EXCLUSIVE lock (may rewrite the table)";
        }
        if (model::is_serial_type(a.type) && model::is_serial_type(b.type)) {
            // serial <-> bigserial: the owned sequence follows the column's type
            QualifiedName sq{table.schema,
                             model::default_serial_sequence_name(table.name, b.name)};
            Node& q = step(StepKind::alter_sequence, rank::alter_column, Phase::expand,
                           "ALTER SEQUENCE " + ddl::name(sq) + " AS " + ddl::type(to_type),
                           LockLevel::row_exclusive);
            q.requires_.push_back(col_key(table, b.name));
        }
        if (model::is_serial_type(a.type) != model::is_serial_type(b.type) &&
            model::is_serial_type(b.type)) {
            // integer -> serial: the sequence comes with a default; needs a sequence
            std::string seq = model::default_serial_sequence_name(table.name, b.name);
            QualifiedName sq{table.schema, seq};
            // an explicit sequence of that name already there becomes the serial's
            bool exists = m_from.find_sequence(sq) != nullptr;
            Node& c1 = step(exists ? StepKind::alter_sequence : StepKind::create_sequence,
                            rank::alter_column, Phase::expand,
                            (exists ? "ALTER SEQUENCE " + ddl::name(sq) + " AS " +
                                          ddl::type(to_type) +
                                          " INCREMENT BY 1 NO MINVALUE NO MAXVALUE START WITH 1 CACHE 1 NO "
                                          "CYCLE OWNED BY "
                                    : "CREATE SEQUENCE " + ddl::name(sq) + " AS " +
                                          ddl::type(to_type) + " OWNED BY ") +
                                ddl::name(table) + "." + quote_ident(b.name),
                            LockLevel::none);
            c1.requires_.push_back(col_key(table, b.name));
            c1.provides.push_back(rel_key(sq));
            Node& c2 = step(StepKind::set_default, rank::set_default, Phase::expand,
                            alter + " SET DEFAULT nextval(" +
                                quote_literal(sql::quote_qualified(table.schema, seq)) +
                                "::regclass)",
                            LockLevel::access_exclusive);
            c2.requires_.push_back(rel_key(sq));
        }
    }
    if (b.default_expr && (default_changed || type_changed)) {
        Node& n = step(StepKind::set_default, rank::set_default, Phase::expand,
                       alter + " SET DEFAULT " + *b.default_expr, LockLevel::access_exclusive);
        add_text_requires(n.requires_, *b.default_expr);
        std::erase(n.requires_, type_key(table));
        n.step.reason = "default for new rows (catalog-only change)";
        n.step.inverse_sql =
            a.default_expr ? alter + " SET DEFAULT " + *a.default_expr : alter + " DROP DEFAULT";
    }
    if (a.not_null != b.not_null) {
        if (b.not_null) {
            // a PK or identity implies NOT NULL and sets it itself
            set_not_null(table, b.name);
        } else {
            Node& n = step(StepKind::drop_not_null, rank::drop_not_null, Phase::expand,
                           alter + " DROP NOT NULL", LockLevel::access_exclusive);
            n.step.inverse_sql = alter + " SET NOT NULL";
        }
    }
    if (a.identity != b.identity && b.identity != model::IdentityKind::none) {
        const char* kind =
            b.identity == model::IdentityKind::always ? "ALWAYS" : "BY DEFAULT";
        if (a.identity == model::IdentityKind::none) {
            Node& n = step(StepKind::alter_identity, rank::set_default, Phase::expand,
                           alter + " ADD GENERATED " + kind + " AS IDENTITY" +
                               ddl::identity_options(b.identity_options),
                           LockLevel::access_exclusive);
            // an identity column must be NOT NULL first
            n.requires_.push_back(col_key(table, b.name) + "#not_null");
        } else {
            step(StepKind::alter_identity, rank::set_default, Phase::expand,
                 alter + " SET GENERATED " + kind, LockLevel::access_exclusive);
        }
    }
    if (a.identity != model::IdentityKind::none && b.identity != model::IdentityKind::none &&
        !(a.identity_options == b.identity_options)) {
        const auto& o = b.identity_options;
        std::string sets;
        sets += fmt::format(" SET INCREMENT BY {}", o.increment.value_or(1));
        sets += o.min_value ? fmt::format(" SET MINVALUE {}", *o.min_value) : " SET NO MINVALUE";
        sets += o.max_value ? fmt::format(" SET MAXVALUE {}", *o.max_value) : " SET NO MAXVALUE";
        long long start = ddl::default_start(o);
        sets += fmt::format(" SET START WITH {}", start);
        sets += fmt::format(" SET CACHE {}", o.cache.value_or(1));
        // a current value outside the new range would make the change fail:
        // restart at the new start (the old start is the best guess of where it is)
        long long old_start = ddl::default_start(a.identity_options);
        if ((o.min_value && old_start < *o.min_value) || (o.max_value && old_start > *o.max_value)) {
            sets += fmt::format(" RESTART WITH {}", start);
        }
        sets += o.cycle ? " SET CYCLE" : " SET NO CYCLE";
        step(StepKind::alter_identity, rank::set_default, Phase::expand, alter + sets,
             LockLevel::access_exclusive);
    }
    if (a.storage != b.storage) {
        std::string storage = b.storage ? *b.storage : default_storage(b.type);
        step(StepKind::alter_column, rank::set_default, Phase::expand,
             alter + " SET STORAGE " + to_upper(storage), LockLevel::access_exclusive);
    }
    if (a.compression != b.compression) {
        step(StepKind::alter_column, rank::set_default, Phase::expand,
             alter + " SET COMPRESSION " + (b.compression ? *b.compression : "DEFAULT"),
             LockLevel::access_exclusive);
    }
}

void Builder::column(const Change& c) {
    const auto* a = c.from_as<model::Column>();
    const auto* b = c.to_as<model::Column>();
    if (is_new_table(c.table) || is_dropped_table(c.table)) {
        return;
    }
    if (c.action == Action::create) {
        add_column(c.table, *b);
    } else if (c.action == Action::drop) {
        std::string alter = ddl::alter_table(c.table);
        Node& n = add(StepKind::drop_column, rank::drop_column, Phase::contract,
                      target_of(model::ObjectKind::column, c.table, a->name),
                      alter + " DROP COLUMN " + quote_ident(a->name));
        on_table(n, c.table, LockLevel::access_exclusive);
        std::erase(n.requires_, rel_key(c.table));
        n.drops.push_back(col_key(c.table, a->name));
        mark_destructive(n, DataAtRisk::Kind::column_values, c.table, a->name,
                         "SELECT count(*) FROM " + ddl::name(c.table) + " WHERE " +
                             quote_ident(a->name) + " IS NOT NULL");
        n.step.reason = "drops the column and its values";
        n.step.inverse_sql = alter + " ADD COLUMN " + ddl::column_definition(*a, false);
        m_invalidated_columns.insert({c.table, a->name});
    } else {
        alter_column(c.table, *a, *b);
    }
}

// --------------------------------------------------------------- constraints

void Builder::drop_constraint(const QualifiedName& table, const std::string& name,
                              const std::vector<std::string>& columns, Phase phase, int rank_,
                              std::optional<QualifiedName> ref_table) {
    Node& n = add(StepKind::drop_constraint, rank_, phase,
                  target_of(model::ObjectKind::constraint, table, name),
                  ddl::alter_table(table) + " DROP CONSTRAINT " + quote_ident(name));
    n.step.lock = LockLevel::access_exclusive;
    n.step.locked_relation = table;
    n.step.risk = Risk::medium;
    n.step.reason = "constraint change";
    // the index of a PK/UNIQUE/EXCLUDE constraint has the constraint's name
    n.drops = {con_key(table, name), rel_key(QualifiedName{table.schema, name})};
    n.drop_requires = {rel_key(table)};
    for (const auto& col : columns) {
        n.drop_requires.push_back(col_key(table, col));
    }
    if (ref_table) {
        n.drop_requires.push_back(uniq_key(*ref_table));
        n.drop_requires.push_back(rel_key(*ref_table));
    }
}

void Builder::add_key_constraint(const QualifiedName& table, const std::string& name,
                                 bool primary, const std::vector<std::string>& columns,
                                 const std::vector<std::string>& include, bool nulls_not_distinct,
                                 const model::Deferral& deferral, const std::string& inline_sql) {
    std::string alter = ddl::alter_table(table);
    Target tgt = target_of(model::ObjectKind::constraint, table, name);
    auto finish = [&](Node& n) {
        n.provides.push_back(con_key(table, name));
        n.provides.push_back(uniq_key(table));
        for (const auto& col : columns) {
            n.requires_.push_back(col_key(table, col));
        }
        n.step.risk = Risk::medium;
        n.step.inverse_sql = alter + " DROP CONSTRAINT " + quote_ident(name);
    };
    if (m_options.lock_safe && !is_partitioned(table)) {
        model::Index idx;
        idx.name = QualifiedName{table.schema, name};
        idx.table = table;
        idx.unique = true;
        for (const auto& col : columns) {
            model::IndexElement e;
            e.key = col;
            idx.elements.push_back(e);
        }
        idx.include = include;
        idx.nulls_not_distinct = nulls_not_distinct;
        Node& i = add(StepKind::create_index, rank::add_constraint, Phase::expand, tgt,
                      ddl::create_index(idx, true));
        on_table(i, table, LockLevel::share_update_exclusive);
        i.step.outside_transaction = true;
        i.step.risk = Risk::medium;
        i.step.reason = "builds the index without blocking writes";
        i.provides.push_back(rel_key(idx.name) + "#index");
        i.provides.push_back(rel_key(idx.name));
        i.drops.push_back(con_key(table, name) + "#index");
        for (const auto& col : columns) {
            i.requires_.push_back(col_key(table, col));
        }
        Node& n = add(StepKind::add_constraint, rank::add_constraint, Phase::expand, tgt,
                      alter + " ADD CONSTRAINT " + quote_ident(name) +
                          (primary ? " PRIMARY KEY" : " UNIQUE") + " USING INDEX " +
                          quote_ident(name) + ddl::deferral(deferral));
        on_table(n, table, LockLevel::access_exclusive);
        n.requires_.push_back(rel_key(idx.name) + "#index");
        finish(n);
        n.step.reason = primary ? "uses the built index (checks NOT NULL)"
                                : "uses the built index: catalog-only";
        return;
    }
    Node& n = add(StepKind::add_constraint, rank::add_constraint, Phase::expand, tgt,
                  alter + " ADD " + inline_sql);
    on_table(n, table, LockLevel::access_exclusive);
    finish(n);
    n.step.reason = "builds a unique index under an ACCESS EXCLUSIVE lock";
}

void Builder::add_check(const QualifiedName& table, const model::CheckConstraint& c) {
    std::string alter = ddl::alter_table(table);
    Target tgt = target_of(model::ObjectKind::constraint, table, c.name);
    bool existing = !is_new_table(table);
    bool split = c.not_valid || (m_options.lock_safe && existing);
    Node& n = add(StepKind::add_constraint, rank::add_constraint,
                  existing ? Phase::expand : Phase::expand, tgt,
                  alter + " ADD " + ddl::check(c) + (split ? " NOT VALID" : ""));
    on_table(n, table, LockLevel::access_exclusive);
    n.provides.push_back(con_key(table, c.name));
    add_text_requires(n.requires_, c.expression);
    std::erase(n.requires_, type_key(table));
    for (const auto& col : model::referenced_columns(c.expression, table_columns(table))) {
        n.requires_.push_back(col_key(table, col));
    }
    n.step.inverse_sql = alter + " DROP CONSTRAINT " + quote_ident(c.name);
    n.step.risk = existing ? Risk::medium : Risk::low;
    n.step.reason = split ? "NOT VALID: new rows only, no scan" : "checks every row";
    if (split && !c.not_valid) {
        Node& v = add(StepKind::validate_constraint, rank::validate, Phase::contract, tgt,
                      alter + " VALIDATE CONSTRAINT " + quote_ident(c.name));
        on_table(v, table, LockLevel::share_update_exclusive);
        v.requires_.push_back(con_key(table, c.name));
        v.step.risk = Risk::medium;
        v.step.reason = "scans the table without blocking writes; fails on a violating row";
    }
}

void Builder::add_foreign_key(const QualifiedName& table, const model::ForeignKey& fk) {
    std::string alter = ddl::alter_table(table);
    Target tgt = target_of(model::ObjectKind::constraint, table, fk.name);
    bool existing = !is_new_table(table);
    bool split = fk.not_valid || (m_options.lock_safe && existing);
    Node& n = add(StepKind::add_constraint, rank::add_fk, Phase::expand, tgt,
                  alter + " ADD " + ddl::foreign_key(fk) + (split ? " NOT VALID" : ""));
    on_table(n, table, LockLevel::share_row_exclusive);
    n.requires_.push_back(rel_key(fk.ref_table));
    n.requires_.push_back(uniq_key(fk.ref_table));
    for (const auto& col : fk.columns) {
        n.requires_.push_back(col_key(table, col));
    }
    for (const auto& col : fk.ref_columns) {
        n.requires_.push_back(col_key(fk.ref_table, col));
    }
    n.provides.push_back(con_key(table, fk.name));
    n.step.inverse_sql = alter + " DROP CONSTRAINT " + quote_ident(fk.name);
    n.step.risk = existing ? Risk::medium : Risk::low;
    n.step.reason = split ? "NOT VALID: new rows only, no scan"
                          : (existing ? "checks every row under a SHARE ROW EXCLUSIVE lock"
                                      : "foreign key on a new table");
    if (split && !fk.not_valid) {
        Node& v = add(StepKind::validate_constraint, rank::validate, Phase::contract, tgt,
                      alter + " VALIDATE CONSTRAINT " + quote_ident(fk.name));
        on_table(v, table, LockLevel::share_update_exclusive);
        v.requires_.push_back(con_key(table, fk.name));
        v.step.risk = Risk::medium;
        v.step.reason = "scans the table without blocking writes; fails on an orphan row";
    }
}

void Builder::constraint(const Change& c) {
    const QualifiedName& table = c.table;
    if (is_new_table(table) || is_dropped_table(table)) {
        return;
    }
    std::string alter = ddl::alter_table(table);
    auto rename = [&](const std::string& from, const std::string& to) {
        Node& n = add(StepKind::rename_constraint, rank::rename, Phase::expand,
                      target_of(model::ObjectKind::constraint, table, to),
                      alter + " RENAME CONSTRAINT " + quote_ident(from) + " TO " +
                          quote_ident(to));
        on_table(n, table, LockLevel::access_exclusive);
        n.drops.push_back(con_key(table, from));
        n.provides.push_back(con_key(table, to));
        n.step.inverse_sql =
            alter + " RENAME CONSTRAINT " + quote_ident(to) + " TO " + quote_ident(from);
    };
    Phase drop_phase = c.action == Action::drop ? Phase::contract : Phase::expand;
    switch (c.what) {
    case What::primary_key: {
        const auto* a = c.from_as<model::PrimaryKey>();
        const auto* b = c.to_as<model::PrimaryKey>();
        if (c.action == Action::rename) {
            rename(a->name, b->name);
            return;
        }
        if (a != nullptr && !(b == nullptr && goes_with_dropped_column(table, a->columns))) {
            drop_constraint(table, a->name, a->columns, drop_phase, rank::drop_constraint);
            m_nodes.back().drops.push_back(uniq_key(table));
            recreate_referencing_fks(table, a->columns);
        }
        if (b != nullptr) {
            add_key_constraint(table, b->name, true, b->columns, b->include, false, b->deferral,
                               ddl::primary_key(*b));
        }
        return;
    }
    case What::unique: {
        const auto* a = c.from_as<model::UniqueConstraint>();
        const auto* b = c.to_as<model::UniqueConstraint>();
        if (c.action == Action::rename) {
            rename(a->name, b->name);
            return;
        }
        if (a != nullptr && !(b == nullptr && goes_with_dropped_column(table, a->columns))) {
            drop_constraint(table, a->name, a->columns, drop_phase, rank::drop_constraint);
            m_nodes.back().drops.push_back(uniq_key(table));
            recreate_referencing_fks(table, a->columns);
        }
        if (b != nullptr) {
            add_key_constraint(table, b->name, false, b->columns, b->include,
                               b->nulls_not_distinct, b->deferral, ddl::unique(*b));
        }
        return;
    }
    case What::check: {
        const auto* a = c.from_as<model::CheckConstraint>();
        const auto* b = c.to_as<model::CheckConstraint>();
        if (c.action == Action::rename) {
            rename(a->name, b->name);
            return;
        }
        if (a != nullptr) {
            std::vector<std::string> names = table_columns(table);
            std::vector<std::string> cols = model::referenced_columns(a->expression, names);
            if (!(b == nullptr && goes_with_dropped_column(table, cols))) {
                drop_constraint(table, a->name, cols, drop_phase, rank::drop_constraint);
            }
        }
        if (b != nullptr) {
            add_check(table, *b);
        }
        return;
    }
    case What::foreign_key: {
        const auto* a = c.from_as<model::ForeignKey>();
        const auto* b = c.to_as<model::ForeignKey>();
        if (c.action == Action::rename) {
            rename(a->name, b->name);
            return;
        }
        if (a != nullptr && !(b == nullptr && goes_with_dropped_column(table, a->columns))) {
            drop_constraint(table, a->name, a->columns, drop_phase, rank::drop_fk, a->ref_table);
        }
        if (b != nullptr) {
            add_foreign_key(table, *b);
        }
        return;
    }
    case What::exclusion: {
        const auto* a = c.from_as<model::ExclusionConstraint>();
        const auto* b = c.to_as<model::ExclusionConstraint>();
        if (c.action == Action::rename) {
            rename(a->name, b->name);
            return;
        }
        if (a != nullptr) {
            std::vector<std::string> cols;
            for (const auto& e : a->elements) {
                if (!e.element.is_expression) {
                    cols.push_back(e.element.key);
                }
            }
            if (!(b == nullptr && goes_with_dropped_column(table, cols))) {
                drop_constraint(table, a->name, cols, drop_phase, rank::drop_constraint);
            }
        }
        if (b != nullptr) {
            Node& n = add(StepKind::add_constraint, rank::add_constraint, Phase::expand,
                          target_of(model::ObjectKind::constraint, table, b->name),
                          alter + " ADD " + ddl::exclusion(*b));
            on_table(n, table, LockLevel::access_exclusive);
            n.provides.push_back(con_key(table, b->name));
            for (const auto& e : b->elements) {
                if (!e.element.is_expression) {
                    n.requires_.push_back(col_key(table, e.element.key));
                } else {
                    add_text_requires(n.requires_, e.element.key);
                }
            }
            std::erase(n.requires_, type_key(table));
            n.step.risk = Risk::medium;
            n.step.reason = "builds an index under an ACCESS EXCLUSIVE lock";
            n.step.inverse_sql = alter + " DROP CONSTRAINT " + quote_ident(b->name);
        }
        return;
    }
    default:
        return;
    }
}

// A unique key that is dropped takes the foreign keys that reference it along
// (PostgreSQL refuses otherwise): drop them first and add them back after the
// new key, unless the diff already drops or changes them.
void Builder::recreate_referencing_fks(const QualifiedName& table,
                                       const std::vector<std::string>& columns) {
    for (const model::Table& t : m_from.tables) {
        if (is_dropped_table(t.name)) {
            continue;
        }
        for (const model::ForeignKey& fk : t.foreign_keys) {
            if (!(fk.ref_table == table) || fk.ref_columns != columns ||
                m_changed_fks.count({t.name, fk.name})) {
                continue;
            }
            m_changed_fks.insert({t.name, fk.name});
            drop_constraint(t.name, fk.name, fk.columns, Phase::expand, rank::drop_fk, table);
            const model::Table* nt = m_to.find_table(t.name);
            if (nt == nullptr) {
                continue;
            }
            for (const model::ForeignKey& nfk : nt->foreign_keys) {
                if (nfk.name == fk.name) {
                    add_foreign_key(t.name, nfk);
                }
            }
        }
    }
}

// ------------------------------------------------------------------- indexes

void Builder::create_index(const model::Index& i) {
    bool existing = !is_new_table(i.table);
    bool concurrently = m_options.lock_safe && existing && !is_partitioned(i.table) &&
                        m_to.find_view(i.table) == nullptr;
    Node& n = add(StepKind::create_index, rank::create_index, Phase::expand,
                  target_of(model::ObjectKind::index, i.name), ddl::create_index(i, concurrently));
    on_table(n, i.table, concurrently ? LockLevel::share_update_exclusive : LockLevel::share);
    n.provides = {rel_key(i.name)};
    if (i.unique) {
        n.provides.push_back(uniq_key(i.table));
    }
    for (const auto& e : i.elements) {
        if (e.is_expression) {
            add_text_requires(n.requires_, e.key);
        } else {
            n.requires_.push_back(col_key(i.table, e.key));
        }
    }
    if (i.where) {
        add_text_requires(n.requires_, *i.where);
    }
    std::erase(n.requires_, type_key(i.table));
    n.step.outside_transaction = concurrently;
    n.step.risk = existing ? Risk::medium : Risk::low;
    n.step.reason = concurrently ? "builds the index without blocking writes"
                                 : (existing ? "blocks writes while the index builds"
                                             : "index on a new table");
    n.step.inverse_sql = ddl::drop_index(i.name, false);
}

void Builder::drop_index(const model::Index& i, Phase phase) {
    bool concurrently = m_options.lock_safe && !is_partitioned(i.table) &&
                        m_from.find_view(i.table) == nullptr;
    Node& n = add(StepKind::drop_index, rank::drop_index, phase,
                  target_of(model::ObjectKind::index, i.name), ddl::drop_index(i.name, concurrently));
    n.step.lock = concurrently ? LockLevel::share_update_exclusive : LockLevel::access_exclusive;
    n.step.locked_relation = i.table;
    n.step.outside_transaction = concurrently;
    n.step.risk = Risk::medium;
    n.step.reason = "queries using the index slow down";
    n.drops = {rel_key(i.name)};
    n.drop_requires = {rel_key(i.table)};
    for (const auto& e : i.elements) {
        if (!e.is_expression) {
            n.drop_requires.push_back(col_key(i.table, e.key));
        } else {
            for (const auto& ref : sql::referenced_names(e.key)) {
                n.drop_requires.push_back(col_key(i.table, ref.name));
            }
        }
    }
    if (i.where) {
        for (const auto& ref : sql::referenced_names(*i.where)) {
            n.drop_requires.push_back(col_key(i.table, ref.name));
        }
    }
    n.step.inverse_sql = ddl::create_index(i, false);
}

void Builder::index(const Change& c) {
    const auto* a = c.from_as<model::Index>();
    const auto* b = c.to_as<model::Index>();
    if (c.action == Action::rename) {
        Node& n = add(StepKind::rename_index, rank::rename, Phase::expand,
                      target_of(model::ObjectKind::index, b->name),
                      "ALTER INDEX " + ddl::name(a->name) + " RENAME TO " +
                          quote_ident(b->name.name));
        n.step.lock = LockLevel::share_update_exclusive;
        n.step.locked_relation = a->table;
        n.provides = {rel_key(b->name)};
        n.drops = {rel_key(a->name)};
        n.step.inverse_sql = "ALTER INDEX " + ddl::name(b->name) + " RENAME TO " +
                             quote_ident(a->name.name);
        return;
    }
    if (a != nullptr && b == nullptr) {
        std::vector<std::string> cols = a->include;
        for (const auto& e : a->elements) {
            if (!e.is_expression) {
                cols.push_back(e.key);
            } else {
                for (const auto& ref : sql::referenced_names(e.key)) {
                    cols.push_back(ref.name);
                }
            }
        }
        if (goes_with_dropped_column(a->table, cols)) {
            return; // DROP COLUMN takes the index with it
        }
    }
    if (a != nullptr && !is_dropped_table(a->table) && m_from.find_view(a->table) == nullptr) {
        drop_index(*a, c.action == Action::drop ? Phase::contract : Phase::expand);
    } else if (a != nullptr && m_from.find_view(a->table) != nullptr &&
               !m_dropped_relations.count(a->table) && !m_recreate_views.count(a->table) &&
               !m_changed_views.count(a->table)) {
        drop_index(*a, c.action == Action::drop ? Phase::contract : Phase::expand);
    }
    if (b != nullptr && !m_recreate_views.count(b->table) && !m_changed_views.count(b->table)) {
        create_index(*b);
    }
}

// --------------------------------------------------------------------- views

void Builder::create_view(const model::View& v) {
    Node& n = add(StepKind::create_view, rank::create_view, Phase::expand,
                  target_of(v.materialized ? model::ObjectKind::materialized_view
                                           : model::ObjectKind::view,
                            v.name),
                  ddl::create_view(v, false));
    n.provides = {rel_key(v.name), type_key(v.name)};
    n.requires_ = {schema_key(v.name.schema)};
    add_text_requires(n.requires_, v.definition, true);
    std::erase(n.requires_, rel_key(v.name));
    std::erase(n.requires_, type_key(v.name));
    n.step.inverse_sql = ddl::drop_view(v);
    n.step.reason = v.materialized ? "runs the query to fill the view" : "new view";
}

void Builder::drop_view(const model::View& v, Phase phase) {
    Node& n = add(StepKind::drop_view, rank::drop_view, phase,
                  target_of(v.materialized ? model::ObjectKind::materialized_view
                                           : model::ObjectKind::view,
                            v.name),
                  ddl::drop_view(v));
    n.step.lock = LockLevel::access_exclusive;
    n.step.risk = phase == Phase::contract ? Risk::medium : Risk::low;
    n.step.reason = phase == Phase::contract ? "queries using the view fail" : "recreated below";
    n.drops = {rel_key(v.name), type_key(v.name)};
    n.drop_requires = {schema_key(v.name.schema)};
    // what the view reads: relations, functions, and (approximately) columns
    std::vector<sql::NameRef> refs = sql::referenced_names(v.definition);
    std::vector<QualifiedName> tables;
    for (const auto& ref : refs) {
        QualifiedName q{ref.schema.empty() ? std::string(model::k_default_schema) : ref.schema,
                        ref.name};
        if (ref.call) {
            n.drop_requires.push_back(fn_key(q));
        } else {
            n.drop_requires.push_back(rel_key(q));
            n.drop_requires.push_back(type_key(q));
            if (m_from.find_table(q) != nullptr) {
                tables.push_back(q);
            }
        }
    }
    for (const auto& t : tables) {
        for (const auto& ref : refs) {
            n.drop_requires.push_back(col_key(t, ref.name));
        }
    }
    std::erase(n.drop_requires, rel_key(v.name));
    n.step.inverse_sql = ddl::create_view(v, false);
}

void Builder::view(const Change& c) {
    const auto* a = c.from_as<model::View>();
    const auto* b = c.to_as<model::View>();
    if (c.action == Action::create) {
        create_view(*b);
    } else if (c.action == Action::drop) {
        drop_view(*a, Phase::contract);
    } else if (m_recreate_views.count(b->name)) {
        return; // dropped and recreated with the views it depends on (run())
    } else if (view_replaceable(*a, *b)) {
        Node& n = add(StepKind::replace_view, rank::create_view, Phase::expand,
                      target_of(model::ObjectKind::view, b->name), ddl::create_view(*b, true));
        n.provides = {rel_key(b->name), type_key(b->name)};
        n.requires_ = {schema_key(b->name.schema)};
        add_text_requires(n.requires_, b->definition, true);
        std::erase(n.requires_, rel_key(b->name));
        std::erase(n.requires_, type_key(b->name));
        n.step.lock = LockLevel::access_exclusive;
        n.step.reason = "same columns first: replaced in place";
        n.step.inverse_sql = ddl::create_view(*a, true);
    } else {
        // the columns change: drop and recreate, with every view that reads it
        // (see recreate_dependents)
        drop_view(*a, Phase::expand);
        create_view(*b);
    }
}

// --------------------------------------------------------- triggers/policies

void Builder::create_trigger(const model::Trigger& t) {
    Node& n = add(StepKind::create_trigger, rank::create_trigger, Phase::expand,
                  target_of(model::ObjectKind::trigger, t.table, t.name),
                  ddl::create_trigger(t, false));
    on_table(n, t.table, LockLevel::share_row_exclusive);
    n.requires_.push_back(fn_key(t.function));
    for (const auto& col : t.update_columns) {
        n.requires_.push_back(col_key(t.table, col));
    }
    if (t.when) {
        add_text_requires(n.requires_, *t.when);
    }
    n.provides = {"g:" + qn_key(t.table) + "." + t.name};
    n.step.risk = is_new_table(t.table) ? Risk::low : Risk::medium;
    n.step.reason = "runs on every matching write";
    n.step.inverse_sql = ddl::drop_trigger(t);
    if (!t.enabled) {
        Node& d = add(StepKind::alter_trigger, rank::create_trigger, Phase::expand,
                      target_of(model::ObjectKind::trigger, t.table, t.name),
                      ddl::alter_table(t.table) + " DISABLE TRIGGER " + quote_ident(t.name));
        on_table(d, t.table, LockLevel::share_row_exclusive);
        d.requires_.push_back("g:" + qn_key(t.table) + "." + t.name);
    }
}

void Builder::drop_trigger(const model::Trigger& t, Phase phase) {
    Node& n = add(StepKind::drop_trigger, rank::drop_trigger, phase,
                  target_of(model::ObjectKind::trigger, t.table, t.name), ddl::drop_trigger(t));
    n.step.lock = LockLevel::access_exclusive;
    n.step.locked_relation = t.table;
    n.step.risk = Risk::medium;
    n.step.reason = "trigger change";
    n.drops = {"g:" + qn_key(t.table) + "." + t.name};
    n.drop_requires = {rel_key(t.table), fn_key(t.function)};
    for (const auto& col : t.update_columns) {
        n.drop_requires.push_back(col_key(t.table, col));
    }
    n.step.inverse_sql = ddl::create_trigger(t, false);
}

void Builder::trigger(const Change& c) {
    const auto* a = c.from_as<model::Trigger>();
    const auto* b = c.to_as<model::Trigger>();
    if (c.action == Action::create) {
        create_trigger(*b);
    } else if (c.action == Action::drop) {
        if (!is_dropped_table(a->table) && !m_dropped_relations.count(a->table)) {
            drop_trigger(*a, Phase::contract);
        }
    } else {
        model::Trigger x = *a;
        x.enabled = b->enabled;
        if (x == *b) {
            Node& d = add(StepKind::alter_trigger, rank::create_trigger, Phase::expand,
                          target_of(model::ObjectKind::trigger, b->table, b->name),
                          ddl::alter_table(b->table) +
                              (b->enabled ? " ENABLE TRIGGER " : " DISABLE TRIGGER ") +
                              quote_ident(b->name));
            on_table(d, b->table, LockLevel::share_row_exclusive);
            return;
        }
        drop_trigger(*a, Phase::expand);
        create_trigger(*b);
    }
}

void Builder::create_policy(const model::Policy& p) {
    Node& n = add(StepKind::create_policy, rank::create_policy, Phase::expand,
                  target_of(model::ObjectKind::policy, p.table, p.name), ddl::create_policy(p));
    on_table(n, p.table, LockLevel::access_exclusive);
    if (p.using_expr) {
        add_text_requires(n.requires_, *p.using_expr, true);
    }
    if (p.check_expr) {
        add_text_requires(n.requires_, *p.check_expr, true);
    }
    n.provides = {"p:" + qn_key(p.table) + "." + p.name};
    n.step.risk = Risk::medium;
    n.step.reason = "changes which rows queries see";
    n.step.inverse_sql = ddl::drop_policy(p);
}

void Builder::drop_policy(const model::Policy& p, Phase phase) {
    Node& n = add(StepKind::drop_policy, rank::drop_policy, phase,
                  target_of(model::ObjectKind::policy, p.table, p.name), ddl::drop_policy(p));
    n.step.lock = LockLevel::access_exclusive;
    n.step.locked_relation = p.table;
    n.step.risk = Risk::medium;
    n.step.reason = "changes which rows queries see";
    n.drops = {"p:" + qn_key(p.table) + "." + p.name};
    n.drop_requires = {rel_key(p.table)};
    for (const auto* e : {&p.using_expr, &p.check_expr}) {
        if (*e) {
            for (const auto& ref : sql::referenced_names(**e)) {
                n.drop_requires.push_back(col_key(p.table, ref.name));
                QualifiedName q{ref.schema.empty() ? std::string(model::k_default_schema)
                                                   : ref.schema,
                                ref.name};
                n.drop_requires.push_back(ref.call ? fn_key(q) : rel_key(q));
            }
        }
    }
    n.step.inverse_sql = ddl::create_policy(p);
}

void Builder::policy(const Change& c) {
    const auto* a = c.from_as<model::Policy>();
    const auto* b = c.to_as<model::Policy>();
    if (c.action == Action::create) {
        create_policy(*b);
    } else if (c.action == Action::drop) {
        if (!is_dropped_table(a->table)) {
            drop_policy(*a, Phase::contract);
        }
    } else {
        bool alterable = a->command == b->command && a->permissive == b->permissive &&
                         (b->using_expr || !a->using_expr) && (b->check_expr || !a->check_expr);
        if (alterable) {
            std::string sql = "ALTER POLICY " + quote_ident(b->name) + " ON " + ddl::name(b->table) +
                              " TO " + ddl::policy_roles(*b);
            if (b->using_expr) {
                sql += " USING (" + *b->using_expr + ")";
            }
            if (b->check_expr) {
                sql += " WITH CHECK (" + *b->check_expr + ")";
            }
            Node& n = add(StepKind::alter_policy, rank::create_policy, Phase::expand,
                          target_of(model::ObjectKind::policy, b->table, b->name), sql);
            on_table(n, b->table, LockLevel::access_exclusive);
            n.step.risk = Risk::medium;
            n.step.reason = "changes which rows queries see";
            for (const auto* e : {&b->using_expr, &b->check_expr}) {
                if (*e) {
                    add_text_requires(n.requires_, **e);
                }
            }
        } else {
            drop_policy(*a, Phase::expand);
            create_policy(*b);
        }
    }
}

// ------------------------------------------------------- privileges, comments

bool Builder::object_dropped(const model::ObjectRef& o) const {
    switch (o.kind) {
    case model::ObjectKind::table:
    case model::ObjectKind::column:
    case model::ObjectKind::constraint:
    case model::ObjectKind::trigger:
    case model::ObjectKind::policy:
    case model::ObjectKind::view:
    case model::ObjectKind::materialized_view:
    case model::ObjectKind::sequence:
    case model::ObjectKind::index:
    case model::ObjectKind::type:
    case model::ObjectKind::domain:
        if (m_dropped_relations.count(o.name)) {
            return true;
        }
        break;
    case model::ObjectKind::function:
    case model::ObjectKind::procedure:
        return m_dropped_functions.count(o.name.display() + "(" + o.args + ")") > 0;
    case model::ObjectKind::schema:
        return std::any_of(m_result.changes.begin(), m_result.changes.end(), [&](const Change& c) {
            return c.what == What::schema && c.action == Action::drop &&
                   c.from_as<model::SchemaDef>()->name == o.name.name;
        });
    default:
        break;
    }
    if (o.kind == model::ObjectKind::column) {
        const model::Table* t = m_to.find_table(o.name);
        return t != nullptr && t->find_column(o.member) == nullptr;
    }
    if (o.kind == model::ObjectKind::constraint) {
        // a dropped (or renamed) constraint takes its comment with it
        for (const auto& c : m_result.changes) {
            if (!(c.table == o.name) || (c.action != Action::drop && c.action != Action::rename)) {
                continue;
            }
            std::string name;
            if (const auto* k = c.from_as<model::CheckConstraint>()) {
                name = k->name;
            } else if (const auto* u = c.from_as<model::UniqueConstraint>()) {
                name = u->name;
            } else if (const auto* f = c.from_as<model::ForeignKey>()) {
                name = f->name;
            } else if (const auto* x = c.from_as<model::ExclusionConstraint>()) {
                name = x->name;
            } else if (const auto* p = c.from_as<model::PrimaryKey>()) {
                name = p->name;
            }
            if (name == o.member) {
                return true;
            }
        }
    }
    return false;
}

void Builder::object_requires(Node& node, const model::ObjectRef& o) const {
    switch (o.kind) {
    case model::ObjectKind::schema:
        node.requires_.push_back(schema_key(o.name.name));
        break;
    case model::ObjectKind::extension:
        node.requires_.push_back("x:" + o.name.name);
        break;
    case model::ObjectKind::function:
    case model::ObjectKind::procedure:
        node.requires_.push_back(fn_key(o.name));
        break;
    case model::ObjectKind::type:
    case model::ObjectKind::domain:
    case model::ObjectKind::domain_constraint:
        node.requires_.push_back(type_key(o.name));
        break;
    case model::ObjectKind::column:
        node.requires_.push_back(rel_key(o.name));
        node.requires_.push_back(col_key(o.name, o.member));
        break;
    case model::ObjectKind::constraint:
        node.requires_.push_back(rel_key(o.name));
        node.requires_.push_back(con_key(o.name, o.member));
        break;
    case model::ObjectKind::trigger:
        node.requires_.push_back("g:" + qn_key(o.name) + "." + o.member);
        break;
    case model::ObjectKind::policy:
        node.requires_.push_back("p:" + qn_key(o.name) + "." + o.member);
        break;
    default:
        node.requires_.push_back(rel_key(o.name));
        break;
    }
}

Target target_of_ref(const model::ObjectRef& o) {
    return Target{o.kind, o.name, o.member};
}

// Privileges of one grantee on one object, from both sides at once, so that a
// grant option added to a privilege already held is one GRANT ... WITH GRANT
// OPTION (not a REVOKE and a GRANT that could run in the wrong order).
void Builder::grant(const Change& c) {
    const model::Grant* any = c.to_as<model::Grant>() ? c.to_as<model::Grant>()
                                                      : c.from_as<model::Grant>();
    auto key = std::make_pair(any->object, any->grantee);
    if (!m_grants_done.insert(key).second) {
        return;
    }
    auto collect = [&](const model::Schema& s) {
        std::map<std::string, bool> privileges; // privilege -> with grant option
        for (const model::Grant& g : s.grants) {
            if (g.object == key.first && g.grantee == key.second) {
                for (const auto& p : g.privileges) {
                    privileges[p] = privileges[p] || g.with_grant_option;
                }
            }
        }
        return privileges;
    };
    std::map<std::string, bool> before = collect(m_from);
    std::map<std::string, bool> after = collect(m_to);
    std::vector<std::string> revoke_all;
    std::vector<std::string> revoke_option;
    std::vector<std::string> grant_plain;
    std::vector<std::string> grant_option;
    for (const auto& [p, wgo] : before) {
        auto it = after.find(p);
        if (it == after.end()) {
            revoke_all.push_back(p);
        } else if (wgo && !it->second) {
            revoke_option.push_back(p);
        }
    }
    for (const auto& [p, wgo] : after) {
        auto it = before.find(p);
        if (it == before.end()) {
            (wgo ? grant_option : grant_plain).push_back(p);
        } else if (wgo && !it->second) {
            grant_option.push_back(p);
        }
    }
    model::Grant g;
    g.object = key.first;
    g.grantee = key.second;
    if (!object_dropped(g.object)) {
        for (auto* list : {&revoke_all, &revoke_option}) {
            if (list->empty()) {
                continue;
            }
            g.privileges = *list;
            std::string sql = ddl::revoke_grant(g);
            if (list == &revoke_option) {
                sql = "REVOKE GRANT OPTION FOR" + sql.substr(6);
            }
            Node& n = add(StepKind::revoke, rank::revoke, Phase::contract,
                          target_of_ref(g.object), sql);
            object_requires(n, g.object);
            n.step.reason = "privilege change";
            g.with_grant_option = list == &revoke_option;
            n.step.inverse_sql = ddl::grant(g);
        }
    }
    for (auto* list : {&grant_plain, &grant_option}) {
        if (list->empty()) {
            continue;
        }
        g.privileges = *list;
        g.with_grant_option = list == &grant_option;
        Node& n = add(StepKind::grant, rank::grant, Phase::expand, target_of_ref(g.object),
                      ddl::grant(g));
        object_requires(n, g.object);
        n.step.reason = "privilege change";
        n.step.inverse_sql = ddl::revoke_grant(g);
    }
}

void Builder::revoke(const Change& c) {
    const auto* a = c.from_as<model::Revoke>();
    const auto* b = c.to_as<model::Revoke>();
    if (a != nullptr && !object_dropped(a->object)) {
        // privileges no longer revoked come back
        model::Revoke r = *a;
        r.privileges.clear();
        for (const auto& p : a->privileges) {
            if (b == nullptr ||
                std::find(b->privileges.begin(), b->privileges.end(), p) == b->privileges.end()) {
                r.privileges.push_back(p);
            }
        }
        if (!r.privileges.empty()) {
            Node& n = add(StepKind::grant, rank::grant, Phase::expand, target_of_ref(a->object),
                          ddl::undo_revoke(r));
            object_requires(n, a->object);
        }
    }
    if (b != nullptr) {
        model::Revoke r = *b;
        r.privileges.clear();
        for (const auto& p : b->privileges) {
            if (a == nullptr ||
                std::find(a->privileges.begin(), a->privileges.end(), p) == a->privileges.end()) {
                r.privileges.push_back(p);
            }
        }
        if (!r.privileges.empty()) {
            Node& n = add(StepKind::revoke, rank::revoke, Phase::expand, target_of_ref(b->object),
                          ddl::revoke(r));
            object_requires(n, b->object);
            n.step.inverse_sql = ddl::undo_revoke(r);
        }
    }
}

void Builder::comment(const Change& c) {
    const auto* a = c.from_as<model::Comment>();
    const auto* b = c.to_as<model::Comment>();
    if (b != nullptr) {
        Node& n = add(StepKind::comment, rank::comment, Phase::expand, target_of_ref(b->object),
                      ddl::comment(*b));
        object_requires(n, b->object);
        n.step.lock = LockLevel::share_update_exclusive;
        n.step.reason = "metadata only";
        n.step.inverse_sql = a != nullptr ? ddl::comment(*a) : ddl::comment_null(b->object);
    } else if (!object_dropped(a->object)) {
        Node& n = add(StepKind::comment, rank::comment, Phase::contract, target_of_ref(a->object),
                      ddl::comment_null(a->object));
        object_requires(n, a->object);
        n.step.lock = LockLevel::share_update_exclusive;
        n.step.reason = "metadata only";
        n.step.inverse_sql = ddl::comment(*a);
    }
}

void Builder::owner(const Change& c) {
    const auto* b = c.to_as<model::Owner>();
    if (b == nullptr) {
        // back to the connecting role (see diff::Options::owners_complete)
        const auto* a = c.from_as<model::Owner>();
        if (object_dropped(a->object)) {
            return;
        }
        Node& n = add(StepKind::set_owner, rank::owner, Phase::expand, target_of_ref(a->object),
                      "ALTER " + ddl::object_ref(a->object) + " OWNER TO CURRENT_USER");
        object_requires(n, a->object);
        n.step.lock = LockLevel::access_exclusive;
        n.step.reason = "metadata only";
        return;
    }
    Node& n = add(StepKind::set_owner, rank::owner, Phase::expand, target_of_ref(b->object),
                  ddl::owner(*b));
    object_requires(n, b->object);
    n.step.lock = LockLevel::access_exclusive;
    n.step.reason = "metadata only";
}

// Grants, comments and owner of a recreated object come back with it.
void Builder::reapply_metadata(const model::ObjectRef& object) {
    auto same_object = [&](const model::ObjectRef& o) {
        return o.name == object.name &&
               (o.kind == object.kind || (o.kind == model::ObjectKind::column &&
                                          (object.kind == model::ObjectKind::view ||
                                           object.kind == model::ObjectKind::materialized_view)));
    };
    for (const auto& g : m_to.grants) {
        if (same_object(g.object)) {
            Node& n = add(StepKind::grant, rank::grant, Phase::expand, target_of_ref(g.object),
                          ddl::grant(g));
            object_requires(n, g.object);
        }
    }
    for (const auto& cm : m_to.comments) {
        if (same_object(cm.object)) {
            Node& n = add(StepKind::comment, rank::comment, Phase::expand,
                          target_of_ref(cm.object), ddl::comment(cm));
            object_requires(n, cm.object);
        }
    }
    for (const auto& o : m_to.owners) {
        if (same_object(o.object)) {
            Node& n = add(StepKind::set_owner, rank::owner, Phase::expand,
                          target_of_ref(o.object), ddl::owner(o));
            object_requires(n, o.object);
        }
    }
}

// Views that read a changed view or a retyped/dropped column are dropped and
// recreated; so are the views that read those, and so on.
void Builder::recreate_dependents() {
    // which views (in `from`) mention which names
    std::map<QualifiedName, std::vector<sql::NameRef>> refs;
    for (const model::View& v : m_from.views) {
        refs[v.name] = sql::referenced_names(v.definition);
    }
    auto mentions = [&](const QualifiedName& view, const QualifiedName& name) {
        for (const auto& r : refs[view]) {
            if (!r.call && r.name == name.name &&
                (r.schema.empty() ? name.schema == model::k_default_schema : r.schema == name.schema)) {
                return true;
            }
        }
        return false;
    };
    auto mentions_column = [&](const QualifiedName& view, const std::string& column) {
        for (const auto& r : refs[view]) {
            if (r.name == column) {
                return true;
            }
        }
        return false;
    };
    std::set<QualifiedName> dirty;
    for (const auto& [table, column] : m_invalidated_columns) {
        for (const model::View& v : m_from.views) {
            if (mentions(v.name, table) && mentions_column(v.name, column)) {
                dirty.insert(v.name);
            }
        }
    }
    for (const auto& c : m_result.changes) {
        if (c.what == What::view && c.action == Action::alter &&
            !view_replaceable(*c.from_as<model::View>(), *c.to_as<model::View>())) {
            dirty.insert(c.from_as<model::View>()->name);
        }
        if (c.what == What::function && c.action == Action::alter) {
            const auto* a = c.from_as<model::Function>();
            const auto* b = c.to_as<model::Function>();
            if (!(a->returns == b->returns && a->args == b->args &&
                  a->is_procedure == b->is_procedure)) {
                for (const model::View& v : m_from.views) {
                    for (const auto& r : refs[v.name]) {
                        if (r.call && r.name == a->name.name) {
                            dirty.insert(v.name);
                        }
                    }
                }
            }
        }
    }
    // transitive closure over views reading views
    bool grew = true;
    while (grew) {
        grew = false;
        for (const model::View& v : m_from.views) {
            if (dirty.count(v.name)) {
                continue;
            }
            for (const auto& d : dirty) {
                if (mentions(v.name, d)) {
                    dirty.insert(v.name);
                    grew = true;
                    break;
                }
            }
        }
    }
    for (const auto& name : dirty) {
        bool changed = false;
        bool gone = m_to.find_view(name) == nullptr;
        for (const auto& c : m_result.changes) {
            if (c.what == What::view && c.action == Action::alter &&
                c.from_as<model::View>()->name == name) {
                changed = true;
            }
        }
        bool replaceable = false;
        for (const auto& c : m_result.changes) {
            if (c.what == What::view && c.action == Action::alter &&
                c.from_as<model::View>()->name == name) {
                replaceable = view_replaceable(*c.from_as<model::View>(), *c.to_as<model::View>());
            }
        }
        if (changed && !replaceable) {
            m_changed_views.insert(name);
        } else if (!gone) {
            m_recreate_views.insert(name);
        }
    }
}

// --------------------------------------------------------------------- order

Plan Builder::order() {
    const size_t n = m_nodes.size();
    std::unordered_map<std::string, std::vector<size_t>> providers;
    std::unordered_map<std::string, std::vector<size_t>> droppers;
    std::unordered_map<std::string, std::vector<size_t>> requirers;
    std::unordered_map<std::string, std::vector<size_t>> drop_requirers;
    for (size_t i = 0; i < n; ++i) {
        Node& node = m_nodes[i];
        auto dedupe = [](std::vector<std::string>& v) {
            std::sort(v.begin(), v.end());
            v.erase(std::unique(v.begin(), v.end()), v.end());
        };
        dedupe(node.provides);
        dedupe(node.requires_);
        dedupe(node.drops);
        dedupe(node.drop_requires);
        for (const auto& k : node.provides) {
            providers[k].push_back(i);
        }
        for (const auto& k : node.drops) {
            droppers[k].push_back(i);
        }
        for (const auto& k : node.requires_) {
            requirers[k].push_back(i);
        }
        for (const auto& k : node.drop_requires) {
            drop_requirers[k].push_back(i);
        }
    }
    std::vector<std::vector<size_t>> next(n);
    std::vector<size_t> indegree(n, 0);
    auto edge = [&](size_t a, size_t b) {
        if (a != b) {
            next[a].push_back(b);
        }
    };
    for (const auto& [key, reqs] : requirers) {
        auto p = providers.find(key);
        if (p != providers.end()) {
            for (size_t a : p->second) {
                for (size_t b : reqs) {
                    // alterations of one object keep their model order
                    if (a < b || !std::binary_search(m_nodes[b].provides.begin(),
                                                     m_nodes[b].provides.end(), key)) {
                        edge(a, b);
                    }
                }
            }
        }
        auto d = droppers.find(key);
        if (d != droppers.end()) {
            for (size_t a : d->second) {
                for (size_t b : reqs) {
                    edge(a, b);
                }
            }
        }
    }
    for (const auto& [key, drops] : droppers) {
        auto x = drop_requirers.find(key);
        if (x != drop_requirers.end()) {
            for (size_t a : x->second) {
                for (size_t b : drops) {
                    edge(a, b);
                }
            }
        }
        auto p = providers.find(key);
        if (p != providers.end()) {
            for (size_t a : drops) {
                for (size_t b : p->second) {
                    if (!std::binary_search(m_nodes[a].provides.begin(),
                                            m_nodes[a].provides.end(), key)) {
                        edge(a, b);
                    }
                }
            }
        }
    }
    for (auto& succ : next) {
        std::sort(succ.begin(), succ.end());
        succ.erase(std::unique(succ.begin(), succ.end()), succ.end());
        for (size_t b : succ) {
            ++indegree[b];
        }
    }
    auto priority = [&](size_t i) {
        return std::make_tuple(static_cast<int>(m_nodes[i].step.phase), m_nodes[i].rank, i);
    };
    auto cmp = [&](size_t a, size_t b) { return priority(a) > priority(b); };
    std::priority_queue<size_t, std::vector<size_t>, decltype(cmp)> ready(cmp);
    for (size_t i = 0; i < n; ++i) {
        if (indegree[i] == 0) {
            ready.push(i);
        }
    }
    std::vector<bool> done(n, false);
    Plan plan;
    plan.steps.reserve(n);
    size_t emitted = 0;
    while (emitted < n) {
        if (ready.empty()) {
            // a cycle: take the first remaining step in priority order
            size_t best = n;
            for (size_t i = 0; i < n; ++i) {
                if (!done[i] && (best == n || priority(i) < priority(best))) {
                    best = i;
                }
            }
            indegree[best] = 0;
            ready.push(best);
            plan.notes.push_back("dependency cycle broken at: " + m_nodes[best].step.sql.substr(
                                                                      0, 80));
        }
        size_t i = ready.top();
        ready.pop();
        if (done[i]) {
            continue;
        }
        done[i] = true;
        ++emitted;
        plan.steps.push_back(std::move(m_nodes[i].step));
        for (size_t b : next[i]) {
            if (!done[b] && indegree[b] > 0 && --indegree[b] == 0) {
                ready.push(b);
            }
        }
    }
    return plan;
}

Plan Builder::run() {
    for (const Change& c : m_result.changes) {
        if (c.what == What::table && c.action == Action::create) {
            m_new_tables.insert(c.to_as<model::Table>()->name);
        }
        if (c.what == What::table && c.action == Action::drop) {
            m_dropped_tables.insert(c.from_as<model::Table>()->name);
            m_dropped_relations.insert(c.from_as<model::Table>()->name);
        }
        if (c.what == What::view && c.action == Action::drop) {
            m_dropped_relations.insert(c.from_as<model::View>()->name);
        }
        if (c.what == What::foreign_key && c.action != Action::create) {
            m_changed_fks.insert({c.table, c.from_as<model::ForeignKey>()->name});
        }
        if (c.what == What::index && (c.action == Action::drop || c.action == Action::rename)) {
            m_dropped_relations.insert(c.from_as<model::Index>()->name);
        }
        if (c.what == What::sequence && c.action == Action::drop) {
            m_dropped_relations.insert(c.from_as<model::Sequence>()->name);
        }
        if (c.what == What::enum_type && c.action == Action::drop) {
            m_dropped_relations.insert(c.from_as<model::EnumType>()->name);
        }
        if (c.what == What::domain && c.action == Action::drop) {
            m_dropped_relations.insert(c.from_as<model::Domain>()->name);
        }
        if (c.what == What::composite_type && c.action == Action::drop) {
            m_dropped_relations.insert(c.from_as<model::CompositeType>()->name);
        }
        if (c.what == What::function && c.action == Action::drop) {
            m_dropped_functions.insert(c.from_as<model::Function>()->signature());
        }
        if (c.what == What::column && (c.action == Action::drop)) {
            m_invalidated_columns.insert({c.table, c.from_as<model::Column>()->name});
            m_dropped_columns.insert({c.table, c.from_as<model::Column>()->name});
        }
        if (c.what == What::column && c.action == Action::alter) {
            const auto* a = c.from_as<model::Column>();
            const auto* b = c.to_as<model::Column>();
            if (a->type != b->type || a->collation != b->collation ||
                a->generated_expr != b->generated_expr) {
                m_invalidated_columns.insert({c.table, b->name});
            }
        }
    }
    // views: which must be recreated because something under them changes
    recreate_dependents();

    renames();
    for (const Change& c : m_result.changes) {
        switch (c.what) {
        case What::extension:
            extension(c);
            break;
        case What::schema:
            schema(c);
            break;
        case What::enum_type:
            enum_type(c);
            break;
        case What::domain:
            domain(c);
            break;
        case What::composite_type:
            composite(c);
            break;
        case What::sequence:
            sequence(c);
            break;
        case What::function:
            function(c);
            break;
        case What::table:
            table(c);
            break;
        case What::column:
            column(c);
            break;
        case What::primary_key:
        case What::unique:
        case What::check:
        case What::foreign_key:
        case What::exclusion:
            constraint(c);
            break;
        case What::index:
            index(c);
            break;
        case What::view:
            view(c);
            break;
        case What::trigger:
            trigger(c);
            break;
        case What::policy:
            policy(c);
            break;
        case What::grant:
            grant(c);
            break;
        case What::revoke:
            revoke(c);
            break;
        case What::comment:
            comment(c);
            break;
        case What::owner:
            owner(c);
            break;
        }
    }
    // unchanged views recreated because of what they read, with their indexes,
    // triggers and metadata
    for (const QualifiedName& name : m_recreate_views) {
        const model::View* old_view = m_from.find_view(name);
        const model::View* new_view = m_to.find_view(name);
        drop_view(*old_view, Phase::expand);
        create_view(*new_view);
    }
    std::set<QualifiedName> rebuilt = m_recreate_views;
    rebuilt.insert(m_changed_views.begin(), m_changed_views.end());
    for (const QualifiedName& name : rebuilt) {
        const model::View* v = m_to.find_view(name);
        if (v == nullptr) {
            continue;
        }
        for (const model::Index& i : m_to.indexes) {
            if (i.table == name) {
                create_index(i);
            }
        }
        for (const model::Trigger& t : m_to.triggers) {
            if (t.table == name) {
                create_trigger(t);
            }
        }
        model::ObjectRef ref{v->materialized ? model::ObjectKind::materialized_view
                                             : model::ObjectKind::view,
                             name, "", ""};
        reapply_metadata(ref);
    }
    // FKs recreated because the key they reference was rebuilt are in the diff
    // already when their definition changed; otherwise PostgreSQL keeps them.
    if (m_functions_created) {
        Node& n = add(StepKind::set_config, rank::set_config, Phase::expand,
                      Target{model::ObjectKind::function, {}, ""},
                      "SET check_function_bodies = false");
        n.step.reason = "function bodies are checked when they first run";
    }
    // enum values used later in the same plan must be committed first
    for (size_t i = 0; i < m_nodes.size(); ++i) {
        if (m_nodes[i].step.kind != StepKind::add_enum_value) {
            continue;
        }
        const std::string& sql = m_nodes[i].step.sql;
        size_t pos = sql.find(" ADD VALUE ");
        std::string literal = sql.substr(pos + 11);
        literal = literal.substr(0, literal.find(" AFTER ") == std::string::npos
                                        ? literal.find(" BEFORE ")
                                        : literal.find(" AFTER "));
        for (const Node& other : m_nodes) {
            if (other.step.kind != StepKind::add_enum_value &&
                other.step.sql.find(literal) != std::string::npos) {
                m_nodes[i].step.outside_transaction = true;
            }
        }
    }
    return order();
}

} // namespace

std::string Target::display() const {
    std::string out = name.display();
    if (!member.empty()) {
        out += "." + member;
    }
    return out;
}

Plan build(const diff::Result& changes, const model::Schema& to, const BuildOptions& options) {
    Builder builder(changes, to, options);
    return builder.run();
}

Plan plan_migration(const model::Schema& from, const model::Schema& to,
                    const diff::Options& diff_options, const BuildOptions& options) {
    diff::Result result = diff::diff(from, to, diff_options);
    return build(result, to, options);
}

} // namespace qail::plan
