#pragma once
// The schema diff: model x model -> the list of object-level changes, with the
// intent the hints express (renames, transforms, confirmed drops). Pure: no
// SQL ordering, no database. plan/ turns the changes into ordered SQL steps.

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <qail/model/schema.hpp>

namespace qail::diff {

enum class Action { create, drop, alter, rename };

/// What a change is about. Column, constraint, trigger and policy changes
/// carry their table in `Change::table`.
enum class What {
    extension, schema, enum_type, domain, composite_type, sequence, function,
    table, column, primary_key, unique, check, foreign_key, exclusion,
    index, view, trigger, policy, grant, revoke, comment, owner,
};

using ObjectPtr =
    std::variant<std::monostate, const model::Extension*, const model::SchemaDef*,
                 const model::EnumType*, const model::Domain*, const model::CompositeType*,
                 const model::Sequence*, const model::Function*, const model::Table*,
                 const model::Column*, const model::PrimaryKey*, const model::UniqueConstraint*,
                 const model::CheckConstraint*, const model::ForeignKey*,
                 const model::ExclusionConstraint*, const model::Index*, const model::View*,
                 const model::Trigger*, const model::Policy*, const model::Grant*,
                 const model::Revoke*, const model::Comment*, const model::Owner*>;

struct Change {
    Action action = Action::alter;
    What what = What::table;
    /// The table a column/constraint/trigger/policy belongs to (its name in `to`
    /// after renames; for drops, in `from`).
    model::QualifiedName table;
    ObjectPtr from; ///< the object in `from` (after renames); empty for create
    ObjectPtr to;   ///< the object in `to`; empty for drop

    template <typename T>
    const T* from_as() const {
        auto p = std::get_if<const T*>(&from);
        return p ? *p : nullptr;
    }
    template <typename T>
    const T* to_as() const {
        auto p = std::get_if<const T*>(&to);
        return p ? *p : nullptr;
    }
};

/// A table or column that would be dropped with no `drop ... confirm` hint.
struct UnconfirmedDrop {
    model::QualifiedName table;
    std::string column; ///< empty for a whole table
    std::string hint() const; ///< the hint line that would confirm it
};

struct Options {
    /// Compare view definitions, check/default/index expressions and function
    /// bodies after light normalisation (whitespace, redundant parentheses,
    /// casts of literals) instead of byte for byte. For file-vs-live drift when
    /// no scratch database can canonicalise the file side.
    bool loose_expressions = false;
    /// `to` lists every owner except the connecting role's (as introspection of a
    /// live database does): an object whose owner `to` does not name goes back to
    /// the current user. Off for schema files, where an object without an owner
    /// statement keeps whatever owner it has.
    bool owners_complete = false;
};

struct Result {
    /// `from` with the hinted renames applied (the input itself when no rename
    /// applies, not a copy): the `from` pointers of every change point into it.
    std::shared_ptr<const model::Schema> renamed_from;
    /// Renames first (tables, then columns, then other renames), then every
    /// other change in model order (no dependency order: plan/ sorts).
    std::vector<Change> changes;
    /// Renames as hinted (table renames carry old/new table names; column
    /// renames old/new column names), in the order they must run.
    std::vector<model::RenameHint> renames;
    /// Transform hints of `to` that apply to a created or retyped column.
    std::vector<model::TransformHint> transforms;
    std::vector<UnconfirmedDrop> unconfirmed_drops;

    bool empty() const { return changes.empty() && renames.empty(); }
};

/// Diffs two normalised schemas. `to`'s hints drive renames, transforms and
/// confirmations. The returned changes point into `result.renamed_from` and
/// into `to`; `from` and `to` must outlive the result.
Result diff(const model::Schema& from, const model::Schema& to, const Options& options = {});

/// Expression equality used by the diff (exact, or loose as in Options).
bool same_expression(const std::string& a, const std::string& b, bool loose);

} // namespace qail::diff
