#pragma once
// A whole database schema: the value every stage passes around.
//
// Canonical form (established by `normalize`): every name is qualified, every
// constraint has its name (PostgreSQL's default where the source gave none),
// and every collection except columns, enum values, composite attributes and
// function arguments is sorted by its key. Two schemas describing the same
// database are then equal with ==.

#include <string>
#include <vector>

#include <qail/model/hints.hpp>
#include <qail/model/names.hpp>
#include <qail/model/objects.hpp>
#include <qail/model/table.hpp>

namespace qail::model {

struct Schema {
    std::vector<Extension> extensions;          ///< by name
    std::vector<SchemaDef> schemas;             ///< by name; never "public"
    std::vector<EnumType> enums;                ///< by name
    std::vector<Domain> domains;                ///< by name
    std::vector<CompositeType> composite_types; ///< by name
    std::vector<Sequence> sequences;            ///< by name
    std::vector<Table> tables;                  ///< by name
    std::vector<Index> indexes;                 ///< by name
    std::vector<View> views;                    ///< by name
    std::vector<Function> functions;            ///< by name, then identity args
    std::vector<Trigger> triggers;              ///< by table, then name
    std::vector<Policy> policies;               ///< by table, then name
    std::vector<Grant> grants;                  ///< by object, grantee
    std::vector<Revoke> revokes;                ///< by object, grantee
    std::vector<Comment> comments;              ///< by object
    std::vector<Owner> owners;                  ///< by object

    std::vector<RenameHint> renames;       ///< declared order (renames may chain)
    std::vector<TransformHint> transforms; ///< declared order
    std::vector<DropHint> drops;           ///< declared order

    std::vector<Resource> resources; ///< by kind, then name (bucket/queue/topic; no SQL)
    /// Comments of the text the schema was read from: `comments` is the file's
    /// header (comment lines before the first statement, followed by a blank
    /// line), `closing_comments` the comments after the last statement.
    SourceRef origin;

    bool operator==(const Schema&) const = default;

    bool empty() const;
    size_t column_count() const;
    size_t hint_count() const { return renames.size() + transforms.size() + drops.size(); }

    const Table* find_table(const QualifiedName& name) const;
    Table* find_table(const QualifiedName& name);
    const View* find_view(const QualifiedName& name) const;
    const Index* find_index(const QualifiedName& name) const;
    const EnumType* find_enum(const QualifiedName& name) const;
    const Domain* find_domain(const QualifiedName& name) const;
    const CompositeType* find_composite_type(const QualifiedName& name) const;
    const Sequence* find_sequence(const QualifiedName& name) const;
};

/// Sorts every keyed collection into canonical order and fills in default
/// constraint names. Idempotent. Parsers and introspection both end with it.
void normalize(Schema& schema);

/// The schema without its hints (what the database would look like).
Schema without_hints(Schema schema);

} // namespace qail::model
