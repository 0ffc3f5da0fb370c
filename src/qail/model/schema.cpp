#include "schema.hpp"

#include <algorithm>
#include <tuple>
#include <cstdint>
#include <deque>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>

#include <qail/model/naming.hpp>
#include <qail/model/types.hpp>

namespace qail::model {

bool Schema::empty() const {
    return extensions.empty() && schemas.empty() && enums.empty() && domains.empty() &&
           composite_types.empty() && sequences.empty() && tables.empty() && indexes.empty() &&
           views.empty() && functions.empty() && triggers.empty() && policies.empty() &&
           grants.empty() && revokes.empty() && comments.empty() && owners.empty() &&
           resources.empty() && hint_count() == 0;
}

size_t Schema::column_count() const {
    size_t count = 0;
    for (const Table& table : tables) {
        count += table.columns.size();
    }
    return count;
}

namespace {

// Collections are kept sorted by name, so lookups are binary searches.
template <typename T, typename Key>
auto find_sorted(std::vector<T>& items, const QualifiedName& name, Key key) -> T* {
    auto it = std::lower_bound(items.begin(), items.end(), name,
                               [&](const T& item, const QualifiedName& n) { return key(item) < n; });
    if (it != items.end() && key(*it) == name) {
        return &*it;
    }
    // Not sorted yet (a model under construction): fall back to a scan.
    for (T& item : items) {
        if (key(item) == name) {
            return &item;
        }
    }
    return nullptr;
}

const auto k_by_name = [](const auto& item) -> const QualifiedName& { return item.name; };

} // namespace

const Table* Schema::find_table(const QualifiedName& name) const {
    return find_sorted(const_cast<std::vector<Table>&>(tables), name, k_by_name);
}
Table* Schema::find_table(const QualifiedName& name) {
    return find_sorted(tables, name, k_by_name);
}
const View* Schema::find_view(const QualifiedName& name) const {
    return find_sorted(const_cast<std::vector<View>&>(views), name, k_by_name);
}
const Index* Schema::find_index(const QualifiedName& name) const {
    return find_sorted(const_cast<std::vector<Index>&>(indexes), name, k_by_name);
}
const EnumType* Schema::find_enum(const QualifiedName& name) const {
    return find_sorted(const_cast<std::vector<EnumType>&>(enums), name, k_by_name);
}
const Domain* Schema::find_domain(const QualifiedName& name) const {
    return find_sorted(const_cast<std::vector<Domain>&>(domains), name, k_by_name);
}
const CompositeType* Schema::find_composite_type(const QualifiedName& name) const {
    return find_sorted(const_cast<std::vector<CompositeType>&>(composite_types), name, k_by_name);
}
const Sequence* Schema::find_sequence(const QualifiedName& name) const {
    return find_sorted(const_cast<std::vector<Sequence>&>(sequences), name, k_by_name);
}

namespace {

std::vector<std::string> column_names(const Table& table) {
    std::vector<std::string> names;
    names.reserve(table.columns.size());
    for (const Column& column : table.columns) {
        names.push_back(column.name);
    }
    return names;
}

std::vector<std::string> element_names(const std::vector<IndexElement>& elements) {
    std::vector<std::string> names;
    for (const IndexElement& element : elements) {
        if (!element.is_expression) {
            names.push_back(element.key);
            continue;
        }
        // FigureIndexColname: a function call is named after the function, anything else "expr".
        const std::string& key = element.key;
        size_t paren = key.find('(');
        std::string name = "expr";
        if (paren != std::string::npos && paren > 0 && key[0] != '(') {
            name = key.substr(0, paren);
            size_t dot = name.rfind('.');
            if (dot != std::string::npos) {
                name = name.substr(dot + 1);
            }
        }
        names.push_back(name);
    }
    return names;
}

// A set of names with open addressing: one flat array, no node per name
// (assigning names to a 10,000-table schema does ~100,000 lookups).
class FlatNameSet {
public:
    void reserve(size_t count) {
        size_t capacity = 16;
        while (capacity < count * 2) {
            capacity *= 2;
        }
        if (capacity > m_slots.size()) {
            rehash(capacity);
        }
    }
    bool insert(std::string_view name) {
        if ((m_count + 1) * 2 > m_slots.size()) {
            rehash(m_slots.empty() ? 16 : m_slots.size() * 2);
        }
        uint64_t h = hash(name);
        size_t i = find_slot(name, h);
        if (m_slots[i].hash != 0) {
            return false;
        }
        m_slots[i] = Slot{name, h};
        ++m_count;
        return true;
    }
    size_t count(std::string_view name) const {
        if (m_slots.empty()) {
            return 0;
        }
        return m_slots[find_slot(name, hash(name))].hash != 0 ? 1 : 0;
    }

private:
    struct Slot {
        std::string_view name;
        uint64_t hash = 0; // 0: empty
    };
    std::vector<Slot> m_slots;
    size_t m_count = 0;

    static uint64_t hash(std::string_view name) {
        uint64_t h = 1469598103934665603ULL; // FNV-1a
        for (char c : name) {
            h ^= static_cast<unsigned char>(c);
            h *= 1099511628211ULL;
        }
        return h | 1; // never 0
    }
    size_t find_slot(std::string_view name, uint64_t h) const {
        size_t mask = m_slots.size() - 1;
        size_t i = static_cast<size_t>(h) & mask;
        while (m_slots[i].hash != 0 && (m_slots[i].hash != h || m_slots[i].name != name)) {
            i = (i + 1) & mask;
        }
        return i;
    }
    void rehash(size_t capacity) {
        std::vector<Slot> old = std::move(m_slots);
        m_slots.assign(capacity, Slot{});
        for (const Slot& slot : old) {
            if (slot.hash != 0) {
                m_slots[find_slot(slot.name, slot.hash)] = slot;
            }
        }
    }
};

// Taken names, one set per schema. The sets hold views of the model's own
// strings (which do not move while names are assigned); names made up here
// are kept in `m_owned`.
class NameSets {
public:
    using Set = FlatNameSet;
    Set& of(std::string_view schema) { return m_sets[schema]; }
    std::string_view keep(std::string name) { return m_owned.emplace_back(std::move(name)); }

private:
    std::unordered_map<std::string_view, Set> m_sets;
    std::deque<std::string> m_owned;
};

// Fills in the names PostgreSQL would pick for unnamed constraints. Relation
// names (index-backed constraints) and constraint names must be unique per
// schema, so the sets of taken names are schema-wide.
void assign_default_names(Schema& schema) {
    NameSets relations;
    NameSets constraints;
    relations.of(k_default_schema).reserve(schema.tables.size() * 4 + schema.indexes.size());
    constraints.of(k_default_schema).reserve(schema.tables.size() * 4);
    for (const Table& t : schema.tables) {
        auto& rel = relations.of(t.name.schema);
        auto& con = constraints.of(t.name.schema);
        rel.insert(t.name.name);
        if (t.primary_key && !t.primary_key->name.empty()) {
            rel.insert(t.primary_key->name);
            con.insert(t.primary_key->name);
        }
        for (const auto& u : t.uniques) {
            if (!u.name.empty()) {
                rel.insert(u.name);
                con.insert(u.name);
            }
        }
        for (const auto& x : t.exclusions) {
            if (!x.name.empty()) {
                rel.insert(x.name);
                con.insert(x.name);
            }
        }
        for (const auto& c : t.checks) {
            if (!c.name.empty()) {
                con.insert(c.name);
            }
        }
        for (const auto& f : t.foreign_keys) {
            if (!f.name.empty()) {
                con.insert(f.name);
            }
        }
    }
    for (const Index& i : schema.indexes) {
        if (!i.name.name.empty()) {
            relations.of(i.name.schema).insert(i.name.name);
        }
    }
    for (const View& v : schema.views) {
        relations.of(v.name.schema).insert(v.name.name);
    }
    for (const Sequence& s : schema.sequences) {
        relations.of(s.name.schema).insert(s.name.name);
    }

    std::vector<std::string> names;
    for (Table& t : schema.tables) {
        const std::string& tn = t.name.name;
        auto& rel = relations.of(t.name.schema);
        auto& con = constraints.of(t.name.schema);
        auto relation_taken = [&](const std::string& n) { return rel.count(n) > 0; };
        auto constraint_taken = [&](const std::string& n) {
            return con.count(n) > 0 || rel.count(n) > 0;
        };
        // serial columns own a sequence named like this; reserve it first
        for (const Column& c : t.columns) {
            if (is_serial_type(c.type)) {
                rel.insert(relations.keep(choose_unique_name(tn, c.name, "seq", relation_taken)));
            }
        }
        if (t.primary_key && t.primary_key->name.empty()) {
            t.primary_key->name = choose_unique_name(tn, "", "pkey", relation_taken);
            rel.insert(t.primary_key->name);
            con.insert(t.primary_key->name);
        }
        for (auto& u : t.uniques) {
            if (u.name.empty()) {
                u.name = choose_unique_name(tn, name_addition(u.columns), "key", relation_taken);
                rel.insert(u.name);
                con.insert(u.name);
            }
        }
        for (auto& x : t.exclusions) {
            if (x.name.empty()) {
                std::vector<IndexElement> elements;
                for (const auto& e : x.elements) {
                    elements.push_back(e.element);
                }
                x.name = choose_unique_name(tn, name_addition(element_names(elements)), "excl",
                                            relation_taken);
                rel.insert(x.name);
                con.insert(x.name);
            }
        }
        bool unnamed_check = false;
        for (const auto& c : t.checks) {
            unnamed_check = unnamed_check || c.name.empty();
        }
        if (unnamed_check) {
            names = column_names(t);
        }
        for (auto& c : t.checks) {
            if (c.name.empty()) {
                std::vector<std::string> refs = referenced_columns(c.expression, names);
                std::string column = refs.size() == 1 ? refs.front() : std::string();
                c.name = choose_unique_name(tn, column, "check", constraint_taken);
                con.insert(c.name);
            }
        }
        for (auto& f : t.foreign_keys) {
            if (f.name.empty()) {
                f.name = choose_unique_name(tn, name_addition(f.columns), "fkey", constraint_taken);
                con.insert(f.name);
            }
        }
    }
    for (Index& i : schema.indexes) {
        if (i.name.name.empty()) {
            auto& rel = relations.of(i.table.schema);
            auto relation_taken = [&](const std::string& n) { return rel.count(n) > 0; };
            i.name.name = choose_unique_name(i.table.name, name_addition(element_names(i.elements)),
                                             "idx", relation_taken);
            rel.insert(i.name.name);
        }
        i.name.schema = i.table.schema;
    }
    for (Domain& d : schema.domains) {
        for (DomainCheck& c : d.checks) {
            if (c.name.empty()) {
                c.name = default_domain_check_name(d.name.name);
            }
        }
    }
}

// REFERENCES t without columns means t's primary key.
void resolve_fk_targets(Schema& schema) {
    for (Table& t : schema.tables) {
        for (ForeignKey& fk : t.foreign_keys) {
            if (!fk.ref_columns.empty()) {
                continue;
            }
            const Table* target = schema.find_table(fk.ref_table);
            if (target != nullptr && target->primary_key) {
                fk.ref_columns = target->primary_key->columns;
            }
        }
    }
}

// Sorts by key without moving the (large) items around more than once:
// keys are computed once, a permutation is sorted, then applied. An already
// sorted collection (a model normalised before) costs one pass.
template <typename T, typename Key>
void sort_by(std::vector<T>& items, Key key) {
    if (items.size() < 2) {
        return;
    }
    using K = std::decay_t<decltype(key(items.front()))>;
    std::vector<K> keys;
    keys.reserve(items.size());
    bool sorted = true;
    for (const T& item : items) {
        keys.push_back(key(item));
        if (keys.size() > 1 && keys.back() < keys[keys.size() - 2]) {
            sorted = false;
        }
    }
    if (sorted) {
        return;
    }
    std::vector<size_t> order(items.size());
    for (size_t i = 0; i < order.size(); ++i) {
        order[i] = i;
    }
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return keys[a] < keys[b]; });
    std::vector<T> out;
    out.reserve(items.size());
    for (size_t i : order) {
        out.push_back(std::move(items[i]));
    }
    items = std::move(out);
}

// Storage parameters keep the order they were written in (PostgreSQL keeps
// it, and pg_dump shows it); the diff compares them as sets.
void unique_in_order(std::vector<std::string>& items) {
    std::vector<std::string> seen;
    std::erase_if(items, [&](const std::string& item) {
        if (std::find(seen.begin(), seen.end(), item) != seen.end()) {
            return true;
        }
        seen.push_back(item);
        return false;
    });
}

void sort_strings(std::vector<std::string>& items) {
    std::sort(items.begin(), items.end());
    items.erase(std::unique(items.begin(), items.end()), items.end());
}

} // namespace

void normalize(Schema& schema) {
    resolve_fk_targets(schema);
    assign_default_names(schema);

    sort_by(schema.extensions, [](const Extension& e) { return e.name; });
    sort_by(schema.schemas, [](const SchemaDef& s) { return s.name; });
    sort_by(schema.enums, k_by_name);
    sort_by(schema.domains, k_by_name);
    for (Domain& d : schema.domains) {
        sort_by(d.checks, [](const DomainCheck& c) { return c.name; });
    }
    sort_by(schema.composite_types, k_by_name);
    sort_by(schema.sequences, k_by_name);
    sort_by(schema.tables, k_by_name);
    for (Table& t : schema.tables) {
        sort_by(t.uniques, [](const UniqueConstraint& c) { return c.name; });
        sort_by(t.checks, [](const CheckConstraint& c) { return c.name; });
        sort_by(t.foreign_keys, [](const ForeignKey& c) { return c.name; });
        sort_by(t.exclusions, [](const ExclusionConstraint& c) { return c.name; });
        unique_in_order(t.options);
    }
    sort_by(schema.indexes, k_by_name);
    for (Index& i : schema.indexes) {
        unique_in_order(i.options);
    }
    sort_by(schema.views, k_by_name);
    for (View& v : schema.views) {
        unique_in_order(v.options);
    }
    sort_by(schema.functions,
            [](const Function& f) { return std::make_tuple(f.name, f.identity_args()); });
    for (Function& f : schema.functions) {
        sort_strings(f.config);
    }
    sort_by(schema.triggers, [](const Trigger& t) { return std::tie(t.table, t.name); });
    sort_by(schema.policies, [](const Policy& p) { return std::tie(p.table, p.name); });
    for (Policy& p : schema.policies) {
        sort_strings(p.roles);
    }
    for (Grant& g : schema.grants) {
        sort_strings(g.privileges);
    }
    sort_by(schema.grants, [](const Grant& g) {
        return std::make_tuple(g.object, g.grantee, g.with_grant_option, g.privileges);
    });
    for (Revoke& r : schema.revokes) {
        sort_strings(r.privileges);
    }
    sort_by(schema.revokes,
            [](const Revoke& r) { return std::make_tuple(r.object, r.grantee, r.privileges); });
    sort_by(schema.comments, [](const Comment& c) { return c.object; });
    sort_by(schema.owners, [](const Owner& o) { return o.object; });
    sort_by(schema.resources, [](const Resource& r) { return std::tie(r.kind, r.name); });
}

Schema without_hints(Schema schema) {
    schema.renames.clear();
    schema.transforms.clear();
    schema.drops.clear();
    return schema;
}

} // namespace qail::model
