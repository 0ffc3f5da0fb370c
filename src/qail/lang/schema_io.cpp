// parse_schema: statements merged into a model, then normalised.

#include <qail/lang/schema_io.hpp>

#include <algorithm>
#include <map>
#include <tuple>

#include <qail/lang/source.hpp>
#include <qail/lang/statements.hpp>

namespace qail::lang {

namespace {

template <typename T>
void append(std::vector<T>& to, std::vector<T>&& from) {
    for (T& item : from) {
        to.push_back(std::move(item));
    }
}

struct Adder {
    model::Schema& s;
    void operator()(model::Extension&& v) { s.extensions.push_back(std::move(v)); }
    void operator()(model::SchemaDef&& v) { s.schemas.push_back(std::move(v)); }
    void operator()(model::EnumType&& v) { s.enums.push_back(std::move(v)); }
    void operator()(model::Domain&& v) { s.domains.push_back(std::move(v)); }
    void operator()(model::CompositeType&& v) { s.composite_types.push_back(std::move(v)); }
    void operator()(model::Sequence&& v) { s.sequences.push_back(std::move(v)); }
    void operator()(model::Table&& v) { s.tables.push_back(std::move(v)); }
    void operator()(model::Index&& v) { s.indexes.push_back(std::move(v)); }
    void operator()(model::View&& v) { s.views.push_back(std::move(v)); }
    void operator()(model::Function&& v) { s.functions.push_back(std::move(v)); }
    void operator()(model::Trigger&& v) { s.triggers.push_back(std::move(v)); }
    void operator()(model::Policy&& v) { s.policies.push_back(std::move(v)); }
    void operator()(std::vector<model::Grant>&& v) { append(s.grants, std::move(v)); }
    void operator()(std::vector<model::Revoke>&& v) { append(s.revokes, std::move(v)); }
    void operator()(model::Comment&& v) { s.comments.push_back(std::move(v)); }
    void operator()(model::Owner&& v) { s.owners.push_back(std::move(v)); }
    void operator()(model::Resource&& v) { s.resources.push_back(std::move(v)); }
    void operator()(model::RenameHint&& v) { s.renames.push_back(std::move(v)); }
    void operator()(model::TransformHint&& v) { s.transforms.push_back(std::move(v)); }
    void operator()(model::DropHint&& v) { s.drops.push_back(std::move(v)); }
};

// An untyped (or `table`) reference may name a view, a materialized view or a
// sequence: use the kind the object really has.
void resolve_kind(const model::Schema& s, model::ObjectRef& ref) {
    if (ref.kind != model::ObjectKind::table) {
        return;
    }
    auto has = [&](const auto& items) {
        return std::any_of(items.begin(), items.end(),
                           [&](const auto& item) { return item.name == ref.name; });
    };
    if (has(s.tables)) {
        return;
    }
    for (const model::View& v : s.views) {
        if (v.name == ref.name) {
            ref.kind = v.materialized ? model::ObjectKind::materialized_view
                                      : model::ObjectKind::view;
            return;
        }
    }
    if (has(s.sequences)) {
        ref.kind = model::ObjectKind::sequence;
    }
}

// `function f` without argument types: the one function of that name.
void resolve_args(const model::Schema& s, model::ObjectRef& ref) {
    if ((ref.kind != model::ObjectKind::function && ref.kind != model::ObjectKind::procedure) ||
        ref.args != k_unresolved_args) {
        return;
    }
    const model::Function* found = nullptr;
    int count = 0;
    for (const model::Function& f : s.functions) {
        if (f.name == ref.name) {
            found = &f;
            ++count;
        }
    }
    if (count == 1) {
        ref.args = found->identity_args();
    }
}

template <typename T>
void merge_privileges(std::vector<T>& items, auto key) {
    std::map<decltype(key(items.front())), size_t> first;
    std::vector<T> out;
    out.reserve(items.size());
    for (T& item : items) {
        auto k = key(item);
        auto it = first.find(k);
        if (it == first.end()) {
            first.emplace(k, out.size());
            out.push_back(std::move(item));
            continue;
        }
        T& target = out[it->second];
        for (std::string& p : item.privileges) {
            target.privileges.push_back(std::move(p));
        }
        std::sort(target.privileges.begin(), target.privileges.end());
        target.privileges.erase(std::unique(target.privileges.begin(), target.privileges.end()),
                                target.privileges.end());
        for (std::string& c : item.origin.comments) {
            target.origin.comments.push_back(std::move(c));
        }
        if (!item.origin.trailing_comment.empty()) {
            target.origin.closing_comments.push_back(std::move(item.origin.trailing_comment));
        }
        for (std::string& c : item.origin.closing_comments) {
            target.origin.closing_comments.push_back(std::move(c));
        }
    }
    items = std::move(out);
}

} // namespace

void add_statement(model::Schema& schema, Statement&& statement) {
    std::visit(Adder{schema}, std::move(statement));
}

void finish_schema(model::Schema& s) {
    for (model::Grant& g : s.grants) {
        resolve_kind(s, g.object);
        resolve_args(s, g.object);
    }
    for (model::Revoke& r : s.revokes) {
        resolve_kind(s, r.object);
        resolve_args(s, r.object);
    }
    for (model::Comment& c : s.comments) {
        resolve_kind(s, c.object);
        resolve_args(s, c.object);
    }
    for (model::Owner& o : s.owners) {
        resolve_kind(s, o.object);
        resolve_args(s, o.object);
    }
    if (!s.grants.empty()) {
        merge_privileges(s.grants, [](const model::Grant& g) {
            return std::make_tuple(g.object, g.grantee, g.with_grant_option);
        });
    }
    if (!s.revokes.empty()) {
        merge_privileges(s.revokes, [](const model::Revoke& r) {
            return std::make_tuple(r.object, r.grantee);
        });
    }
    // Sorted first: normalize() resolves `references t` through a binary
    // search, and default names are then chosen in name order whatever the
    // order of declaration (or of modules) was.
    if (!std::is_sorted(s.tables.begin(), s.tables.end(),
                        [](const model::Table& a, const model::Table& b) { return a.name < b.name; })) {
        std::vector<size_t> order(s.tables.size());
        for (size_t i = 0; i < order.size(); ++i) {
            order[i] = i;
        }
        std::stable_sort(order.begin(), order.end(),
                         [&](size_t a, size_t b) { return s.tables[a].name < s.tables[b].name; });
        std::vector<model::Table> sorted;
        sorted.reserve(s.tables.size());
        for (size_t i : order) {
            sorted.push_back(std::move(s.tables[i]));
        }
        s.tables = std::move(sorted);
    }
    model::normalize(s);
}

model::Schema parse_schema(std::string_view text, const std::string& file_name) {
    SourceText source(text, file_name);
    if (size_t bad = find_invalid_utf8(text); bad != std::string_view::npos) {
        throw InputError(source.diagnostic(bad, 1, "the file is not valid UTF-8",
                                           "save it as UTF-8"));
    }
    model::Schema schema;
    StatementParser parser(source);
    parser.parse([&](Statement&& statement) { add_statement(schema, std::move(statement)); });
    if (!parser.diagnostics().empty()) {
        throw InputError(parser.diagnostics());
    }
    schema.origin.file = file_name;
    schema.origin.comments = parser.header_comments();
    schema.origin.closing_comments = parser.closing_comments();
    finish_schema(schema);
    return schema;
}

} // namespace qail::lang
