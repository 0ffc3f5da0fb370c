#include "introspect.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include <qail/base/error.hpp>
#include <qail/introspect/catalog_text.hpp>
#include <qail/introspect/queries.hpp>
#include <qail/model/naming.hpp>
#include <qail/model/types.hpp>

namespace qail::introspect {

namespace {

// The change capture a backup keeps on a table while it is copied
// (_qail_capture_<n>, trigger and function) is QAIL's, not the schema's.
bool is_backup_capture(const std::string& name) {
    return name.rfind("_qail_capture_", 0) == 0;
}

using Oid = long long;

std::string with_namespace_filter(const char* query) {
    std::string out(query);
    const std::string marker = "%NS%";
    size_t at = 0;
    while ((at = out.find(marker, at)) != std::string::npos) {
        out.replace(at, marker.size(), queries::k_user_namespace);
        at += std::string_view(queries::k_user_namespace).size();
    }
    return out;
}

// Column accessors by position, so that each query's SELECT list reads as the
// field list of its loop.
struct Row {
    const pg::Result& r;
    int row;
    std::string str(int col) const { return r.get_string(row, col); }
    bool null(int col) const { return r.is_null(row, col); }
    std::optional<std::string> opt(int col) const { return r.get_optional(row, col); }
    long long num(int col) const { return r.is_null(row, col) ? 0 : r.get_int(row, col); }
    bool flag(int col) const { return !r.is_null(row, col) && r.get_bool(row, col); }
    char chr(int col) const {
        std::string_view v = r.get(row, col);
        return v.empty() ? '\0' : v.front();
    }
    std::vector<std::string> arr(int col) const {
        return r.is_null(row, col) ? std::vector<std::string>{} : text::parse_array(r.get(row, col));
    }
};

template <typename F>
void each_row(const pg::Result& result, F f) {
    for (int i = 0; i < result.rows(); ++i) {
        f(Row{result, i});
    }
}

struct Relation {
    std::string schema;
    std::string name;
    char kind = 'r';
    bool managed = false; ///< ends up in the model (not skipped)
    std::string owner;
    char persistence = 'p';
    bool plain_acl = true; ///< relacl is NULL (the owner's default privileges)
};

struct ColumnRow {
    int attnum = 0;
    model::Column column;
    std::vector<std::string> acl;
    bool is_local = true;
};

struct TypeRange {
    long long min;
    long long max;
};

TypeRange integer_range(std::string_view type) {
    if (type == "smallint") {
        return {std::numeric_limits<int16_t>::min(), std::numeric_limits<int16_t>::max()};
    }
    if (type == "integer") {
        return {std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()};
    }
    return {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()};
}

struct SequenceRow {
    Oid oid = 0;
    std::string type;
    long long start = 1;
    long long increment = 1;
    long long max = 0;
    long long min = 0;
    long long cache = 1;
    bool cycle = false;
    Oid owner_table = 0;
    int owner_column = 0;
    char dependency = '\0'; ///< 'a' owned by (serial or OWNED BY), 'i' identity
};

// Only what differs from what PostgreSQL would choose is kept.
model::SequenceOptions sequence_options(const SequenceRow& s, const std::string& default_type) {
    model::SequenceOptions o;
    if (s.type != default_type) {
        o.data_type = s.type;
    }
    TypeRange range = integer_range(s.type);
    bool ascending = s.increment > 0;
    long long default_min = ascending ? 1 : range.min;
    long long default_max = ascending ? range.max : -1;
    if (s.increment != 1) {
        o.increment = s.increment;
    }
    if (s.min != default_min) {
        o.min_value = s.min;
    }
    if (s.max != default_max) {
        o.max_value = s.max;
    }
    if (s.start != (ascending ? s.min : s.max)) {
        o.start = s.start;
    }
    if (s.cache != 1) {
        o.cache = s.cache;
    }
    o.cycle = s.cycle;
    return o;
}

bool default_sequence_options(const model::SequenceOptions& o) {
    return o == model::SequenceOptions{};
}

std::string collation_name(const std::optional<std::string>& schema, const std::string& name) {
    if (!schema || *schema == "pg_catalog" || *schema == "public") {
        return name;
    }
    return *schema + "." + name;
}

std::optional<std::string> storage_name(char c) {
    switch (c) {
    case 'p':
        return "plain";
    case 'e':
        return "external";
    case 'x':
        return "extended";
    case 'm':
        return "main";
    default:
        return std::nullopt;
    }
}

model::FkAction fk_action(char c) {
    switch (c) {
    case 'r':
        return model::FkAction::restrict;
    case 'c':
        return model::FkAction::cascade;
    case 'n':
        return model::FkAction::set_null;
    case 'd':
        return model::FkAction::set_default;
    default:
        return model::FkAction::no_action;
    }
}

std::string strip_view_definition(std::string def) {
    while (!def.empty() && (def.back() == ';' || def.back() == ' ' || def.back() == '\n')) {
        def.pop_back();
    }
    size_t start = 0;
    while (start < def.size() && (def[start] == ' ' || def[start] == '\n')) {
        ++start;
    }
    return def.substr(start);
}

// Quotes a name in TABLE(...) return types the way the .qail printer does for
// plain names (lower-case identifiers stay bare).
std::string returns_ident(const std::string& name) {
    bool bare = !name.empty() && (std::islower(static_cast<unsigned char>(name[0])) || name[0] == '_');
    for (char c : name) {
        bare = bare && (std::islower(static_cast<unsigned char>(c)) ||
                        std::isdigit(static_cast<unsigned char>(c)) || c == '_');
    }
    if (bare) {
        return name;
    }
    std::string out = "\"";
    for (char c : name) {
        out += c;
        if (c == '"') {
            out += '"';
        }
    }
    return out + "\"";
}

// Privileges an ACL holds beyond the object's default, and the default ones it lacks.
struct AclDelta {
    std::map<std::pair<std::string, bool>, std::vector<std::string>> granted; ///< (grantee, grant option)
    std::map<std::string, std::vector<std::string>> revoked;
};

AclDelta acl_delta(const std::vector<std::string>& actual, const std::vector<std::string>& defaults,
                   bool acl_is_null) {
    AclDelta delta;
    if (acl_is_null) {
        return delta; // the default ACL
    }
    // grantee -> letter -> grantable
    using Privs = std::map<std::string, std::map<char, bool>>;
    auto collect = [](const std::vector<std::string>& items) {
        Privs out;
        for (const std::string& item : items) {
            std::optional<text::AclItem> acl = text::parse_acl_item(item);
            if (!acl) {
                continue;
            }
            for (char c : acl->privileges) {
                bool grantable = acl->grantable.find(c) != std::string::npos;
                bool& slot = out[acl->grantee][c];
                slot = slot || grantable;
            }
        }
        return out;
    };
    Privs have = collect(actual);
    Privs want = collect(defaults);
    for (const auto& [grantee, letters] : have) {
        for (const auto& [letter, grantable] : letters) {
            auto g = want.find(grantee);
            bool in_default = g != want.end() && g->second.count(letter) > 0;
            bool default_grantable = in_default && g->second.at(letter);
            if (!in_default || (grantable && !default_grantable)) {
                delta.granted[{grantee, grantable}].push_back(text::privilege_name(letter));
            }
        }
    }
    for (const auto& [grantee, letters] : want) {
        for (const auto& [letter, grantable] : letters) {
            auto h = have.find(grantee);
            if (h == have.end() || h->second.count(letter) == 0) {
                delta.revoked[grantee].push_back(text::privilege_name(letter));
            }
        }
    }
    return delta;
}

class Reader {
public:
    Reader(const Options& options, std::vector<pg::Result>& results)
        : m_options(options), m_results(results) {}

    Result read() {
        m_current_user = Row{m_results[0], 0}.str(1);
        read_extension_members(m_results[1]);
        read_schemas(m_results[2]);
        read_extensions(m_results[3]);
        read_relations(m_results[4]);
        read_columns(m_results[5]);
        read_sequences(m_results[6]);
        read_types(m_results[9]);
        build_tables();
        read_constraints(m_results[7]);
        read_indexes(m_results[8]);
        read_functions(m_results[10]);
        read_triggers(m_results[11]);
        read_policies(m_results[12]);
        read_descriptions(m_results[13]);
        read_unmanaged(m_results[14]);
        model::normalize(m_out.schema);
        std::sort(m_out.unmanaged.begin(), m_out.unmanaged.end(),
                  [](const Unmanaged& a, const Unmanaged& b) {
                      return std::tie(a.kind, a.name) < std::tie(b.kind, b.name);
                  });
        return std::move(m_out);
    }

private:
    const Options& m_options;
    std::vector<pg::Result>& m_results;
    Result m_out;
    std::string m_current_user;

    std::set<std::pair<std::string, Oid>> m_extension_members;
    std::unordered_map<Oid, Relation> m_relations;
    std::unordered_map<Oid, std::vector<ColumnRow>> m_columns;
    std::unordered_map<Oid, SequenceRow> m_sequences;
    std::unordered_map<Oid, size_t> m_table_index;       ///< relation oid -> tables[] (before sort)
    std::unordered_set<Oid> m_serial_sequences;          ///< folded into a serial column
    std::unordered_map<Oid, model::ObjectRef> m_type_refs; ///< pg_type oid -> comment target
    std::unordered_map<Oid, model::ObjectRef> m_constraint_refs;
    std::unordered_map<Oid, model::ObjectRef> m_function_refs;
    std::unordered_map<Oid, model::ObjectRef> m_trigger_refs;
    std::unordered_map<Oid, model::ObjectRef> m_policy_refs;
    std::unordered_map<Oid, std::string> m_schema_names;
    std::unordered_map<Oid, model::QualifiedName> m_index_refs;

    bool schema_wanted(const std::string& schema) const {
        if (m_options.schemas.empty()) {
            return true;
        }
        return std::find(m_options.schemas.begin(), m_options.schemas.end(), schema) !=
               m_options.schemas.end();
    }

    bool extension_member(const char* catalog, Oid oid) const {
        return m_extension_members.count({catalog, oid}) > 0;
    }

    void unmanaged(std::string kind, std::string name, std::string reason = {}) {
        m_out.unmanaged.push_back(Unmanaged{std::move(kind), std::move(name), std::move(reason)});
    }

    const Relation* managed_relation(Oid oid) const {
        auto it = m_relations.find(oid);
        if (it == m_relations.end() || !it->second.managed) {
            return nullptr;
        }
        return &it->second;
    }

    static model::QualifiedName qname(const Relation& r) { return model::qualified(r.schema, r.name); }

    void add_owner(model::ObjectRef ref, const std::string& owner) {
        if (owner.empty() || owner == m_current_user) {
            return;
        }
        model::Owner o;
        o.object = std::move(ref);
        o.role = owner;
        m_out.schema.owners.push_back(std::move(o));
    }

    void add_acl(const model::ObjectRef& ref, const Row& row, int acl_col, int default_col) {
        AclDelta delta = acl_delta(row.arr(acl_col), row.arr(default_col), row.null(acl_col));
        add_acl_delta(ref, delta);
    }

    void add_acl_delta(const model::ObjectRef& ref, const AclDelta& delta) {
        for (const auto& [key, privileges] : delta.granted) {
            model::Grant g;
            g.object = ref;
            g.grantee = key.first;
            g.with_grant_option = key.second;
            g.privileges = privileges;
            m_out.schema.grants.push_back(std::move(g));
        }
        for (const auto& [grantee, privileges] : delta.revoked) {
            model::Revoke r;
            r.object = ref;
            r.grantee = grantee;
            r.privileges = privileges;
            m_out.schema.revokes.push_back(std::move(r));
        }
    }

    // ---- queries -----------------------------------------------------------

    void read_extension_members(const pg::Result& result) {
        each_row(result, [&](const Row& r) { m_extension_members.emplace(r.str(0), r.num(1)); });
    }

    void read_schemas(const pg::Result& result) {
        each_row(result, [&](const Row& r) {
            Oid oid = r.num(0);
            std::string name = r.str(1);
            if (!schema_wanted(name) || extension_member("pg_namespace", oid)) {
                return;
            }
            if (!r.flag(5)) {
                throw DatabaseError("permission denied for schema " + name + ": role " +
                                        m_current_user + " has no USAGE privilege on it (grant it, "
                                        "or leave the schema out with --schema)",
                                    "42501");
            }
            m_schema_names[oid] = name;
            model::ObjectRef ref;
            ref.kind = model::ObjectKind::schema;
            ref.name = model::QualifiedName{"", name};
            if (name == "public") {
                // Created by initdb, owned by pg_database_owner, USAGE for PUBLIC:
                // only changes to that are part of the schema.
                std::vector<std::string> initial = {"pg_database_owner=UC/pg_database_owner",
                                                    "=U/pg_database_owner"};
                if (!r.null(3)) {
                    add_acl_delta(ref, acl_delta(r.arr(3), initial, false));
                }
                return;
            }
            model::SchemaDef def;
            def.name = name;
            m_out.schema.schemas.push_back(std::move(def));
            add_owner(ref, r.str(2));
            add_acl(ref, r, 3, 4);
        });
    }

    void read_extensions(const pg::Result& result) {
        each_row(result, [&](const Row& r) {
            std::string name = r.str(1);
            std::string schema = r.str(2);
            if (name == "plpgsql") {
                return; // always there
            }
            if (!m_options.schemas.empty() && !schema_wanted(schema)) {
                return;
            }
            model::Extension e;
            e.name = name;
            if (schema != "public") {
                e.schema = schema;
            }
            m_out.schema.extensions.push_back(std::move(e));
        });
    }

    void read_relations(const pg::Result& result) {
        each_row(result, [&](const Row& r) {
            Oid oid = r.num(0);
            Relation rel;
            rel.schema = r.str(1);
            rel.name = r.str(2);
            rel.kind = r.chr(3);
            rel.owner = r.str(12);
            rel.persistence = r.chr(4);
            rel.plain_acl = r.null(13);
            bool skip = !schema_wanted(rel.schema) || extension_member("pg_class", oid) ||
                        (rel.name.rfind("_qail", 0) == 0 && !m_options.include_qail_tables);
            rel.managed = !skip && rel.kind != 'f';
            m_relations[oid] = rel;
            if (skip) {
                return;
            }
            model::QualifiedName name = qname(rel);
            std::string display = name.display();
            switch (rel.kind) {
            case 'f':
                unmanaged("foreign table", display);
                return;
            case 'r':
            case 'p': {
                model::Table t;
                t.name = name;
                t.unlogged = r.chr(4) == 'u';
                t.rls_enabled = r.flag(5);
                t.rls_forced = r.flag(6);
                t.options = r.arr(7);
                if (r.flag(8)) {
                    model::PartitionOf part;
                    part.bound = r.str(9);
                    m_partition_parent[oid] = r.num(11);
                    t.partition_of = part;
                } else if (!r.null(11)) {
                    unmanaged("inheritance", display, "INHERITS is not part of the model");
                }
                if (rel.kind == 'p') {
                    t.partition_by = r.str(10);
                }
                m_table_index[oid] = m_out.schema.tables.size();
                m_out.schema.tables.push_back(std::move(t));
                model::ObjectRef ref{model::ObjectKind::table, name, {}, {}};
                add_owner(ref, rel.owner);
                add_acl(ref, r, 13, 14);
                m_relation_refs[oid] = ref;
                return;
            }
            case 'v':
            case 'm': {
                model::View v;
                v.name = name;
                v.materialized = rel.kind == 'm';
                v.definition = strip_view_definition(r.str(15));
                for (const std::string& option : r.arr(7)) {
                    if (option == "security_barrier=true") {
                        v.security_barrier = true;
                    } else if (option == "security_invoker=true") {
                        v.security_invoker = true;
                    } else if (option == "check_option=local") {
                        v.check_option = model::CheckOption::local;
                    } else if (option == "check_option=cascaded") {
                        v.check_option = model::CheckOption::cascaded;
                    } else if (option != "security_barrier=false" &&
                               option != "security_invoker=false") {
                        v.options.push_back(option);
                    }
                }
                v.with_no_data = v.materialized && !r.flag(16);
                model::ObjectRef ref{v.materialized ? model::ObjectKind::materialized_view
                                                    : model::ObjectKind::view,
                                     name, {}, {}};
                m_out.schema.views.push_back(std::move(v));
                add_owner(ref, rel.owner);
                add_acl(ref, r, 13, 14);
                m_relation_refs[oid] = ref;
                return;
            }
            case 'S': {
                model::ObjectRef ref{model::ObjectKind::sequence, name, {}, {}};
                m_relation_refs[oid] = ref;
                m_pending_sequence_acl.emplace(oid, std::make_pair(r.arr(13), r.arr(14)));
                if (r.null(13)) {
                    m_pending_sequence_acl[oid].first = {"<null>"};
                }
                return;
            }
            default:
                return;
            }
        });
    }

    std::unordered_map<Oid, Oid> m_partition_parent;
    std::unordered_map<Oid, model::ObjectRef> m_relation_refs;
    std::unordered_map<Oid, std::pair<std::vector<std::string>, std::vector<std::string>>>
        m_pending_sequence_acl;

    void read_columns(const pg::Result& result) {
        each_row(result, [&](const Row& r) {
            Oid rel = r.num(0);
            ColumnRow c;
            c.attnum = static_cast<int>(r.num(1));
            c.column.name = r.str(2);
            c.column.type = model::canonical_type(r.str(3));
            c.column.not_null = r.flag(4);
            c.column.default_expr = r.opt(5);
            char identity = r.chr(6);
            if (identity == 'a') {
                c.column.identity = model::IdentityKind::always;
            } else if (identity == 'd') {
                c.column.identity = model::IdentityKind::by_default;
            }
            if (r.chr(7) == 's') {
                c.column.generated_expr = c.column.default_expr;
                c.column.default_expr.reset();
            }
            if (!r.null(9)) {
                c.column.collation = collation_name(r.opt(8), r.str(9));
            }
            if (r.chr(10) != r.chr(11)) {
                c.column.storage = storage_name(r.chr(10));
            }
            char compression = r.chr(12);
            if (compression == 'p') {
                c.column.compression = "pglz";
            } else if (compression == 'l') {
                c.column.compression = "lz4";
            }
            c.acl = r.arr(13);
            c.is_local = r.flag(14);
            m_columns[rel].push_back(std::move(c));
        });
    }

    void read_sequences(const pg::Result& result) {
        each_row(result, [&](const Row& r) {
            SequenceRow s;
            s.oid = r.num(0);
            s.type = model::canonical_type(r.str(1));
            s.start = r.num(2);
            s.increment = r.num(3);
            s.max = r.num(4);
            s.min = r.num(5);
            s.cache = r.num(6);
            s.cycle = r.flag(7);
            s.owner_table = r.num(8);
            s.owner_column = static_cast<int>(r.num(9));
            s.dependency = r.chr(10);
            m_sequences[s.oid] = s;
        });
    }

    const ColumnRow* column_by_number(Oid rel, int attnum) const {
        auto it = m_columns.find(rel);
        if (it == m_columns.end()) {
            return nullptr;
        }
        for (const ColumnRow& c : it->second) {
            if (c.attnum == attnum) {
                return &c;
            }
        }
        return nullptr;
    }

    // A column whose default takes the next value of a sequence it owns, with
    // the name and options `serial` would give it, is written as serial.
    bool fold_serial(const Relation& table, model::Column& column, int attnum,
                     const std::vector<Oid>& owned_sequences) {
        if (!column.default_expr || column.identity != model::IdentityKind::none) {
            return false;
        }
        const std::string& def = *column.default_expr;
        std::optional<std::string> named = model::nextval_sequence_text(def);
        if (!named || !def.ends_with("'::regclass)")) {
            return false;
        }
        const char* serial = column.type == "integer"    ? "serial"
                             : column.type == "bigint"   ? "bigserial"
                             : column.type == "smallint" ? "smallserial"
                                                         : nullptr;
        if (serial == nullptr) {
            return false;
        }
        std::string seq_name = model::default_serial_sequence_name(table.name, column.name);
        for (Oid oid : owned_sequences) {
            const SequenceRow& s = m_sequences.at(oid);
            if (s.dependency != 'a' || s.owner_column != attnum) {
                continue;
            }
            auto rel = m_relations.find(oid);
            if (rel == m_relations.end() || rel->second.name != seq_name ||
                rel->second.schema != table.schema || s.type != column.type) {
                continue;
            }
            if (!default_sequence_options(sequence_options(s, s.type))) {
                continue;
            }
            // serial makes the sequence the way CREATE TABLE would: same
            // persistence and owner, no privileges or comment of its own
            const Relation& seq = rel->second;
            if (seq.persistence != table.persistence || seq.owner != table.owner ||
                !seq.plain_acl || m_described_relations.count(oid) > 0) {
                continue;
            }
            // the default must be exactly the serial one
            std::string expected = table.schema == "public" ? seq_name : table.schema + "." + seq_name;
            if (*named != expected) {
                continue;
            }
            column.type = serial;
            column.default_expr.reset();
            m_serial_sequences.insert(oid);
            return true;
        }
        return false;
    }

    std::unordered_set<Oid> m_described_relations;

    void build_tables() {
        each_row(m_results[13], [&](const Row& r) {
            if (r.str(0) == "pg_class" && r.num(2) == 0) {
                m_described_relations.insert(r.num(1));
            }
        });
        // Serial sequences are found by walking the sequences owned by a column once.
        std::unordered_map<Oid, std::vector<Oid>> owned;
        for (const auto& [oid, s] : m_sequences) {
            if (s.owner_table != 0) {
                owned[s.owner_table].push_back(oid);
            }
        }
        for (auto& [oid, index] : m_table_index) {
            model::Table& t = m_out.schema.tables[index];
            const Relation& rel = m_relations.at(oid);
            std::vector<ColumnRow>& rows = m_columns[oid];
            const std::vector<ColumnRow>* parent_rows = nullptr;
            if (t.partition_of) {
                Oid parent = m_partition_parent[oid];
                auto p = m_relations.find(parent);
                if (p != m_relations.end()) {
                    t.partition_of->parent = qname(p->second);
                }
                auto pc = m_columns.find(parent);
                if (pc != m_columns.end()) {
                    parent_rows = &pc->second;
                }
            }
            for (ColumnRow& row : rows) {
                model::Column column = row.column;
                if (t.partition_of) {
                    const model::Column* inherited = nullptr;
                    if (parent_rows != nullptr) {
                        for (const ColumnRow& pr : *parent_rows) {
                            if (pr.column.name == column.name) {
                                inherited = &pr.column;
                            }
                        }
                    }
                    if (inherited != nullptr) {
                        bool same_default = inherited->default_expr == column.default_expr ||
                                            (inherited->identity != model::IdentityKind::none);
                        bool same_not_null = inherited->not_null == column.not_null;
                        if (same_default && same_not_null) {
                            continue;
                        }
                        model::Column local;
                        local.name = column.name;
                        local.type = column.type;
                        if (!same_default) {
                            local.default_expr = column.default_expr;
                        }
                        local.not_null = column.not_null;
                        t.columns.push_back(std::move(local));
                        continue;
                    }
                }
                if (column.identity != model::IdentityKind::none) {
                    for (Oid seq : owned[oid]) {
                        const SequenceRow& s = m_sequences.at(seq);
                        if (s.dependency == 'i' && s.owner_column == row.attnum) {
                            column.identity_options = sequence_options(s, column.type);
                            column.identity_options.data_type.reset();
                            m_serial_sequences.insert(seq);
                        }
                    }
                } else {
                    fold_serial(rel, column, row.attnum, owned[oid]);
                }
                model::ObjectRef ref{model::ObjectKind::column, qname(rel), column.name, {}};
                AclDelta delta = acl_delta(row.acl, {}, row.acl.empty());
                add_acl_delta(ref, delta);
                t.columns.push_back(std::move(column));
            }
        }
        // Column privileges on views.
        for (auto& [oid, rows] : m_columns) {
            const Relation* rel = managed_relation(oid);
            if (rel == nullptr || (rel->kind != 'v' && rel->kind != 'm')) {
                continue;
            }
            for (const ColumnRow& row : rows) {
                if (!row.acl.empty()) {
                    model::ObjectRef ref{model::ObjectKind::column, qname(*rel), row.column.name, {}};
                    add_acl_delta(ref, acl_delta(row.acl, {}, false));
                }
            }
        }
        // Standalone sequences: everything that is not a serial or identity sequence.
        for (const auto& [oid, s] : m_sequences) {
            const Relation* rel = managed_relation(oid);
            if (rel == nullptr || m_serial_sequences.count(oid) > 0 || s.dependency == 'i') {
                continue;
            }
            if (s.owner_table != 0) {
                auto owner = m_relations.find(s.owner_table);
                if (owner != m_relations.end() && !owner->second.managed) {
                    continue; // belongs to a skipped table (_qail*)
                }
            }
            model::Sequence seq;
            seq.name = qname(*rel);
            seq.options = sequence_options(s, "bigint");
            if (s.dependency == 'a' && s.owner_table != 0) {
                const Relation* owner = managed_relation(s.owner_table);
                const ColumnRow* column = column_by_number(s.owner_table, s.owner_column);
                if (owner != nullptr && column != nullptr) {
                    seq.owned_by_table = qname(*owner);
                    seq.owned_by_column = column->column.name;
                }
            }
            m_out.schema.sequences.push_back(std::move(seq));
        }
        for (const auto& [oid, acl] : m_pending_sequence_acl) {
            const Relation* rel = managed_relation(oid);
            if (rel == nullptr) {
                continue;
            }
            add_owner(m_relation_refs[oid], rel->owner);
            bool is_null = acl.first.size() == 1 && acl.first[0] == "<null>";
            add_acl_delta(m_relation_refs[oid], acl_delta(acl.first, acl.second, is_null));
        }
    }

    model::Table* table_of(Oid rel) {
        auto it = m_table_index.find(rel);
        if (it == m_table_index.end()) {
            return nullptr;
        }
        return &m_out.schema.tables[it->second];
    }

    // Attribute numbers ("3") of a relation -> its column names.
    std::vector<std::string> column_names(Oid rel, const std::vector<std::string>& numbers) const {
        std::vector<std::string> names;
        for (const std::string& n : numbers) {
            const ColumnRow* c = column_by_number(rel, std::atoi(n.c_str()));
            names.push_back(c != nullptr ? c->column.name : n);
        }
        return names;
    }

    static model::IndexElement element_from(const std::string& key_text, int attnum,
                                            const std::string& attname,
                                            const std::string& element_text) {
        model::IndexElement e;
        if (attnum != 0) {
            e.key = attname;
        } else {
            e.is_expression = true;
            e.key = key_text;
        }
        std::string_view suffix;
        if (attnum != 0) {
            // a column: one identifier, bare or in double quotes
            suffix = std::string_view(element_text).substr(text::identifier_length(element_text));
        } else if (element_text.rfind(key_text, 0) == 0) {
            suffix = std::string_view(element_text).substr(key_text.size());
        }
        text::ElementSuffix s = text::parse_element_suffix(suffix);
        e.collation = s.collation;
        e.opclass = s.opclass;
        e.opclass_params = s.opclass_params;
        e.descending = s.descending;
        e.nulls_first = s.nulls_first;
        return e;
    }

    void read_constraints(const pg::Result& result) {
        each_row(result, [&](const Row& r) {
            Oid oid = r.num(0);
            Oid rel = r.num(1);
            Oid domain_type = r.num(2);
            std::string name = r.str(3);
            char type = r.chr(4);
            model::Deferral deferral{r.flag(5), r.flag(6)};
            if (domain_type != 0) {
                model::Domain* d = find_domain(domain_type);
                if (d == nullptr || type != 'c') {
                    return;
                }
                model::DomainCheck c;
                c.name = name;
                c.expression = text::check_expression(r.str(17));
                c.not_valid = !r.flag(7);
                d->checks.push_back(std::move(c));
                m_constraint_refs[oid] =
                    model::ObjectRef{model::ObjectKind::domain_constraint, d->name, name, {}};
                return;
            }
            model::Table* t = table_of(rel);
            if (t == nullptr) {
                return;
            }
            // Inherited from a partitioned parent: declared there.
            if (r.num(10) != 0 || (type == 'c' && !r.flag(9))) {
                return;
            }
            m_constraint_refs[oid] = model::ObjectRef{model::ObjectKind::constraint, t->name, name, {}};
            std::vector<std::string> columns = column_names(rel, r.arr(11));
            std::vector<std::string> include;
            if (!r.null(19)) {
                // int2vector text: "1 2 3"; the columns after the key ones are INCLUDEd
                std::vector<std::string> numbers = text::split_top_level(r.str(19), ' ');
                std::erase(numbers, std::string());
                size_t key_count = static_cast<size_t>(r.num(26));
                if (numbers.size() > key_count) {
                    include = column_names(
                        rel, std::vector<std::string>(numbers.begin() + static_cast<long>(key_count),
                                                      numbers.end()));
                }
            }
            switch (type) {
            case 'p': {
                model::PrimaryKey pk;
                pk.name = name;
                pk.columns = columns;
                pk.include = include;
                pk.deferral = deferral;
                t->primary_key = std::move(pk);
                return;
            }
            case 'u': {
                model::UniqueConstraint u;
                u.name = name;
                u.columns = columns;
                u.include = include;
                u.nulls_not_distinct = r.flag(18);
                u.deferral = deferral;
                t->uniques.push_back(std::move(u));
                return;
            }
            case 'c': {
                model::CheckConstraint c;
                c.name = name;
                c.expression = text::check_expression(r.str(17));
                c.no_inherit = r.flag(8);
                c.not_valid = !r.flag(7);
                t->checks.push_back(std::move(c));
                return;
            }
            case 'f': {
                model::ForeignKey fk;
                fk.name = name;
                fk.columns = columns;
                const Relation* target = nullptr;
                auto it = m_relations.find(r.num(12));
                if (it != m_relations.end()) {
                    target = &it->second;
                }
                if (target == nullptr) {
                    return;
                }
                fk.ref_table = qname(*target);
                fk.ref_columns = column_names(r.num(12), r.arr(13));
                fk.on_update = fk_action(r.chr(14));
                fk.on_delete = fk_action(r.chr(15));
                char match = r.chr(16);
                fk.match = match == 'f'   ? model::FkMatch::full
                           : match == 'p' ? model::FkMatch::partial
                                          : model::FkMatch::simple;
                fk.deferral = deferral;
                fk.not_valid = !r.flag(7);
                t->foreign_keys.push_back(std::move(fk));
                return;
            }
            case 'x': {
                model::ExclusionConstraint x;
                x.name = name;
                x.method = r.str(20);
                x.include = include;
                x.deferral = deferral;
                std::vector<std::string> keys = r.arr(21);
                std::vector<std::string> attnums = r.arr(22);
                std::vector<std::string> ops = r.arr(24);
                std::vector<std::string> elements =
                    text::index_definition_elements(r.str(25), x.method);
                for (size_t k = 0; k < keys.size(); ++k) {
                    int attnum = k < attnums.size() ? std::atoi(attnums[k].c_str()) : 0;
                    std::string attname;
                    if (const ColumnRow* c = column_by_number(rel, attnum)) {
                        attname = c->column.name;
                    }
                    std::string element_text = k < elements.size() ? elements[k] : keys[k];
                    model::ExclusionElement xe;
                    xe.element = element_from(keys[k], attnum, attname, element_text);
                    xe.op = k < ops.size() ? ops[k] : "=";
                    x.elements.push_back(std::move(xe));
                }
                x.where = r.opt(23);
                t->exclusions.push_back(std::move(x));
                return;
            }
            default:
                return;
            }
        });
    }

    void read_indexes(const pg::Result& result) {
        each_row(result, [&](const Row& r) {
            Oid oid = r.num(0);
            Oid rel = r.num(1);
            const Relation* table = managed_relation(rel);
            if (table == nullptr || (table->kind != 'r' && table->kind != 'p' && table->kind != 'm')) {
                return;
            }
            if (r.flag(13)) {
                return; // a partition's copy of its parent's index
            }
            model::Index index;
            index.name = model::qualified(table->schema, r.str(2));
            index.table = qname(*table);
            index.unique = r.flag(3);
            index.method = r.str(4);
            int key_count = static_cast<int>(r.num(5));
            // Expressions come as one list ("lower(b), (a + c)"); each is
            // written the way pg_get_indexdef writes an index key.
            std::vector<std::string> expressions;
            if (!r.null(6)) {
                for (const std::string& e : text::split_top_level(r.str(6), ',')) {
                    expressions.push_back(text::index_key_text(e));
                }
            }
            std::vector<std::string> attnums = text::split_top_level(r.str(7), ' ');
            std::erase(attnums, std::string());
            std::vector<std::string> elements =
                text::index_definition_elements(r.str(12), index.method);
            size_t next_expression = 0;
            for (size_t k = 0; k < attnums.size(); ++k) {
                int attnum = std::atoi(attnums[k].c_str());
                std::string attname;
                std::string key;
                if (attnum != 0) {
                    if (const ColumnRow* c = column_by_number(rel, attnum)) {
                        attname = c->column.name;
                    }
                } else if (next_expression < expressions.size()) {
                    key = expressions[next_expression++];
                }
                if (static_cast<int>(k) >= key_count) {
                    index.include.push_back(attname);
                    continue;
                }
                std::string element_text = k < elements.size() ? elements[k] : key;
                index.elements.push_back(element_from(key, attnum, attname, element_text));
            }
            index.where = r.opt(9);
            index.nulls_not_distinct = r.flag(10);
            index.options = r.arr(11);
            m_index_refs[oid] = index.name;
            m_out.schema.indexes.push_back(std::move(index));
        });
    }

    model::Domain* find_domain(Oid type) {
        auto it = m_domain_index.find(type);
        if (it == m_domain_index.end()) {
            return nullptr;
        }
        return &m_out.schema.domains[it->second];
    }
    std::unordered_map<Oid, size_t> m_domain_index;

    void read_types(const pg::Result& result) {
        each_row(result, [&](const Row& r) {
            Oid oid = r.num(0);
            std::string schema = r.str(1);
            if (!schema_wanted(schema) || extension_member("pg_type", oid)) {
                return;
            }
            model::QualifiedName name = model::qualified(schema, r.str(2));
            char type = r.chr(3);
            model::ObjectRef ref{model::ObjectKind::type, name, {}, {}};
            switch (type) {
            case 'e': {
                model::EnumType e;
                e.name = name;
                e.values = r.arr(5);
                m_out.schema.enums.push_back(std::move(e));
                break;
            }
            case 'd': {
                model::Domain d;
                d.name = name;
                d.base_type = model::canonical_type(r.str(6));
                d.not_null = r.flag(7);
                d.default_expr = r.opt(8);
                if (!r.null(10)) {
                    d.collation = collation_name(r.opt(9), r.str(10));
                }
                m_domain_index[oid] = m_out.schema.domains.size();
                m_out.schema.domains.push_back(std::move(d));
                ref.kind = model::ObjectKind::domain;
                break;
            }
            case 'c': {
                model::CompositeType c;
                c.name = name;
                for (const ColumnRow& row : m_columns[r.num(4)]) {
                    model::CompositeAttribute a;
                    a.name = row.column.name;
                    a.type = row.column.type;
                    a.collation = row.column.collation;
                    c.attributes.push_back(std::move(a));
                }
                m_out.schema.composite_types.push_back(std::move(c));
                // COMMENT ON COLUMN of a composite type is stored against its relation
                m_composite_relations[r.num(4)] = name;
                break;
            }
            case 'r':
                unmanaged("range type", name.display());
                return;
            default:
                unmanaged("base type", name.display());
                return;
            }
            m_type_refs[oid] = ref;
            add_owner(ref, r.str(11));
            add_acl(ref, r, 12, 13);
        });
    }
    std::unordered_map<Oid, model::QualifiedName> m_composite_relations;

    void read_functions(const pg::Result& result) {
        each_row(result, [&](const Row& r) {
            Oid oid = r.num(0);
            std::string schema = r.str(1);
            if (!schema_wanted(schema) || extension_member("pg_proc", oid) ||
                is_backup_capture(r.str(2))) {
                return;
            }
            model::Function f;
            f.name = model::qualified(schema, r.str(2));
            char kind = r.chr(3);
            if (kind == 'a' || kind == 'w') {
                unmanaged(kind == 'a' ? "aggregate" : "window function",
                          f.name.display() + "(" + r.str(18) + ")");
                return;
            }
            f.is_procedure = kind == 'p';
            f.language = r.str(4);
            if (f.language == "c" || f.language == "internal") {
                unmanaged("function", f.name.display() + "(" + r.str(18) + ")",
                          "language " + f.language);
                return;
            }
            char volatility = r.chr(5);
            f.volatility = volatility == 'i'   ? model::Volatility::immutable
                           : volatility == 's' ? model::Volatility::stable
                                               : model::Volatility::volatile_;
            f.strict = r.flag(6);
            f.security_definer = r.flag(7);
            f.leakproof = r.flag(8);
            char parallel = r.chr(9);
            f.parallel = parallel == 's'   ? model::Parallel::safe
                         : parallel == 'r' ? model::Parallel::restricted
                                           : model::Parallel::unsafe;
            double cost = std::atof(r.str(10).c_str());
            if (!f.is_procedure && cost != 100.0) {
                f.cost = cost;
            }
            double rows = std::atof(r.str(11).c_str());
            bool returns_set = r.flag(12);
            if (!f.is_procedure && returns_set && rows != 1000.0) {
                f.rows = rows;
            }
            f.config = r.arr(14);
            f.sql_body = r.flag(16);
            f.body = f.sql_body ? text::sql_standard_body(r.str(17)) : r.str(15);

            std::vector<std::string> types = r.arr(19);
            std::vector<std::string> modes = r.arr(20);
            std::vector<std::string> names = r.arr(21);
            std::vector<std::string> printed = text::split_top_level(r.str(18), ',');
            size_t printed_index = 0;
            std::string table_columns;
            for (size_t i = 0; i < types.size(); ++i) {
                model::FunctionArg a;
                char mode = i < modes.size() && !modes[i].empty() ? modes[i][0] : 'i';
                a.mode = mode == 'o'   ? model::ArgMode::out
                         : mode == 'b' ? model::ArgMode::inout
                         : mode == 'v' ? model::ArgMode::variadic
                         : mode == 't' ? model::ArgMode::table
                                       : model::ArgMode::in;
                a.name = i < names.size() ? names[i] : std::string();
                a.type = model::canonical_type(types[i]);
                if (a.mode == model::ArgMode::table) {
                    table_columns += (table_columns.empty() ? "" : ", ") + returns_ident(a.name) +
                                     " " + a.type;
                } else if (printed_index < printed.size()) {
                    const std::string& p = printed[printed_index++];
                    size_t at = text::find_top_level(p, " DEFAULT ");
                    if (at != std::string::npos) {
                        a.default_expr = p.substr(at + 9);
                    }
                }
                f.args.push_back(std::move(a));
            }
            if (!f.is_procedure) {
                std::string ret = model::canonical_type(r.str(13));
                if (!table_columns.empty()) {
                    f.returns = "TABLE(" + table_columns + ")";
                } else if (returns_set) {
                    f.returns = "SETOF " + ret;
                } else {
                    f.returns = ret;
                }
            }
            model::ObjectRef ref{f.is_procedure ? model::ObjectKind::procedure
                                                : model::ObjectKind::function,
                                 f.name, {}, f.identity_args()};
            m_function_refs[oid] = ref;
            add_owner(ref, r.str(22));
            add_acl(ref, r, 23, 24);
            m_out.schema.functions.push_back(std::move(f));
        });
    }

    void read_triggers(const pg::Result& result) {
        each_row(result, [&](const Row& r) {
            const Relation* table = managed_relation(r.num(1));
            if (table == nullptr || is_backup_capture(r.str(2))) {
                return;
            }
            model::Trigger t;
            t.name = r.str(2);
            t.table = qname(*table);
            long long type = r.num(3);
            t.for_each_row = (type & 1) != 0;
            t.timing = (type & 64) != 0  ? model::TriggerTiming::instead_of
                       : (type & 2) != 0 ? model::TriggerTiming::before
                                         : model::TriggerTiming::after;
            t.on_insert = (type & 4) != 0;
            t.on_delete = (type & 8) != 0;
            t.on_update = (type & 16) != 0;
            t.on_truncate = (type & 32) != 0;
            t.enabled = r.chr(4) != 'D';
            t.constraint = r.flag(5);
            if (t.constraint) {
                t.deferral = model::Deferral{r.flag(6), r.flag(7)};
            }
            t.update_columns = r.arr(8);
            t.function_args = text::trigger_arguments(r.str(9), static_cast<int>(r.num(10)));
            t.old_table = r.opt(11);
            t.new_table = r.opt(12);
            t.function = model::qualified(r.str(13), r.str(14));
            t.when = text::trigger_when(r.str(15));
            m_trigger_refs[r.num(0)] = model::ObjectRef{model::ObjectKind::trigger, t.table, t.name, {}};
            m_out.schema.triggers.push_back(std::move(t));
        });
    }

    void read_policies(const pg::Result& result) {
        each_row(result, [&](const Row& r) {
            const Relation* table = managed_relation(r.num(1));
            if (table == nullptr) {
                return;
            }
            model::Policy p;
            p.name = r.str(2);
            p.table = qname(*table);
            switch (r.chr(3)) {
            case 'r':
                p.command = model::PolicyCommand::select;
                break;
            case 'a':
                p.command = model::PolicyCommand::insert;
                break;
            case 'w':
                p.command = model::PolicyCommand::update;
                break;
            case 'd':
                p.command = model::PolicyCommand::delete_;
                break;
            default:
                p.command = model::PolicyCommand::all;
            }
            p.permissive = r.flag(4);
            for (const std::string& role : r.arr(5)) {
                if (!role.empty()) {
                    p.roles.push_back(role);
                }
            }
            p.using_expr = r.opt(6);
            p.check_expr = r.opt(7);
            m_policy_refs[r.num(0)] = model::ObjectRef{model::ObjectKind::policy, p.table, p.name, {}};
            m_out.schema.policies.push_back(std::move(p));
        });
    }

    void read_descriptions(const pg::Result& result) {
        auto find = [](const auto& map, Oid oid) -> const model::ObjectRef* {
            auto it = map.find(oid);
            return it == map.end() ? nullptr : &it->second;
        };
        each_row(result, [&](const Row& r) {
            std::string catalog = r.str(0);
            Oid oid = r.num(1);
            int sub = static_cast<int>(r.num(2));
            std::optional<model::ObjectRef> ref;
            if (catalog == "pg_class") {
                if (sub != 0) {
                    const Relation* rel = managed_relation(oid);
                    const ColumnRow* column = column_by_number(oid, sub);
                    if (rel != nullptr && column != nullptr && rel->kind != 'S') {
                        ref = model::ObjectRef{model::ObjectKind::column, qname(*rel),
                                               column->column.name, {}};
                    } else if (auto c = m_composite_relations.find(oid);
                               c != m_composite_relations.end() && column != nullptr) {
                        ref = model::ObjectRef{model::ObjectKind::column, c->second,
                                               column->column.name, {}};
                    }
                } else if (const model::ObjectRef* rel = find(m_relation_refs, oid)) {
                    if (managed_relation(oid) != nullptr) {
                        ref = *rel;
                    }
                } else if (auto it = m_index_refs.find(oid); it != m_index_refs.end()) {
                    ref = model::ObjectRef{model::ObjectKind::index, it->second, {}, {}};
                }
            } else if (catalog == "pg_type") {
                if (const model::ObjectRef* t = find(m_type_refs, oid)) {
                    ref = *t;
                }
            } else if (catalog == "pg_proc") {
                if (const model::ObjectRef* f = find(m_function_refs, oid)) {
                    ref = *f;
                }
            } else if (catalog == "pg_trigger") {
                if (const model::ObjectRef* t = find(m_trigger_refs, oid)) {
                    ref = *t;
                }
            } else if (catalog == "pg_policy") {
                if (const model::ObjectRef* p = find(m_policy_refs, oid)) {
                    ref = *p;
                }
            } else if (catalog == "pg_constraint") {
                if (const model::ObjectRef* c = find(m_constraint_refs, oid)) {
                    ref = *c;
                }
            } else if (catalog == "pg_namespace") {
                auto it = m_schema_names.find(oid);
                if (it != m_schema_names.end()) {
                    ref = model::ObjectRef{model::ObjectKind::schema, {"", it->second}, {}, {}};
                }
            }
            // Extensions bring their own comments (CREATE EXTENSION sets them):
            // not part of the schema a user writes.
            if (!ref) {
                return;
            }
            model::Comment c;
            c.object = std::move(*ref);
            c.text = r.str(3);
            m_out.schema.comments.push_back(std::move(c));
        });
    }

    void read_unmanaged(const pg::Result& result) {
        each_row(result, [&](const Row& r) {
            std::string catalog = r.str(1);
            if (extension_member(catalog.c_str(), r.num(2))) {
                return;
            }
            std::string name = r.str(3);
            size_t dot = name.find('.');
            if (!m_options.schemas.empty() && dot != std::string::npos &&
                !schema_wanted(name.substr(0, dot))) {
                return;
            }
            if (name.rfind("public.", 0) == 0) {
                name = name.substr(7);
            }
            unmanaged(r.str(0), name);
        });
    }
};

} // namespace

Result introspect(pg::Connection& conn, const Options& options) {
    std::vector<std::string> sql = {
        queries::k_setup,
        queries::k_extension_members,
        with_namespace_filter(queries::k_schemas),
        queries::k_extensions,
        with_namespace_filter(queries::k_relations),
        with_namespace_filter(queries::k_columns),
        with_namespace_filter(queries::k_sequences),
        with_namespace_filter(queries::k_constraints),
        with_namespace_filter(queries::k_indexes),
        with_namespace_filter(queries::k_types),
        with_namespace_filter(queries::k_functions),
        with_namespace_filter(queries::k_triggers),
        with_namespace_filter(queries::k_policies),
        queries::k_descriptions,
        with_namespace_filter(queries::k_unmanaged),
    };
    std::vector<pg::Result> results = conn.exec_pipeline(sql);
    if (results.size() != sql.size()) {
        throw InternalError("introspection: a catalog query returned no result");
    }
    for (const std::string& wanted : options.schemas) {
        bool found = false;
        const pg::Result& schemas = results[2];
        for (int i = 0; i < schemas.rows(); ++i) {
            found = found || schemas.get(i, 1) == wanted;
        }
        if (!found) {
            throw DatabaseError("schema \"" + wanted + "\" does not exist in database " +
                                    conn.database(),
                                "3F000");
        }
    }
    Reader reader(options, results);
    return reader.read();
}

} // namespace qail::introspect
