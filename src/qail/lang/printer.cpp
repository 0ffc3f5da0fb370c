// print_schema / print_split: the one canonical text of a model.

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include <qail/base/strings.hpp>
#include <qail/lang/schema_io.hpp>
#include <qail/lang/statements.hpp>
#include <qail/lang/syntax.hpp>
#include <qail/model/naming.hpp>
#include <qail/model/types.hpp>
#include <qail/sql/quote.hpp>

namespace qail::lang {

namespace {

using namespace std::string_view_literals;
using namespace std::string_literals;

// Which constraint names the text must spell out: those that differ from
// the name PostgreSQL (and normalize()) would pick when none is given.
struct NameFlags {
    bool pk = false;
    std::vector<bool> uniques;
    std::vector<bool> checks;
    std::vector<bool> fks;
    std::vector<bool> exclusions;
};

bool single_column_in(const model::Table& t, const std::vector<std::string>& columns) {
    return columns.size() == 1 && t.find_column(columns[0]) != nullptr;
}

// The one column a check expression mentions, or "".
std::string check_column(const model::Table& t, const model::CheckConstraint& c) {
    std::vector<std::string> names;
    names.reserve(t.columns.size());
    for (const model::Column& col : t.columns) {
        names.push_back(col.name);
    }
    std::vector<std::string> refs = model::referenced_columns(c.expression, names);
    return refs.size() == 1 ? refs.front() : std::string();
}

// Where each constraint of a table is printed: on a column line (inline) or
// as a table-level line. Indexes into the model's vectors, in print order.
struct Placement {
    bool pk_inline = false;
    std::vector<std::vector<size_t>> column_uniques; // per column
    std::vector<std::vector<size_t>> column_fks;
    std::vector<std::vector<size_t>> column_checks;
    std::vector<size_t> table_uniques;
    std::vector<size_t> table_fks;
    std::vector<size_t> table_checks;
};

bool default_deferral(const model::Deferral& d) {
    return !d.deferrable && !d.initially_deferred;
}

Placement place(const model::Table& t, const NameFlags& names) {
    Placement p;
    size_t n = t.columns.size();
    p.column_uniques.resize(n);
    p.column_fks.resize(n);
    p.column_checks.resize(n);
    auto column_index = [&](const std::string& name) -> size_t {
        for (size_t i = 0; i < n; ++i) {
            if (t.columns[i].name == name) {
                return i;
            }
        }
        return n;
    };
    if (t.primary_key) {
        const model::PrimaryKey& pk = *t.primary_key;
        p.pk_inline = !names.pk && single_column_in(t, pk.columns) && pk.include.empty() &&
                      default_deferral(pk.deferral);
    }
    for (size_t i = 0; i < t.uniques.size(); ++i) {
        const model::UniqueConstraint& u = t.uniques[i];
        if (!names.uniques[i] && single_column_in(t, u.columns) && u.include.empty() &&
            default_deferral(u.deferral)) {
            p.column_uniques[column_index(u.columns[0])].push_back(i);
        } else {
            p.table_uniques.push_back(i);
        }
    }
    for (size_t i = 0; i < t.foreign_keys.size(); ++i) {
        const model::ForeignKey& fk = t.foreign_keys[i];
        if (!names.fks[i] && single_column_in(t, fk.columns) && fk.ref_columns.size() <= 1) {
            p.column_fks[column_index(fk.columns[0])].push_back(i);
        } else {
            p.table_fks.push_back(i);
        }
    }
    for (size_t i = 0; i < t.checks.size(); ++i) {
        std::string column = check_column(t, t.checks[i]);
        size_t index = column.empty() ? n : column_index(column);
        if (index < n) {
            p.column_checks[index].push_back(i);
        } else {
            p.table_checks.push_back(i);
        }
    }
    return p;
}

template <typename T>
std::vector<T> reorder(const std::vector<T>& items, const std::vector<std::vector<size_t>>& inline_,
                       const std::vector<size_t>& table_level, std::vector<size_t>& order) {
    std::vector<T> out;
    out.reserve(items.size());
    for (const auto& list : inline_) {
        for (size_t i : list) {
            out.push_back(items[i]);
            order.push_back(i);
        }
    }
    for (size_t i : table_level) {
        out.push_back(items[i]);
        order.push_back(i);
    }
    return out;
}

using NameMap = std::map<model::QualifiedName, NameFlags>;

// Could normalize() have given this name: name1_name2_label, or with a
// number after the label (label1, label2, ...), shortened to 63 bytes?
bool plausible_default(const std::string& name, std::string_view name1, std::string_view name2,
                       std::string_view label) {
    if (name.empty() || name == model::make_object_name(name1, name2, label)) {
        return true;
    }
    size_t digits = name.size();
    while (digits > 0 && name[digits - 1] >= '0' && name[digits - 1] <= '9') {
        --digits;
    }
    if (digits == name.size() || digits == 0) {
        return false;
    }
    std::string numbered = std::string(label) + name.substr(digits);
    return name == model::make_object_name(name1, name2, numbered);
}

// Decides which names to print by simulating the parser: drop the names we
// would omit, lay the constraints out in print order, normalise, and keep
// every name that does not come back unchanged. Omitting fewer names only
// makes the text more explicit, so this converges.
NameMap decide_names(const model::Schema& s) {
    NameMap flags;
    for (const model::Table& t : s.tables) {
        NameFlags f;
        f.uniques.assign(t.uniques.size(), false);
        f.checks.assign(t.checks.size(), false);
        f.fks.assign(t.foreign_keys.size(), false);
        f.exclusions.assign(t.exclusions.size(), false);
        // A name that is not of the form PostgreSQL gives can never come back
        // by itself: spell it out from the start.
        if (t.primary_key) {
            f.pk = !plausible_default(t.primary_key->name, t.name.name, "", "pkey");
        }
        for (size_t i = 0; i < t.uniques.size(); ++i) {
            f.uniques[i] = !plausible_default(t.uniques[i].name, t.name.name,
                                              model::name_addition(t.uniques[i].columns), "key");
        }
        for (size_t i = 0; i < t.foreign_keys.size(); ++i) {
            f.fks[i] = !plausible_default(t.foreign_keys[i].name, t.name.name,
                                          model::name_addition(t.foreign_keys[i].columns), "fkey");
        }
        for (size_t i = 0; i < t.checks.size(); ++i) {
            f.checks[i] = !plausible_default(t.checks[i].name, t.name.name,
                                             check_column(t, t.checks[i]), "check");
        }
        flags[t.name] = std::move(f);
    }
    for (int round = 0; round < 24; ++round) {
        // Only what naming looks at: relation names, column names and types
        // (serial sequences, checks' columns), and the constraints.
        model::Schema probe;
        probe.indexes.reserve(s.indexes.size());
        for (const model::Index& i : s.indexes) {
            model::Index light;
            light.name = i.name;
            light.table = i.table;
            probe.indexes.push_back(std::move(light));
        }
        for (const model::View& v : s.views) {
            model::View light;
            light.name = v.name;
            probe.views.push_back(std::move(light));
        }
        for (const model::Sequence& q : s.sequences) {
            model::Sequence light;
            light.name = q.name;
            probe.sequences.push_back(std::move(light));
        }
        struct Orders {
            std::vector<size_t> uniques, fks, checks;
        };
        std::vector<Orders> orders;
        probe.tables.reserve(s.tables.size());
        orders.reserve(s.tables.size());
        for (const model::Table& t : s.tables) {
            const NameFlags& f = flags[t.name];
            Placement p = place(t, f);
            model::Table copy;
            copy.name = t.name;
            copy.columns.reserve(t.columns.size());
            for (const model::Column& c : t.columns) {
                model::Column light;
                light.name = c.name;
                light.type = c.type;
                copy.columns.push_back(std::move(light));
            }
            copy.primary_key = t.primary_key;
            if (copy.primary_key && !f.pk) {
                copy.primary_key->name.clear();
            }
            Orders o;
            copy.uniques = reorder(t.uniques, p.column_uniques, p.table_uniques, o.uniques);
            copy.foreign_keys = reorder(t.foreign_keys, p.column_fks, p.table_fks, o.fks);
            copy.checks = reorder(t.checks, p.column_checks, p.table_checks, o.checks);
            copy.exclusions = t.exclusions;
            for (size_t k = 0; k < copy.uniques.size(); ++k) {
                if (!f.uniques[o.uniques[k]]) {
                    copy.uniques[k].name.clear();
                }
                copy.uniques[k].origin.line = static_cast<int>(o.uniques[k]);
            }
            for (size_t k = 0; k < copy.foreign_keys.size(); ++k) {
                if (!f.fks[o.fks[k]]) {
                    copy.foreign_keys[k].name.clear();
                }
                copy.foreign_keys[k].origin.line = static_cast<int>(o.fks[k]);
            }
            for (size_t k = 0; k < copy.checks.size(); ++k) {
                if (!f.checks[o.checks[k]]) {
                    copy.checks[k].name.clear();
                }
                copy.checks[k].origin.line = static_cast<int>(o.checks[k]);
            }
            for (size_t k = 0; k < copy.exclusions.size(); ++k) {
                if (!f.exclusions[k]) {
                    copy.exclusions[k].name.clear();
                }
                copy.exclusions[k].origin.line = static_cast<int>(k);
            }
            copy.origin.line = static_cast<int>(orders.size());
            probe.tables.push_back(std::move(copy));
            orders.push_back(std::move(o));
        }
        // Names are assigned table by table in this order: primary key,
        // uniques, exclusions, checks, foreign keys (each in print order). Only
        // the first wrong one of a table surely needs spelling out: the ones
        // after it may merely have lost their name to it. The final rounds
        // spell out every wrong one, so the loop always ends.
        model::normalize(probe);
        bool changed = false;
        bool all_at_once = round >= 16;
        for (const model::Table& copy : probe.tables) {
            const model::Table* original = s.find_table(copy.name);
            if (original == nullptr) {
                continue;
            }
            NameFlags& f = flags[copy.name];
            struct Wrong {
                int kind;     // assignment order of the kind
                size_t order; // position in print order
                std::vector<bool>* spell;
                size_t index;
            };
            std::vector<Wrong> wrong;
            if (copy.primary_key && original->primary_key && !f.pk &&
                copy.primary_key->name != original->primary_key->name) {
                wrong.push_back(Wrong{0, 0, nullptr, 0});
            }
            auto check = [&](int kind, const auto& copies, const auto& originals,
                             const std::vector<size_t>* print_order, std::vector<bool>& spell) {
                for (const auto& c : copies) {
                    auto index = static_cast<size_t>(c.origin.line);
                    if (index < originals.size() && !spell[index] &&
                        c.name != originals[index].name) {
                        size_t position = index;
                        if (print_order != nullptr) {
                            position = static_cast<size_t>(
                                std::find(print_order->begin(), print_order->end(), index) -
                                print_order->begin());
                        }
                        wrong.push_back(Wrong{kind, position, &spell, index});
                    }
                }
            };
            const Orders& o = orders[static_cast<size_t>(copy.origin.line)];
            check(1, copy.uniques, original->uniques, &o.uniques, f.uniques);
            check(2, copy.exclusions, original->exclusions, nullptr, f.exclusions);
            check(3, copy.checks, original->checks, &o.checks, f.checks);
            check(4, copy.foreign_keys, original->foreign_keys, &o.fks, f.fks);
            if (wrong.empty()) {
                continue;
            }
            changed = true;
            std::sort(wrong.begin(), wrong.end(), [](const Wrong& a, const Wrong& b) {
                return std::tie(a.kind, a.order) < std::tie(b.kind, b.order);
            });
            size_t count = all_at_once ? wrong.size() : 1;
            for (size_t k = 0; k < count; ++k) {
                if (wrong[k].spell == nullptr) {
                    f.pk = true;
                } else {
                    (*wrong[k].spell)[wrong[k].index] = true;
                }
            }
        }
        if (!changed) {
            break;
        }
    }
    return flags;
}

// ---- small printers ----------------------------------------------------

std::string ident_list(const std::vector<std::string>& names) {
    std::string out = "(";
    for (size_t i = 0; i < names.size(); ++i) {
        if (i > 0) {
            out += ", ";
        }
        out += qail_ident(names[i]);
    }
    return out + ")";
}

// A name that may hold "schema.name" (collations, operator classes).
std::string dotted_name(std::string_view name) {
    size_t dot = name.find('.');
    if (dot == std::string_view::npos) {
        return qail_ident(name);
    }
    return qail_ident(name.substr(0, dot)) + "." + qail_ident(name.substr(dot + 1));
}

bool bare_word(std::string_view text, bool allow_dot) {
    if (text.empty()) {
        return false;
    }
    for (char c : text) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || (allow_dot && c == '.');
        if (!ok) {
            return false;
        }
    }
    return true;
}

std::string single_quoted(std::string_view text) {
    return sql::quote_literal(text);
}

std::string raw_slot(std::string_view expr, const ScanStops& stops) {
    if (fits_raw_slot(expr, stops)) {
        return std::string(expr);
    }
    return backticked(expr);
}

std::string paren_slot(std::string_view expr) {
    ScanStops stops;
    stops.close_paren = true;
    stops.line = false;
    if (fits_raw_slot(expr, stops)) {
        return "(" + std::string(expr) + ")";
    }
    return "(" + backticked(expr) + ")";
}

std::string check_slot(std::string_view expr) {
    ScanStops stops;
    stops.close_paren = true;
    stops.line = false;
    if (fits_raw_slot(expr, stops) && rewrite_check_shorthand(std::string(expr)) == expr) {
        return "(" + std::string(expr) + ")";
    }
    return "(" + backticked(expr) + ")";
}

std::string deferral(const model::Deferral& d) {
    if (d.initially_deferred) {
        return " initially_deferred";
    }
    if (d.deferrable) {
        return " deferrable";
    }
    return {};
}

std::string sequence_options(const model::SequenceOptions& o) {
    std::string out;
    auto add = [&](const char* name, const std::optional<long long>& v) {
        if (v) {
            out += fmt::format(" {} {}", name, *v);
        }
    };
    add("start", o.start);
    add("increment", o.increment);
    add("minvalue", o.min_value);
    add("maxvalue", o.max_value);
    add("cache", o.cache);
    if (o.cycle) {
        out += " cycle";
    }
    if (o.data_type) {
        out += " as " + *o.data_type;
    }
    return out;
}

bool empty_options(const model::SequenceOptions& o) {
    return !o.start && !o.increment && !o.min_value && !o.max_value && !o.cache && !o.cycle &&
           !o.data_type;
}

std::string storage_params(const std::vector<std::string>& options) {
    std::string out = "with (";
    for (size_t i = 0; i < options.size(); ++i) {
        if (i > 0) {
            out += ", ";
        }
        out += options[i];
    }
    return out + ")";
}

std::string table_target(const model::QualifiedName& table, const std::vector<std::string>& cols) {
    std::string out = qail_name(table);
    if (!cols.empty()) {
        out += ident_list(cols);
    }
    return out;
}

std::string fk_options(const model::ForeignKey& fk) {
    std::string out;
    if (fk.on_delete != model::FkAction::no_action) {
        out += " on_delete "s + model::to_qail(fk.on_delete);
    }
    if (fk.on_update != model::FkAction::no_action) {
        out += " on_update "s + model::to_qail(fk.on_update);
    }
    if (fk.match == model::FkMatch::full) {
        out += " match_full";
    } else if (fk.match == model::FkMatch::partial) {
        out += " match_partial";
    }
    out += deferral(fk.deferral);
    if (fk.not_valid) {
        out += " not_valid";
    }
    return out;
}

bool expression_element_fits(std::string_view key) {
    if (key.empty()) {
        return false;
    }
    ScanStops stops;
    stops.close_paren = true;
    stops.line = false;
    size_t open = 0;
    if (key[0] != '(') {
        // name or schema.name, then optional blanks, then "(" ... ")"
        size_t i = 0;
        for (int part = 0; part < 2; ++part) {
            if (i < key.size() && key[i] == '"') {
                ++i;
                while (i < key.size()) {
                    if (key[i] == '"') {
                        if (i + 1 < key.size() && key[i + 1] == '"') {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    ++i;
                }
                if (i >= key.size()) {
                    return false;
                }
                ++i;
            } else if (i < key.size() && is_ident_start(key[i])) {
                while (i < key.size() && is_ident_char(key[i])) {
                    ++i;
                }
            } else {
                return false;
            }
            if (part == 0 && i < key.size() && key[i] == '.') {
                ++i;
                continue;
            }
            break;
        }
        while (i < key.size() && is_blank(key[i])) {
            ++i;
        }
        if (i >= key.size() || key[i] != '(') {
            return false;
        }
        open = i;
    }
    ScanResult scan = scan_sql(key, open + 1, stops);
    return scan.ok && scan.end + 1 == key.size() && key.back() == ')';
}

std::string index_element(const model::IndexElement& e) {
    std::string out;
    if (!e.is_expression) {
        out = qail_ident(e.key);
    } else if (expression_element_fits(e.key)) {
        out = e.key;
    } else {
        out = backticked(e.key);
    }
    if (e.collation) {
        out += " collate " + dotted_name(*e.collation);
    }
    if (e.opclass) {
        out += " " + dotted_name(*e.opclass);
        if (e.opclass_params) {
            out += *e.opclass_params;
        }
    }
    if (e.descending) {
        out += " desc";
    }
    if (e.nulls_first) {
        out += *e.nulls_first ? " nulls first" : " nulls last";
    }
    return out;
}

std::string object_ref(const model::ObjectRef& ref) {
    using K = model::ObjectKind;
    auto with_args = [&](const char* kind) {
        std::string out = std::string(kind) + " " + qail_name(ref.name);
        if (ref.args != k_unresolved_args) {
            out += "(" + ref.args + ")";
        }
        return out;
    };
    switch (ref.kind) {
    case K::table:
        return "table " + qail_name(ref.name);
    case K::column:
        return "column " + qail_name(ref.name) + "." + qail_ident(ref.member);
    case K::view:
        return "view " + qail_name(ref.name);
    case K::materialized_view:
        return "materialized view " + qail_name(ref.name);
    case K::sequence:
        return "sequence " + qail_name(ref.name);
    case K::index:
        return "index " + qail_name(ref.name);
    case K::function:
        return with_args("function");
    case K::procedure:
        return with_args("procedure");
    case K::type:
        return "type " + qail_name(ref.name);
    case K::domain:
        return "domain " + qail_name(ref.name);
    case K::schema:
        return "schema " + qail_ident(ref.name.name);
    case K::extension:
        return "extension " + qail_ident(ref.name.name);
    case K::trigger:
        return "trigger " + qail_ident(ref.member) + " on " + qail_name(ref.name);
    case K::policy:
        return "policy " + qail_ident(ref.member) + " on " + qail_name(ref.name);
    case K::constraint:
        return "constraint " + qail_ident(ref.member) + " on " + qail_name(ref.name);
    case K::domain_constraint:
        return "constraint " + qail_ident(ref.member) + " on domain " + qail_name(ref.name);
    }
    return "table " + qail_name(ref.name);
}

std::string privileges(const model::ObjectRef& object, const std::vector<std::string>& list) {
    std::vector<std::string> all = model::all_privileges(object.kind);
    if (!all.empty() && list == all && all.size() > 1) {
        return "all";
    }
    std::string out;
    for (const std::string& p : list) {
        if (!out.empty()) {
            out += ", ";
        }
        out += to_lower(p);
    }
    return out;
}

// PUBLIC is the keyword; a role that is really called "public" needs quotes.
std::string role(const std::string& name) {
    if (name == "PUBLIC") {
        return "public";
    }
    return to_lower(name) == "public" ? double_quoted(name) : qail_ident(name);
}

std::string quoted_value(std::string_view text, bool allow_dot) {
    if (bare_word(text, allow_dot)) {
        return std::string(text);
    }
    return double_quoted(text);
}

std::string type_text(const std::string& type) {
    return type;
}

std::string returns_text(const model::Function& f) {
    const std::string& r = f.returns;
    if (r.rfind("SETOF ", 0) == 0) {
        return "setof " + r.substr(6);
    }
    if (r.rfind("TABLE(", 0) == 0) {
        std::string out = "table(";
        bool first = true;
        for (const model::FunctionArg& a : f.args) {
            if (a.mode != model::ArgMode::table) {
                continue;
            }
            if (!first) {
                out += ", ";
            }
            first = false;
            out += qail_ident(a.name) + " " + a.type;
        }
        return out + ")";
    }
    return r;
}

std::string number_text(double value) {
    return fmt::format("{}", value);
}

} // namespace

// ---- the printer -------------------------------------------------------

class Printer {
public:
    explicit Printer(const model::Schema& full) : m_names(decide_names(full)) {}

    std::string print(const model::Schema& s) {
        m_out.clear();
        m_section = Section::none;
        m_last_block = false;
        if (!s.origin.comments.empty()) {
            for (const std::string& c : s.origin.comments) {
                m_out += c + "\n";
            }
            m_out += "\n";
            m_header_done = true;
        }
        for (const auto& e : s.extensions) {
            extension(e);
        }
        for (const auto& d : s.schemas) {
            schema_def(d);
        }
        for (const auto& e : s.enums) {
            enum_type(e);
        }
        for (const auto& d : s.domains) {
            domain(d);
        }
        for (const auto& t : s.composite_types) {
            composite(t);
        }
        for (const auto& q : s.sequences) {
            sequence(q);
        }
        for (const auto& t : s.tables) {
            table(t);
        }
        for (const auto& i : s.indexes) {
            index(i);
        }
        for (const auto& v : s.views) {
            view(v);
        }
        for (const auto& f : s.functions) {
            function(f);
        }
        for (const auto& t : s.triggers) {
            trigger(t);
        }
        for (const auto& p : s.policies) {
            policy(p);
        }
        for (const auto& g : s.grants) {
            grant(g);
        }
        for (const auto& r : s.revokes) {
            revoke(r);
        }
        for (const auto& c : s.comments) {
            comment(c);
        }
        for (const auto& o : s.owners) {
            owner(o);
        }
        for (const auto& r : s.resources) {
            resource(r);
        }
        for (const auto& h : s.renames) {
            rename(h);
        }
        for (const auto& h : s.transforms) {
            transform(h);
        }
        for (const auto& h : s.drops) {
            drop(h);
        }
        if (!s.origin.closing_comments.empty()) {
            if (!m_out.empty() && !ends_with_blank_line()) {
                m_out += "\n";
            }
            for (const std::string& c : s.origin.closing_comments) {
                m_out += c + "\n";
            }
        }
        return m_out;
    }

private:
    enum class Section {
        none, extension, schema, type, sequence, table, index, view, function, trigger, policy,
        grant, comment, owner, resource, hint,
    };

    NameMap m_names;
    std::string m_out;
    Section m_section = Section::none;
    bool m_last_block = false;
    bool m_header_done = false;

    bool ends_with_blank_line() const {
        return m_out.size() >= 2 && m_out[m_out.size() - 1] == '\n' &&
               m_out[m_out.size() - 2] == '\n';
    }

    // Starts a statement: a blank line between sections, around blocks and
    // before commented statements; then its comment lines.
    void begin(Section section, bool block, const model::SourceRef& origin,
               bool closing_first = false) {
        bool has_comments = !origin.comments.empty() || (!block && !origin.closing_comments.empty());
        if (!m_out.empty() && !ends_with_blank_line() &&
            (section != m_section || block || m_last_block || has_comments)) {
            m_out += "\n";
        }
        m_section = section;
        m_last_block = block;
        for (const std::string& c : origin.comments) {
            m_out += c + "\n";
        }
        if (!block || closing_first) {
            for (const std::string& c : origin.closing_comments) {
                m_out += c + "\n";
            }
        }
    }

    void end_line(const model::SourceRef& origin) {
        if (!origin.trailing_comment.empty()) {
            m_out += "  " + origin.trailing_comment;
        }
        m_out += "\n";
    }

    void extension(const model::Extension& e) {
        begin(Section::extension, false, e.origin);
        m_out += "extension " + qail_ident(e.name);
        if (e.schema) {
            m_out += " schema " + qail_ident(*e.schema);
        }
        if (e.version) {
            m_out += " version " + quoted_value(*e.version, true);
        }
        end_line(e.origin);
    }

    void schema_def(const model::SchemaDef& d) {
        begin(Section::schema, false, d.origin);
        m_out += "schema " + qail_ident(d.name);
        end_line(d.origin);
    }

    void enum_type(const model::EnumType& e) {
        begin(Section::type, false, e.origin);
        m_out += "enum " + qail_name(e.name) + " { ";
        for (size_t i = 0; i < e.values.size(); ++i) {
            if (i > 0) {
                m_out += ", ";
            }
            const std::string& v = e.values[i];
            m_out += bare_word(v, false) ? v : single_quoted(v);
        }
        m_out += " }";
        end_line(e.origin);
    }

    void domain(const model::Domain& d) {
        begin(Section::type, false, d.origin);
        m_out += "domain " + qail_name(d.name) + " " + type_text(d.base_type);
        if (d.collation) {
            m_out += " collate " + dotted_name(*d.collation);
        }
        if (d.not_null) {
            m_out += " not_null";
        }
        if (d.default_expr) {
            static constexpr std::array k_domain_words = {
                "not_null"sv, "nullable"sv, "default"sv, "collate"sv, "check"sv,
                "check_name"sv, "not_valid"sv, "constraint"sv};
            ScanStops stops;
            stops.words = k_domain_words;
            m_out += " default " + raw_slot(*d.default_expr, stops);
        }
        for (const model::DomainCheck& c : d.checks) {
            m_out += " check " + paren_slot(c.expression);
            if (c.name != model::default_domain_check_name(d.name.name)) {
                m_out += " check_name " + qail_ident(c.name);
            }
            if (c.not_valid) {
                m_out += " not_valid";
            }
        }
        end_line(d.origin);
    }

    void composite(const model::CompositeType& t) {
        begin(Section::type, true, t.origin);
        m_out += "type " + qail_name(t.name) + " {";
        end_line(t.origin);
        for (const model::CompositeAttribute& a : t.attributes) {
            m_out += "  " + qail_ident(a.name) + " " + type_text(a.type);
            if (a.collation) {
                m_out += " collate " + dotted_name(*a.collation);
            }
            m_out += "\n";
        }
        for (const std::string& c : t.origin.closing_comments) {
            m_out += "  " + c + "\n";
        }
        m_out += "}\n";
    }

    void sequence(const model::Sequence& q) {
        begin(Section::sequence, false, q.origin);
        m_out += "sequence " + qail_name(q.name);
        std::string options = sequence_options(q.options);
        if (q.owned_by_table && q.owned_by_column) {
            model::QualifiedName owner = *q.owned_by_table;
            options += " owned_by " + qail_name(owner) + "." + qail_ident(*q.owned_by_column);
        }
        if (!options.empty()) {
            m_out += " {" + options + " }";
        }
        end_line(q.origin);
    }

    void table(const model::Table& t) {
        auto it = m_names.find(t.name);
        NameFlags fallback;
        if (it == m_names.end()) {
            fallback.uniques.assign(t.uniques.size(), true);
            fallback.checks.assign(t.checks.size(), true);
            fallback.fks.assign(t.foreign_keys.size(), true);
            fallback.exclusions.assign(t.exclusions.size(), true);
            fallback.pk = true;
        }
        const NameFlags& names = it == m_names.end() ? fallback : it->second;
        Placement p = place(t, names);
        begin(Section::table, true, t.origin);
        if (t.partition_of) {
            m_out += "partition " + qail_name(t.name) + " of " + qail_name(t.partition_of->parent) +
                     " " + bound_text(t.partition_of->bound);
            bool has_body = !t.columns.empty() || t.primary_key || !t.uniques.empty() ||
                            !t.checks.empty() || !t.foreign_keys.empty() ||
                            !t.exclusions.empty() || t.partition_by || t.unlogged ||
                            t.rls_enabled || t.rls_forced || !t.options.empty() ||
                            !t.origin.closing_comments.empty();
            if (!has_body) {
                end_line(t.origin);
                return;
            }
            m_out += " {";
        } else {
            m_out += "table " + qail_name(t.name) + " {";
        }
        end_line(t.origin);
        std::vector<std::string> pk_columns;
        if (t.primary_key) {
            pk_columns = t.primary_key->columns;
        }
        for (size_t i = 0; i < t.columns.size(); ++i) {
            column(t, i, p, names, pk_columns);
        }
        if (t.primary_key && !p.pk_inline) {
            const model::PrimaryKey& pk = *t.primary_key;
            constraint_comments(pk.origin);
            m_out += "  ";
            if (names.pk) {
                m_out += "constraint " + qail_ident(pk.name) + " ";
            }
            m_out += "primary_key " + ident_list(pk.columns);
            if (!pk.include.empty()) {
                m_out += " include " + ident_list(pk.include);
            }
            m_out += deferral(pk.deferral);
            end_line(pk.origin);
        }
        for (size_t i : p.table_uniques) {
            const model::UniqueConstraint& u = t.uniques[i];
            constraint_comments(u.origin);
            m_out += "  ";
            if (names.uniques[i]) {
                m_out += "constraint " + qail_ident(u.name) + " ";
            }
            m_out += "unique ";
            if (u.nulls_not_distinct) {
                m_out += "nulls_not_distinct ";
            }
            m_out += ident_list(u.columns);
            if (!u.include.empty()) {
                m_out += " include " + ident_list(u.include);
            }
            m_out += deferral(u.deferral);
            end_line(u.origin);
        }
        for (size_t i : p.table_checks) {
            const model::CheckConstraint& c = t.checks[i];
            constraint_comments(c.origin);
            m_out += "  ";
            if (names.checks[i]) {
                m_out += "constraint " + qail_ident(c.name) + " ";
            }
            m_out += "check " + check_slot(c.expression);
            if (c.no_inherit) {
                m_out += " no_inherit";
            }
            if (c.not_valid) {
                m_out += " not_valid";
            }
            end_line(c.origin);
        }
        for (size_t i : p.table_fks) {
            const model::ForeignKey& fk = t.foreign_keys[i];
            constraint_comments(fk.origin);
            m_out += "  ";
            if (names.fks[i]) {
                m_out += "constraint " + qail_ident(fk.name) + " ";
            }
            m_out += "foreign_key " + ident_list(fk.columns) + " references " +
                     table_target(fk.ref_table, fk.ref_columns) + fk_options(fk);
            end_line(fk.origin);
        }
        for (size_t i = 0; i < t.exclusions.size(); ++i) {
            const model::ExclusionConstraint& x = t.exclusions[i];
            constraint_comments(x.origin);
            m_out += "  ";
            if (names.exclusions[i]) {
                m_out += "constraint " + qail_ident(x.name) + " ";
            }
            m_out += "exclude using " + qail_ident(x.method) + " (";
            for (size_t k = 0; k < x.elements.size(); ++k) {
                if (k > 0) {
                    m_out += ", ";
                }
                m_out += index_element(x.elements[k].element) + " with " + x.elements[k].op;
            }
            m_out += ")";
            if (!x.include.empty()) {
                m_out += " include " + ident_list(x.include);
            }
            if (x.where) {
                m_out += " where " + paren_slot(*x.where);
            }
            m_out += deferral(x.deferral);
            end_line(x.origin);
        }
        if (t.partition_by) {
            const std::string& spec = *t.partition_by;
            size_t space = spec.find(' ');
            std::string strategy = to_lower(spec.substr(0, space));
            m_out += "  partition_by " + strategy +
                     (space == std::string::npos ? std::string() : spec.substr(space)) + "\n";
        }
        if (t.unlogged) {
            m_out += "  unlogged\n";
        }
        if (!t.options.empty()) {
            m_out += "  " + storage_params(t.options) + "\n";
        }
        if (t.rls_enabled) {
            m_out += "  enable_rls\n";
        }
        if (t.rls_forced) {
            m_out += "  force_rls\n";
        }
        for (const std::string& c : t.origin.closing_comments) {
            m_out += "  " + c + "\n";
        }
        m_out += "}\n";
    }

    // A table-level constraint line's own comments.
    void constraint_comments(const model::SourceRef& origin) {
        for (const std::string& c : origin.comments) {
            m_out += "  " + c + "\n";
        }
        for (const std::string& c : origin.closing_comments) {
            m_out += "  " + c + "\n";
        }
    }

    void column(const model::Table& t, size_t index, const Placement& p, const NameFlags& names,
                const std::vector<std::string>& pk_columns) {
        const model::Column& c = t.columns[index];
        bool inline_pk = p.pk_inline && pk_columns.size() == 1 && pk_columns[0] == c.name;
        bool in_pk = std::find(pk_columns.begin(), pk_columns.end(), c.name) != pk_columns.end();
        // comments of constraints printed on this line go before it
        std::vector<const model::SourceRef*> extra;
        if (inline_pk) {
            extra.push_back(&t.primary_key->origin);
        }
        for (size_t i : p.column_uniques[index]) {
            extra.push_back(&t.uniques[i].origin);
        }
        for (size_t i : p.column_fks[index]) {
            extra.push_back(&t.foreign_keys[i].origin);
        }
        for (size_t i : p.column_checks[index]) {
            extra.push_back(&t.checks[i].origin);
        }
        for (const std::string& line : c.origin.comments) {
            m_out += "  " + line + "\n";
        }
        for (const std::string& line : c.origin.closing_comments) {
            m_out += "  " + line + "\n";
        }
        for (const model::SourceRef* ref : extra) {
            for (const std::string& line : ref->comments) {
                m_out += "  " + line + "\n";
            }
            for (const std::string& line : ref->closing_comments) {
                m_out += "  " + line + "\n";
            }
            if (!ref->trailing_comment.empty()) {
                m_out += "  " + ref->trailing_comment + "\n";
            }
        }
        m_out += "  " + qail_ident(c.name) + " " + type_text(c.type);
        if (c.collation) {
            m_out += " collate " + dotted_name(*c.collation);
        }
        if (inline_pk) {
            m_out += " primary_key";
        }
        if (c.not_null && !in_pk && c.identity == model::IdentityKind::none) {
            m_out += " not_null";
        }
        for (size_t i : p.column_uniques[index]) {
            m_out += " unique";
            if (t.uniques[i].nulls_not_distinct) {
                m_out += " nulls_not_distinct";
            }
        }
        if (c.default_expr) {
            ScanStops stops;
            stops.words = column_option_keywords();
            m_out += " default " + raw_slot(*c.default_expr, stops);
        }
        if (c.identity != model::IdentityKind::none) {
            m_out += c.identity == model::IdentityKind::always ? " generated_identity"
                                                               : " generated_by_default_identity";
            if (!empty_options(c.identity_options)) {
                std::string options = sequence_options(c.identity_options);
                m_out += " (" + options.substr(1) + ")";
            }
        }
        if (c.generated_expr) {
            m_out += " generated_stored" + paren_slot(*c.generated_expr);
        }
        for (size_t i : p.column_fks[index]) {
            const model::ForeignKey& fk = t.foreign_keys[i];
            m_out += " references " + table_target(fk.ref_table, fk.ref_columns) + fk_options(fk);
        }
        for (size_t i : p.column_checks[index]) {
            const model::CheckConstraint& ck = t.checks[i];
            m_out += " check" + check_slot(ck.expression);
            if (names.checks[i]) {
                m_out += " check_name " + qail_ident(ck.name);
            }
            if (ck.no_inherit) {
                m_out += " no_inherit";
            }
            if (ck.not_valid) {
                m_out += " not_valid";
            }
        }
        if (c.storage) {
            m_out += " storage " + *c.storage;
        }
        if (c.compression) {
            m_out += " compression " + qail_ident(*c.compression);
        }
        end_line(c.origin);
    }

    static std::string bound_text(const std::string& bound) {
        // "FOR VALUES FROM (...) TO (...)" -> "for values from (...) to (...)"
        if (bound == "DEFAULT") {
            return "default";
        }
        std::string_view b = bound;
        if (b.rfind("FOR VALUES ", 0) != 0) {
            return bound;
        }
        b.remove_prefix(11);
        auto group_end = [](std::string_view text) -> size_t {
            ScanStops stops;
            stops.close_paren = true;
            stops.line = false;
            if (text.empty() || text[0] != '(') {
                return std::string_view::npos;
            }
            ScanResult scan = scan_sql(text, 1, stops);
            return scan.ok && scan.end < text.size() ? scan.end + 1 : std::string_view::npos;
        };
        if (b.rfind("FROM ", 0) == 0) {
            std::string_view rest = b.substr(5);
            size_t end = group_end(rest);
            if (end != std::string_view::npos && rest.substr(end).rfind(" TO ", 0) == 0) {
                return "for values from " + std::string(rest.substr(0, end)) + " to " +
                       std::string(rest.substr(end + 4));
            }
        } else if (b.rfind("IN ", 0) == 0) {
            return "for values in " + std::string(b.substr(3));
        } else if (b.rfind("WITH ", 0) == 0) {
            return "for values with " + std::string(b.substr(5));
        }
        return bound;
    }

    void index(const model::Index& i) {
        begin(Section::index, false, i.origin);
        m_out += i.unique ? "unique index " : "index ";
        if (i.concurrently.value) {
            m_out += "concurrently ";
        }
        m_out += qail_ident(i.name.name) + " on " + qail_name(i.table);
        if (i.method != "btree") {
            m_out += " using " + qail_ident(i.method);
        }
        m_out += " (";
        for (size_t k = 0; k < i.elements.size(); ++k) {
            if (k > 0) {
                m_out += ", ";
            }
            m_out += index_element(i.elements[k]);
        }
        m_out += ")";
        if (!i.include.empty()) {
            m_out += " include " + ident_list(i.include);
        }
        if (i.nulls_not_distinct) {
            m_out += " nulls_not_distinct";
        }
        if (!i.options.empty()) {
            m_out += " " + storage_params(i.options);
        }
        if (i.where) {
            m_out += " where " + raw_slot(*i.where, ScanStops{});
        }
        end_line(i.origin);
    }

    void view(const model::View& v) {
        begin(Section::view, true, v.origin, true);
        m_out += v.materialized ? "materialized view " : "view ";
        m_out += qail_name(v.name);
        if (v.security_invoker) {
            m_out += " security_invoker";
        }
        if (v.security_barrier) {
            m_out += " security_barrier";
        }
        if (v.check_option == model::CheckOption::local) {
            m_out += " check_option local";
        } else if (v.check_option == model::CheckOption::cascaded) {
            m_out += " check_option cascaded";
        }
        if (v.with_no_data) {
            m_out += " with_no_data";
        }
        if (!v.options.empty()) {
            m_out += " " + storage_params(v.options);
        }
        std::string delim = dollar_delimiter(v.definition);
        m_out += " " + delim + v.definition + delim;
        end_line(v.origin);
    }

    void function(const model::Function& f) {
        begin(Section::function, true, f.origin, true);
        m_out += f.is_procedure ? "procedure " : "function ";
        m_out += qail_name(f.name) + "(";
        bool first = true;
        for (const model::FunctionArg& a : f.args) {
            if (a.mode == model::ArgMode::table) {
                continue;
            }
            if (!first) {
                m_out += ", ";
            }
            first = false;
            switch (a.mode) {
            case model::ArgMode::out:
                m_out += "out ";
                break;
            case model::ArgMode::inout:
                m_out += "inout ";
                break;
            case model::ArgMode::variadic:
                m_out += "variadic ";
                break;
            default:
                break;
            }
            if (!a.name.empty()) {
                m_out += qail_ident(a.name) + " ";
            }
            m_out += a.type;
            if (a.default_expr) {
                ScanStops stops;
                stops.comma = true;
                stops.close_paren = true;
                stops.line = false;
                m_out += " default " + raw_slot(*a.default_expr, stops);
            }
        }
        m_out += ")";
        if (!f.is_procedure) {
            m_out += " returns " + returns_text(f);
        }
        m_out += " language " + qail_ident(f.language);
        if (f.volatility == model::Volatility::stable) {
            m_out += " stable";
        } else if (f.volatility == model::Volatility::immutable) {
            m_out += " immutable";
        }
        if (f.strict) {
            m_out += " strict";
        }
        if (f.security_definer) {
            m_out += " security_definer";
        }
        if (f.leakproof) {
            m_out += " leakproof";
        }
        if (f.parallel == model::Parallel::safe) {
            m_out += " parallel safe";
        } else if (f.parallel == model::Parallel::restricted) {
            m_out += " parallel restricted";
        }
        if (f.cost) {
            m_out += " cost " + number_text(*f.cost);
        }
        if (f.rows) {
            m_out += " rows " + number_text(*f.rows);
        }
        for (const std::string& setting : f.config) {
            size_t eq = setting.find('=');
            std::string name = setting.substr(0, eq);
            std::string value = eq == std::string::npos ? std::string() : setting.substr(eq + 1);
            bool bare = !value.empty() && value.front() != '\'' &&
                        std::none_of(value.begin(), value.end(), [](char ch) {
                            return is_blank(ch) || ch == '\n' || ch == '#' || ch == '-';
                        });
            m_out += " set " + name + " = " + (bare ? value : single_quoted(value));
        }
        if (f.sql_body) {
            m_out += " sql_body";
        }
        std::string delim = dollar_delimiter(f.body);
        m_out += " " + delim + f.body + delim;
        end_line(f.origin);
    }

    void trigger(const model::Trigger& t) {
        begin(Section::trigger, false, t.origin);
        m_out += "trigger " + qail_ident(t.name) + " on " + qail_name(t.table) + " ";
        switch (t.timing) {
        case model::TriggerTiming::before:
            m_out += "before";
            break;
        case model::TriggerTiming::after:
            m_out += "after";
            break;
        case model::TriggerTiming::instead_of:
            m_out += "instead_of";
            break;
        }
        std::vector<std::string> events;
        if (t.on_insert) {
            events.emplace_back("insert");
        }
        if (t.on_update) {
            std::string e = "update";
            if (!t.update_columns.empty()) {
                e += " of ";
                for (size_t i = 0; i < t.update_columns.size(); ++i) {
                    if (i > 0) {
                        e += ", ";
                    }
                    e += qail_ident(t.update_columns[i]);
                }
            }
            events.push_back(e);
        }
        if (t.on_delete) {
            events.emplace_back("delete");
        }
        if (t.on_truncate) {
            events.emplace_back("truncate");
        }
        for (size_t i = 0; i < events.size(); ++i) {
            m_out += (i == 0 ? " " : " or ") + events[i];
        }
        if (!t.for_each_row) {
            m_out += " for_each_statement";
        }
        if (t.when) {
            m_out += " when " + paren_slot(*t.when);
        }
        if (t.old_table) {
            m_out += " old_table " + qail_ident(*t.old_table);
        }
        if (t.new_table) {
            m_out += " new_table " + qail_ident(*t.new_table);
        }
        if (t.constraint) {
            m_out += " constraint";
        }
        m_out += deferral(t.deferral);
        if (!t.enabled) {
            m_out += " disabled";
        }
        m_out += " execute " + qail_name(t.function);
        if (!t.function_args.empty()) {
            m_out += "(";
            for (size_t i = 0; i < t.function_args.size(); ++i) {
                if (i > 0) {
                    m_out += ", ";
                }
                m_out += single_quoted(t.function_args[i]);
            }
            m_out += ")";
        }
        end_line(t.origin);
    }

    static std::string policy_expr(const std::string& expr) {
        if (expr.empty() || trim_sql(expr) != expr || expr.front() == '`') {
            return backticked(expr);
        }
        std::string body = " " + expr + " ";
        std::string delim = dollar_delimiter(body);
        return delim + body + delim;
    }

    void policy(const model::Policy& p) {
        begin(Section::policy, p.using_expr || p.check_expr, p.origin, true);
        m_out += "policy " + qail_ident(p.name) + " on " + qail_name(p.table);
        switch (p.command) {
        case model::PolicyCommand::all:
            break;
        case model::PolicyCommand::select:
            m_out += " for select";
            break;
        case model::PolicyCommand::insert:
            m_out += " for insert";
            break;
        case model::PolicyCommand::update:
            m_out += " for update";
            break;
        case model::PolicyCommand::delete_:
            m_out += " for delete";
            break;
        }
        if (!p.roles.empty()) {
            m_out += " to ";
            for (size_t i = 0; i < p.roles.size(); ++i) {
                if (i > 0) {
                    m_out += ", ";
                }
                m_out += role(p.roles[i]);
            }
        }
        if (!p.permissive) {
            m_out += " restrictive";
        }
        bool trailing_done = false;
        if (!p.using_expr && !p.check_expr) {
            end_line(p.origin);
            return;
        }
        m_out += "\n";
        if (p.using_expr) {
            m_out += "  using " + policy_expr(*p.using_expr);
            if (!p.check_expr) {
                end_line(p.origin);
                trailing_done = true;
            } else {
                m_out += "\n";
            }
        }
        if (p.check_expr) {
            m_out += "  with_check " + policy_expr(*p.check_expr);
            end_line(p.origin);
            trailing_done = true;
        }
        (void)trailing_done;
    }

    void grant(const model::Grant& g) {
        begin(Section::grant, false, g.origin);
        m_out += "grant " + privileges(g.object, g.privileges) + " on " + object_ref(g.object) +
                 " to " + role(g.grantee);
        if (g.with_grant_option) {
            m_out += " with_grant_option";
        }
        end_line(g.origin);
    }

    void revoke(const model::Revoke& r) {
        begin(Section::grant, false, r.origin);
        m_out += "revoke " + privileges(r.object, r.privileges) + " on " + object_ref(r.object) +
                 " from " + role(r.grantee);
        end_line(r.origin);
    }

    void comment(const model::Comment& c) {
        begin(Section::comment, false, c.origin);
        m_out += "comment on " + object_ref(c.object) + " " + double_quoted(c.text);
        end_line(c.origin);
    }

    void owner(const model::Owner& o) {
        begin(Section::owner, false, o.origin);
        m_out += "owner " + object_ref(o.object) + " to " + qail_ident(o.role);
        end_line(o.origin);
    }

    void resource(const model::Resource& r) {
        begin(Section::resource, false, r.origin);
        m_out += r.kind + " " + quoted_value(r.name, true);
        if (!r.properties.empty()) {
            m_out += " {";
            for (const auto& [key, value] : r.properties) {
                m_out += " " + key + " " + quoted_value(value, true);
            }
            m_out += " }";
        }
        end_line(r.origin);
    }

    static std::string column_ref(const model::QualifiedName& table, const std::string& column) {
        return qail_name(table) + "." + qail_ident(column);
    }

    void rename(const model::RenameHint& h) {
        begin(Section::hint, false, h.origin);
        using T = model::RenameHint::Target;
        if (h.target == T::column) {
            m_out += "rename " + column_ref(h.from, h.from_column) + " -> " +
                     column_ref(h.to, h.to_column);
        } else if (h.target == T::schema) {
            m_out += "rename schema " + qail_ident(h.from.name) + " -> " + qail_ident(h.to.name);
        } else {
            std::string to = h.to.schema == h.from.schema
                                 ? qail_ident(h.to.name)
                                 : qail_ident(h.to.schema) + "." + qail_ident(h.to.name);
            m_out += "rename "s + model::to_string(h.target) + " " + qail_name(h.from) + " -> " +
                     to;
        }
        end_line(h.origin);
    }

    void transform(const model::TransformHint& h) {
        begin(Section::hint, false, h.origin);
        m_out += "transform " + raw_slot(h.expression, ScanStops{}) + " -> " +
                 column_ref(h.table, h.column);
        end_line(h.origin);
    }

    void drop(const model::DropHint& h) {
        begin(Section::hint, false, h.origin);
        using T = model::DropHint::Target;
        m_out += "drop ";
        switch (h.target) {
        case T::column:
            m_out += column_ref(h.name, h.member);
            break;
        case T::trigger:
        case T::policy:
        case T::constraint:
            m_out += std::string(model::to_string(h.target)) + " " + qail_ident(h.member) +
                     " on " + qail_name(h.name);
            break;
        case T::schema:
        case T::extension:
            m_out += std::string(model::to_string(h.target)) + " " + qail_ident(h.name.name);
            break;
        case T::function:
            m_out += "function " + qail_name(h.name);
            if (!h.args.empty()) {
                m_out += "(" + h.args + ")";
            }
            break;
        default:
            m_out += std::string(model::to_string(h.target)) + " " + qail_name(h.name);
            break;
        }
        if (h.confirmed) {
            m_out += " confirm";
        }
        end_line(h.origin);
    }
};

std::string print_schema(const model::Schema& schema) {
    Printer printer(schema);
    return printer.print(schema);
}

namespace {

std::string safe_file_name(std::string_view name) {
    std::string out;
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-';
        out += ok ? c : '_';
    }
    if (out.empty()) {
        out = "_";
    }
    return out;
}

bool refers_to_table(const model::ObjectRef& ref, const model::QualifiedName& table) {
    using K = model::ObjectKind;
    switch (ref.kind) {
    case K::table:
    case K::column:
    case K::trigger:
    case K::policy:
    case K::constraint:
        return ref.name == table;
    default:
        return false;
    }
}

} // namespace

std::map<std::string, std::string> print_split(const model::Schema& schema) {
    Printer printer(schema);
    std::map<std::string, std::string> files;
    std::vector<std::string> order;

    model::Schema globals;
    globals.origin = schema.origin;
    globals.extensions = schema.extensions;
    globals.schemas = schema.schemas;
    globals.enums = schema.enums;
    globals.domains = schema.domains;
    globals.composite_types = schema.composite_types;
    globals.sequences = schema.sequences;
    globals.functions = schema.functions;
    globals.resources = schema.resources;

    model::Schema views;
    views.views = schema.views;

    model::Schema hints;
    hints.renames = schema.renames;
    hints.transforms = schema.transforms;
    hints.drops = schema.drops;

    // Objects attached to a table go to the table's file.
    std::map<model::QualifiedName, model::Schema> per_table;
    for (const model::Table& t : schema.tables) {
        per_table[t.name].tables.push_back(t);
    }
    std::map<model::QualifiedName, model::QualifiedName> index_table;
    auto home = [&](const model::ObjectRef& ref) -> model::Schema& {
        using K = model::ObjectKind;
        if (auto it = per_table.find(ref.name);
            it != per_table.end() && refers_to_table(ref, it->first)) {
            return it->second;
        }
        if (ref.kind == K::index) {
            auto it = index_table.find(ref.name);
            if (it != index_table.end() && per_table.count(it->second) > 0) {
                return per_table[it->second];
            }
        }
        if ((ref.kind == K::view || ref.kind == K::materialized_view) ||
            ((ref.kind == K::column || ref.kind == K::table) && schema.find_view(ref.name))) {
            return views;
        }
        return globals;
    };
    for (const model::Index& i : schema.indexes) {
        index_table[i.name] = i.table;
        auto it = per_table.find(i.table);
        (it != per_table.end() ? it->second : views).indexes.push_back(i);
    }
    for (const model::Trigger& t : schema.triggers) {
        auto it = per_table.find(t.table);
        (it != per_table.end() ? it->second : views).triggers.push_back(t);
    }
    for (const model::Policy& p : schema.policies) {
        auto it = per_table.find(p.table);
        (it != per_table.end() ? it->second : globals).policies.push_back(p);
    }
    for (const model::Grant& g : schema.grants) {
        home(g.object).grants.push_back(g);
    }
    for (const model::Revoke& r : schema.revokes) {
        home(r.object).revokes.push_back(r);
    }
    for (const model::Comment& c : schema.comments) {
        home(c.object).comments.push_back(c);
    }
    for (const model::Owner& o : schema.owners) {
        home(o.object).owners.push_back(o);
    }

    if (!globals.empty() || !globals.origin.comments.empty() ||
        !globals.origin.closing_comments.empty()) {
        files["globals.qail"] = printer.print(globals);
        order.emplace_back("globals.qail");
    }
    std::set<std::string> taken; // lower-cased, for case-insensitive file systems
    for (const model::Table& t : schema.tables) {
        std::string dir = "tables/" + safe_file_name(t.name.schema) + "/";
        std::string base = safe_file_name(t.name.name);
        std::string path = dir + base + ".qail";
        for (int n = 2; taken.count(to_lower(path)) > 0; ++n) {
            path = dir + base + "_" + std::to_string(n) + ".qail";
        }
        taken.insert(to_lower(path));
        files[path] = printer.print(per_table[t.name]);
        order.push_back(path);
    }
    if (!views.empty()) {
        files["views.qail"] = printer.print(views);
        order.emplace_back("views.qail");
    }
    if (!hints.empty()) {
        files["hints.qail"] = printer.print(hints);
        order.emplace_back("hints.qail");
    }
    std::string manifest = "-- qail: strict-manifest\n# Load order (tables in name order)\n";
    for (const std::string& path : order) {
        manifest += path + "\n";
    }
    files["_order.qail"] = manifest;
    return files;
}

} // namespace qail::lang
