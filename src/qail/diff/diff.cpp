#include "diff.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <tuple>

#include <qail/base/strings.hpp>
#include <qail/model/naming.hpp>
#include <qail/model/types.hpp>
#include <qail/sql/normalize.hpp>

namespace qail::diff {

using model::QualifiedName;

std::string UnconfirmedDrop::hint() const {
    if (column.empty()) {
        return "drop table " + table.display() + " confirm";
    }
    return "drop " + table.display() + "." + column + " confirm";
}

static bool same_parameters(std::vector<std::string> a, std::vector<std::string> b) {
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    return a == b;
}

bool same_expression(const std::string& a, const std::string& b, bool loose) {
    if (a == b) {
        return true;
    }
    if (!loose) {
        return false;
    }
    auto ka = sql::expression_key(a);
    auto kb = sql::expression_key(b);
    return ka && kb && *ka == *kb;
}

namespace {

bool same_optional_expression(const std::optional<std::string>& a,
                              const std::optional<std::string>& b, bool loose) {
    if (a.has_value() != b.has_value()) {
        return false;
    }
    return !a || same_expression(*a, *b, loose);
}

// ---------------------------------------------------------------- renames

void rename_table_refs(model::Schema& s, const QualifiedName& from, const QualifiedName& to) {
    auto fix = [&](QualifiedName& n) {
        if (n == from) {
            n = to;
        }
    };
    for (model::Table& t : s.tables) {
        fix(t.name);
        for (auto& fk : t.foreign_keys) {
            fix(fk.ref_table);
        }
        if (t.partition_of) {
            fix(t.partition_of->parent);
        }
    }
    for (model::Index& i : s.indexes) {
        fix(i.table);
    }
    for (model::Trigger& t : s.triggers) {
        fix(t.table);
    }
    for (model::Policy& p : s.policies) {
        fix(p.table);
    }
    for (model::Sequence& q : s.sequences) {
        if (q.owned_by_table) {
            fix(*q.owned_by_table);
        }
    }
    auto fix_ref = [&](model::ObjectRef& o) {
        if (o.kind == model::ObjectKind::table || o.kind == model::ObjectKind::column ||
            o.kind == model::ObjectKind::trigger || o.kind == model::ObjectKind::policy ||
            o.kind == model::ObjectKind::constraint) {
            fix(o.name);
        }
    };
    for (auto& g : s.grants) {
        fix_ref(g.object);
    }
    for (auto& r : s.revokes) {
        fix_ref(r.object);
    }
    for (auto& c : s.comments) {
        fix_ref(c.object);
    }
    for (auto& o : s.owners) {
        fix_ref(o.object);
    }
}

void rename_column_refs(model::Schema& s, const QualifiedName& table, const std::string& from,
                        const std::string& to) {
    auto fix = [&](std::string& c) {
        if (c == from) {
            c = to;
        }
    };
    auto fix_all = [&](std::vector<std::string>& cs) {
        for (auto& c : cs) {
            fix(c);
        }
    };
    for (model::Table& t : s.tables) {
        if (t.name == table) {
            for (auto& c : t.columns) {
                fix(c.name);
            }
            if (t.primary_key) {
                fix_all(t.primary_key->columns);
                fix_all(t.primary_key->include);
            }
            for (auto& u : t.uniques) {
                fix_all(u.columns);
                fix_all(u.include);
            }
            for (auto& fk : t.foreign_keys) {
                fix_all(fk.columns);
            }
            for (auto& x : t.exclusions) {
                for (auto& e : x.elements) {
                    if (!e.element.is_expression) {
                        fix(e.element.key);
                    }
                }
                fix_all(x.include);
            }
        }
        for (auto& fk : t.foreign_keys) {
            if (fk.ref_table == table) {
                fix_all(fk.ref_columns);
            }
        }
    }
    for (model::Index& i : s.indexes) {
        if (i.table == table) {
            for (auto& e : i.elements) {
                if (!e.is_expression) {
                    fix(e.key);
                }
            }
            fix_all(i.include);
        }
    }
    for (model::Trigger& t : s.triggers) {
        if (t.table == table) {
            fix_all(t.update_columns);
        }
    }
    for (model::Sequence& q : s.sequences) {
        if (q.owned_by_table && *q.owned_by_table == table && q.owned_by_column) {
            fix(*q.owned_by_column);
        }
    }
    auto fix_ref = [&](model::ObjectRef& o) {
        if (o.kind == model::ObjectKind::column && o.name == table) {
            fix(o.member);
        }
    };
    for (auto& g : s.grants) {
        fix_ref(g.object);
    }
    for (auto& c : s.comments) {
        fix_ref(c.object);
    }
}

// The sequence a column uses the way `serial` would make it: a column of the
// serial's base type whose default is nextval() of a sequence with the serial
// name, owned by the column and with default options. Such a column is a
// serial spelt out (pull spells it out when the sequence carries a grant).
const model::Sequence* spelt_out_serial(const model::Schema& s, const model::Table& t,
                                        const model::Column& c) {
    if (model::is_serial_type(c.type) || !c.default_expr || c.generated_expr ||
        c.identity != model::IdentityKind::none) {
        return nullptr;
    }
    QualifiedName seq_name{t.name.schema,
                           model::default_serial_sequence_name(t.name.name, c.name)};
    const model::Sequence* q = s.find_sequence(seq_name);
    if (q == nullptr || !q->owned_by_table || *q->owned_by_table != t.name ||
        q->owned_by_column != c.name) {
        return nullptr;
    }
    model::SequenceOptions expected;
    if (c.type != "bigint") {
        expected.data_type = c.type;
    }
    if (!(q->options == expected)) {
        return nullptr;
    }
    std::optional<std::string> named = model::nextval_sequence_text(*c.default_expr);
    if (!named) {
        return nullptr;
    }
    std::string plain = seq_name.schema == "public" ? seq_name.name
                                                    : seq_name.schema + "." + seq_name.name;
    if (*named != plain && *named != seq_name.schema + "." + seq_name.name) {
        return nullptr;
    }
    return q;
}

// A column of `from` that `to` spells the other way (serial against a
// spelt-out serial, see spelt_out_serial).
struct SerialSpelling {
    QualifiedName table;
    std::string column;
};

// Finds the columns whose two sides are the same serial spelt two ways, so
// the diff can show only what really differs (a grant on the sequence), not a
// reshaping that changes nothing.
std::vector<SerialSpelling> serial_spellings(const model::Schema& from, const model::Schema& to) {
    std::vector<SerialSpelling> out;
    for (const model::Table& ft : from.tables) {
        // only a serial or a nextval() default can be spelt the other way; most
        // tables have neither, and looking up a dropped table costs a scan
        auto candidate = [](const model::Column& c) {
            return model::is_serial_type(c.type) ||
                   (c.default_expr && c.default_expr->starts_with("nextval("));
        };
        if (std::none_of(ft.columns.begin(), ft.columns.end(), candidate)) {
            continue;
        }
        const model::Table* tt = to.find_table(ft.name);
        if (tt == nullptr) {
            continue;
        }
        for (const model::Column& fc : ft.columns) {
            if (!candidate(fc)) {
                continue;
            }
            const model::Column* tc = tt->find_column(fc.name);
            if (tc == nullptr || model::is_serial_type(fc.type) == model::is_serial_type(tc->type)) {
                continue;
            }
            bool aligned =
                model::is_serial_type(tc->type)
                    ? spelt_out_serial(from, ft, fc) != nullptr &&
                          model::serial_base_type(tc->type) == fc.type
                    : spelt_out_serial(to, *tt, *tc) != nullptr &&
                          model::serial_base_type(fc.type) == tc->type &&
                          from.find_sequence(spelt_out_serial(to, *tt, *tc)->name) == nullptr;
            if (aligned) {
                out.push_back({ft.name, fc.name});
            }
        }
    }
    return out;
}

// Rewrites those columns of `from` into `to`'s spelling.
void align_serial_spellings(model::Schema& from, const model::Schema& to,
                            const std::vector<SerialSpelling>& spellings) {
    for (const SerialSpelling& sp : spellings) {
        model::Table& ft = *from.find_table(sp.table);
        const model::Table& tt = *to.find_table(sp.table);
        model::Column& fc = *ft.find_column(sp.column);
        const model::Column& tc = *tt.find_column(sp.column);
        if (model::is_serial_type(tc.type)) {
            QualifiedName seq = spelt_out_serial(from, ft, fc)->name;
            fc.type = tc.type;
            fc.default_expr.reset();
            std::erase_if(from.sequences, [&](const model::Sequence& x) { return x.name == seq; });
        } else {
            model::Sequence copy = *spelt_out_serial(to, tt, tc);
            copy.origin = {};
            fc.type = tc.type;
            fc.default_expr = tc.default_expr;
            from.sequences.push_back(std::move(copy));
        }
    }
}

// Applies the renames of `to` to a copy of `from`; returns the renames that apply.
std::vector<model::RenameHint> apply_renames(model::Schema& from, const model::Schema& to) {
    std::vector<model::RenameHint> applied;
    for (const model::RenameHint& h : to.renames) {
        using T = model::RenameHint::Target;
        switch (h.target) {
        case T::table:
            if (from.find_table(h.from) != nullptr && from.find_table(h.to) == nullptr &&
                to.find_table(h.to) != nullptr) {
                rename_table_refs(from, h.from, h.to);
                applied.push_back(h);
            }
            break;
        case T::column: {
            // the table may be named by its old or its new name
            QualifiedName table = h.to;
            model::Table* t = from.find_table(table);
            if (t == nullptr) {
                table = h.from;
                t = from.find_table(table);
            }
            const model::Table* target = to.find_table(h.to);
            if (target == nullptr) {
                target = to.find_table(h.from);
            }
            if (t == nullptr || target == nullptr) {
                break;
            }
            if (t->find_column(h.from_column) != nullptr &&
                t->find_column(h.to_column) == nullptr &&
                target->find_column(h.to_column) != nullptr) {
                rename_column_refs(from, t->name, h.from_column, h.to_column);
                model::RenameHint r = h;
                r.from = t->name;
                r.to = t->name;
                applied.push_back(r);
            }
            break;
        }
        case T::index:
            for (model::Index& i : from.indexes) {
                if (i.name == h.from && from.find_index(h.to) == nullptr &&
                    to.find_index(h.to) != nullptr) {
                    i.name = h.to;
                    applied.push_back(h);
                    break;
                }
            }
            break;
        case T::view:
            for (model::View& v : from.views) {
                if (v.name == h.from && from.find_view(h.to) == nullptr &&
                    to.find_view(h.to) != nullptr) {
                    v.name = h.to;
                    applied.push_back(h);
                    break;
                }
            }
            break;
        case T::sequence:
            for (model::Sequence& q : from.sequences) {
                if (q.name == h.from && from.find_sequence(h.to) == nullptr &&
                    to.find_sequence(h.to) != nullptr) {
                    q.name = h.to;
                    applied.push_back(h);
                    break;
                }
            }
            break;
        case T::type: {
            bool done = false;
            for (model::EnumType& e : from.enums) {
                if (!done && e.name == h.from && to.find_enum(h.to) != nullptr) {
                    e.name = h.to;
                    done = true;
                }
            }
            for (model::Domain& d : from.domains) {
                if (!done && d.name == h.from && to.find_domain(h.to) != nullptr) {
                    d.name = h.to;
                    done = true;
                }
            }
            for (model::CompositeType& c : from.composite_types) {
                if (!done && c.name == h.from && to.find_composite_type(h.to) != nullptr) {
                    c.name = h.to;
                    done = true;
                }
            }
            if (done) {
                // columns of the renamed type follow it
                std::string old_text = h.from.schema == model::k_default_schema
                                           ? h.from.name
                                           : h.from.schema + "." + h.from.name;
                std::string new_text = h.to.schema == model::k_default_schema
                                           ? h.to.name
                                           : h.to.schema + "." + h.to.name;
                for (model::Table& t : from.tables) {
                    for (model::Column& c : t.columns) {
                        if (c.type == old_text) {
                            c.type = new_text;
                        } else if (c.type == old_text + "[]") {
                            c.type = new_text + "[]";
                        }
                    }
                }
                applied.push_back(h);
            }
            break;
        }
        case T::function:
        case T::schema:
            break; // not supported as hints: the plain diff handles them
        }
    }
    if (!applied.empty()) {
        model::normalize(from);
    }
    return applied;
}

// ---------------------------------------------------------------- matching

// Calls on(a, b) for every key in either list (a or b null when missing), in key order.
template <typename T, typename Key, typename On>
void match(const std::vector<T>& a, const std::vector<T>& b, Key key, On on) {
    std::vector<const T*> pa;
    std::vector<const T*> pb;
    pa.reserve(a.size());
    pb.reserve(b.size());
    for (const T& x : a) {
        pa.push_back(&x);
    }
    for (const T& x : b) {
        pb.push_back(&x);
    }
    auto less = [&](const T* x, const T* y) { return key(*x) < key(*y); };
    if (!std::is_sorted(pa.begin(), pa.end(), less)) {
        std::stable_sort(pa.begin(), pa.end(), less);
    }
    if (!std::is_sorted(pb.begin(), pb.end(), less)) {
        std::stable_sort(pb.begin(), pb.end(), less);
    }
    size_t i = 0;
    size_t j = 0;
    while (i < pa.size() || j < pb.size()) {
        if (j == pb.size() || (i < pa.size() && key(*pa[i]) < key(*pb[j]))) {
            on(pa[i++], nullptr);
        } else if (i == pa.size() || key(*pb[j]) < key(*pa[i])) {
            on(nullptr, pb[j++]);
        } else {
            on(pa[i++], pb[j++]);
        }
    }
}

class Differ {
public:
    Differ(const model::Schema& from, const model::Schema& to, const Options& options,
           Result& result)
        : m_from(from), m_to(to), m_loose(options.loose_expressions),
          m_owners_complete(options.owners_complete), m_result(result) {}

    void run();

private:
    template <typename T>
    void add(Action action, What what, const T* from, const T* to,
             const QualifiedName& table = {}) {
        Change c;
        c.action = action;
        c.what = what;
        c.table = table;
        if (from != nullptr) {
            c.from = from;
        }
        if (to != nullptr) {
            c.to = to;
        }
        m_result.changes.push_back(std::move(c));
    }

    // Generic create/drop/alter for keyed objects.
    template <typename T, typename Key, typename Same>
    void simple(const std::vector<T>& a, const std::vector<T>& b, What what, Key key, Same same) {
        match(a, b, key, [&](const T* x, const T* y) {
            if (x == nullptr) {
                add(Action::create, what, x, y);
            } else if (y == nullptr) {
                add(Action::drop, what, x, y);
            } else if (!same(*x, *y)) {
                add(Action::alter, what, x, y);
            }
        });
    }

    void tables();
    void table(const model::Table& a, const model::Table& b);
    bool same_column(const model::Column& a, const model::Column& b) const;
    bool same_index(const model::Index& a, const model::Index& b) const;
    bool same_view(const model::View& a, const model::View& b) const;
    bool same_function(const model::Function& a, const model::Function& b) const;
    bool drop_confirmed(const QualifiedName& table, const std::string& column) const;

    const model::Schema& m_from;
    const model::Schema& m_to;
    bool m_loose;
    bool m_owners_complete;
    Result& m_result;
};

bool Differ::drop_confirmed(const QualifiedName& table, const std::string& column) const {
    for (const model::DropHint& h : m_to.drops) {
        if (!h.confirmed) {
            continue;
        }
        if (column.empty() && h.target == model::DropHint::Target::table && h.name == table) {
            return true;
        }
        if (!column.empty() && h.target == model::DropHint::Target::column && h.name == table &&
            h.member == column) {
            return true;
        }
    }
    return false;
}

bool Differ::same_column(const model::Column& a, const model::Column& b) const {
    return a.name == b.name && a.type == b.type && a.not_null == b.not_null &&
           same_optional_expression(a.default_expr, b.default_expr, m_loose) &&
           a.identity == b.identity &&
           (a.identity == model::IdentityKind::none || a.identity_options == b.identity_options) &&
           same_optional_expression(a.generated_expr, b.generated_expr, m_loose) &&
           a.collation == b.collation && a.storage == b.storage && a.compression == b.compression;
}

bool Differ::same_index(const model::Index& x, const model::Index& y) const {
    if (x.name == y.name && x == y) {
        return true;
    }
    if (x.table != y.table || x.unique != y.unique || x.elements.size() != y.elements.size()) {
        return false;
    }
    model::Index a = x;
    model::Index b = y;
    if (m_loose) {
        for (size_t i = 0; i < a.elements.size() && i < b.elements.size(); ++i) {
            if (a.elements[i].is_expression && b.elements[i].is_expression &&
                same_expression(a.elements[i].key, b.elements[i].key, true)) {
                b.elements[i].key = a.elements[i].key;
            }
        }
        if (a.where && b.where && same_expression(*a.where, *b.where, true)) {
            b.where = a.where;
        }
    }
    a.name = b.name;
    if (same_parameters(a.options, b.options)) {
        a.options = b.options;
    }
    return a == b;
}

bool Differ::same_view(const model::View& a, const model::View& b) const {
    model::View x = a;
    if (same_parameters(x.options, b.options)) {
        x.options = b.options;
    }
    if (x == b) {
        return true;
    }
    if (!m_loose) {
        return false;
    }
    x.definition = b.definition;
    if (!(x == b)) {
        return false;
    }
    auto ka = sql::statement_key(a.definition);
    auto kb = sql::statement_key(b.definition);
    return ka && kb && *ka == *kb;
}

bool Differ::same_function(const model::Function& a, const model::Function& b) const {
    if (a == b) {
        return true;
    }
    if (!m_loose) {
        return false;
    }
    model::Function x = a;
    x.body = b.body;
    return x == b && trim(a.body) == trim(b.body);
}

void Differ::table(const model::Table& a, const model::Table& b) {
    const QualifiedName& tn = b.name;
    // whole-table properties
    bool props_differ = a.partition_by != b.partition_by || a.partition_of != b.partition_of ||
                        a.unlogged != b.unlogged || a.rls_enabled != b.rls_enabled ||
                        a.rls_forced != b.rls_forced || !same_parameters(a.options, b.options);
    if (props_differ) {
        add(Action::alter, What::table, &a, &b, tn);
    }
    // columns
    for (const model::Column& c : a.columns) {
        const model::Column* d = b.find_column(c.name);
        if (d == nullptr) {
            add(Action::drop, What::column, &c, static_cast<const model::Column*>(nullptr), tn);
            if (!drop_confirmed(a.name, c.name) && !drop_confirmed(tn, c.name)) {
                m_result.unconfirmed_drops.push_back({tn, c.name});
            }
        } else if (!same_column(c, *d)) {
            add(Action::alter, What::column, &c, d, tn);
        }
    }
    for (const model::Column& d : b.columns) {
        if (a.find_column(d.name) == nullptr) {
            add(Action::create, What::column, static_cast<const model::Column*>(nullptr), &d, tn);
        }
    }
    // primary key
    if (a.primary_key != b.primary_key) {
        if (a.primary_key && b.primary_key) {
            model::PrimaryKey x = *a.primary_key;
            x.name = b.primary_key->name;
            if (x == *b.primary_key) {
                add(Action::rename, What::primary_key, &*a.primary_key, &*b.primary_key, tn);
            } else {
                add(Action::alter, What::primary_key, &*a.primary_key, &*b.primary_key, tn);
            }
        } else if (a.primary_key) {
            add(Action::drop, What::primary_key, &*a.primary_key,
                static_cast<const model::PrimaryKey*>(nullptr), tn);
        } else {
            add(Action::create, What::primary_key, static_cast<const model::PrimaryKey*>(nullptr),
                &*b.primary_key, tn);
        }
    }
    // named constraints: same name -> alter; a dropped and a created one that
    // differ only in name -> rename
    auto constraints = [&](const auto& xs, const auto& ys, What what, auto same) {
        using T = std::decay_t<decltype(xs.front())>;
        std::vector<const T*> dropped;
        std::vector<const T*> created;
        match(xs, ys, [](const T& c) -> const std::string& { return c.name; },
              [&](const T* x, const T* y) {
                  if (x == nullptr) {
                      created.push_back(y);
                  } else if (y == nullptr) {
                      dropped.push_back(x);
                  } else if (!same(*x, *y)) {
                      add(Action::alter, what, x, y, tn);
                  }
              });
        for (const T* x : dropped) {
            auto it = std::find_if(created.begin(), created.end(), [&](const T* y) {
                if (y == nullptr) {
                    return false;
                }
                T copy = *x;
                copy.name = y->name;
                return same(copy, *y);
            });
            if (it != created.end()) {
                add(Action::rename, what, x, *it, tn);
                *it = nullptr;
            } else {
                add(Action::drop, what, x, static_cast<const T*>(nullptr), tn);
            }
        }
        for (const T* y : created) {
            if (y != nullptr) {
                add(Action::create, what, static_cast<const T*>(nullptr), y, tn);
            }
        }
    };
    constraints(a.uniques, b.uniques, What::unique,
                [](const model::UniqueConstraint& x, const model::UniqueConstraint& y) {
                    return x == y;
                });
    constraints(a.checks, b.checks, What::check,
                [this](const model::CheckConstraint& x, const model::CheckConstraint& y) {
                    return x.name == y.name && x.no_inherit == y.no_inherit &&
                           x.not_valid == y.not_valid &&
                           same_expression(x.expression, y.expression, m_loose);
                });
    constraints(a.foreign_keys, b.foreign_keys, What::foreign_key,
                [](const model::ForeignKey& x, const model::ForeignKey& y) { return x == y; });
    constraints(a.exclusions, b.exclusions, What::exclusion,
                [](const model::ExclusionConstraint& x, const model::ExclusionConstraint& y) {
                    return x == y;
                });
}

void Differ::tables() {
    match(m_from.tables, m_to.tables, [](const model::Table& t) -> const QualifiedName& {
        return t.name;
    },
          [&](const model::Table* a, const model::Table* b) {
              if (a == nullptr) {
                  add(Action::create, What::table, a, b, b->name);
              } else if (b == nullptr) {
                  add(Action::drop, What::table, a, b, a->name);
                  if (!drop_confirmed(a->name, "")) {
                      m_result.unconfirmed_drops.push_back({a->name, ""});
                  }
              } else if (a->partition_by.has_value() != b->partition_by.has_value() ||
                         (a->partition_of.has_value() != b->partition_of.has_value())) {
                  // a plain table cannot become partitioned (or a partition) in place
                  add(Action::drop, What::table, a, static_cast<const model::Table*>(nullptr),
                      a->name);
                  add(Action::create, What::table, static_cast<const model::Table*>(nullptr), b,
                      b->name);
                  if (!drop_confirmed(a->name, "")) {
                      m_result.unconfirmed_drops.push_back({a->name, ""});
                  }
              } else if (!(*a == *b)) {
                  table(*a, *b);
              }
          });
}

void Differ::run() {
    const auto by_name = [](const auto& x) -> const QualifiedName& { return x.name; };
    const auto eq = [](const auto& x, const auto& y) { return x == y; };

    simple(m_from.extensions, m_to.extensions, What::extension,
           [](const model::Extension& e) -> const std::string& { return e.name; },
           [](const model::Extension& x, const model::Extension& y) {
               // an unpinned version in the file matches whatever is installed
               return x.name == y.name && x.schema == y.schema &&
                      (!y.version || x.version == y.version);
           });
    simple(m_from.schemas, m_to.schemas, What::schema,
           [](const model::SchemaDef& s) -> const std::string& { return s.name; }, eq);
    simple(m_from.enums, m_to.enums, What::enum_type, by_name, eq);
    simple(m_from.domains, m_to.domains, What::domain, by_name,
           [this](const model::Domain& x, const model::Domain& y) {
               if (!(x.name == y.name && x.base_type == y.base_type && x.not_null == y.not_null &&
                     x.collation == y.collation &&
                     same_optional_expression(x.default_expr, y.default_expr, m_loose) &&
                     x.checks.size() == y.checks.size())) {
                   return false;
               }
               for (size_t i = 0; i < x.checks.size(); ++i) {
                   if (x.checks[i].name != y.checks[i].name ||
                       x.checks[i].not_valid != y.checks[i].not_valid ||
                       !same_expression(x.checks[i].expression, y.checks[i].expression,
                                        m_loose)) {
                       return false;
                   }
               }
               return true;
           });
    simple(m_from.composite_types, m_to.composite_types, What::composite_type, by_name, eq);
    simple(m_from.sequences, m_to.sequences, What::sequence, by_name, eq);
    simple(m_from.functions, m_to.functions, What::function,
           [](const model::Function& f) { return std::make_tuple(f.name, f.identity_args()); },
           [this](const model::Function& x, const model::Function& y) {
               return same_function(x, y);
           });
    tables();
    // indexes: same definition under another name -> rename
    {
        std::vector<const model::Index*> dropped;
        std::vector<const model::Index*> created;
        match(m_from.indexes, m_to.indexes, by_name,
              [&](const model::Index* x, const model::Index* y) {
                  if (x == nullptr) {
                      created.push_back(y);
                  } else if (y == nullptr) {
                      dropped.push_back(x);
                  } else if (!same_index(*x, *y)) {
                      add(Action::alter, What::index, x, y);
                  }
              });
        for (const model::Index* x : dropped) {
            auto it = std::find_if(created.begin(), created.end(), [&](const model::Index* y) {
                return y != nullptr && same_index(*x, *y);
            });
            if (it != created.end()) {
                add(Action::rename, What::index, x, *it);
                *it = nullptr;
            } else {
                add(Action::drop, What::index, x, static_cast<const model::Index*>(nullptr));
            }
        }
        for (const model::Index* y : created) {
            if (y != nullptr) {
                add(Action::create, What::index, static_cast<const model::Index*>(nullptr), y);
            }
        }
    }
    simple(m_from.views, m_to.views, What::view, by_name,
           [this](const model::View& x, const model::View& y) { return same_view(x, y); });
    simple(m_from.triggers, m_to.triggers, What::trigger,
           [](const model::Trigger& t) { return std::tie(t.table, t.name); }, eq);
    simple(m_from.policies, m_to.policies, What::policy,
           [](const model::Policy& p) { return std::tie(p.table, p.name); },
           [this](const model::Policy& x, const model::Policy& y) {
               return x.name == y.name && x.table == y.table && x.command == y.command &&
                      x.permissive == y.permissive && x.roles == y.roles &&
                      same_optional_expression(x.using_expr, y.using_expr, m_loose) &&
                      same_optional_expression(x.check_expr, y.check_expr, m_loose);
           });
    // grants and revokes: per object and grantee; the plan diffs privilege sets
    simple(m_from.grants, m_to.grants, What::grant,
           [](const model::Grant& g) {
               return std::make_tuple(g.object, g.grantee, g.with_grant_option);
           },
           eq);
    simple(m_from.revokes, m_to.revokes, What::revoke,
           [](const model::Revoke& r) { return std::make_tuple(r.object, r.grantee); }, eq);
    simple(m_from.comments, m_to.comments, What::comment,
           [](const model::Comment& c) -> const model::ObjectRef& { return c.object; }, eq);
    // owners: an object without an owner statement keeps its owner (no drop)
    match(m_from.owners, m_to.owners,
          [](const model::Owner& o) -> const model::ObjectRef& { return o.object; },
          [&](const model::Owner* x, const model::Owner* y) {
              if (y != nullptr && (x == nullptr || x->role != y->role)) {
                  add(x == nullptr ? Action::create : Action::alter, What::owner, x, y);
              } else if (y == nullptr && m_owners_complete) {
                  add(Action::drop, What::owner, x, y);
              }
          });

    // transforms that apply to a created or changed column
    for (const model::TransformHint& t : m_to.transforms) {
        for (const Change& c : m_result.changes) {
            if (c.what == What::column && c.table == t.table &&
                ((c.action == Action::create && c.to_as<model::Column>()->name == t.column) ||
                 (c.action == Action::alter && c.to_as<model::Column>()->name == t.column))) {
                m_result.transforms.push_back(t);
                break;
            }
        }
    }
}

} // namespace

Result diff(const model::Schema& from, const model::Schema& to, const Options& options) {
    Result result;
    bool any_rename = false;
    for (const model::RenameHint& h : to.renames) {
        any_rename = any_rename || (h.target == model::RenameHint::Target::column
                                        ? from.find_table(h.from) != nullptr ||
                                              from.find_table(h.to) != nullptr
                                        : true);
    }
    if (any_rename) {
        auto copy = std::make_shared<model::Schema>(model::without_hints(from));
        result.renames = apply_renames(*copy, to);
        align_serial_spellings(*copy, to, serial_spellings(*copy, to));
        result.renamed_from = std::move(copy);
    } else if (auto spellings = serial_spellings(from, to); !spellings.empty()) {
        auto copy = std::make_shared<model::Schema>(model::without_hints(from));
        align_serial_spellings(*copy, to, spellings);
        result.renamed_from = std::move(copy);
    } else {
        // no copy: an alias of the caller's schema that owns nothing
        result.renamed_from = std::shared_ptr<const model::Schema>(&from, [](const model::Schema*) {});
    }
    Differ differ(*result.renamed_from, to, options, result);
    differ.run();
    return result;
}

} // namespace qail::diff
