#pragma once
// Every schema object other than tables.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <qail/model/names.hpp>
#include <qail/model/table.hpp>

namespace qail::model {

struct Extension {
    std::string name;
    std::optional<std::string> schema;  ///< WITH SCHEMA, when given
    std::optional<std::string> version; ///< pinned version, when given
    SourceRef origin;
    bool operator==(const Extension&) const = default;
};

/// A `schema <name>` statement (CREATE SCHEMA). "public" is implicit.
struct SchemaDef {
    std::string name;
    SourceRef origin;
    bool operator==(const SchemaDef&) const = default;
};

struct EnumType {
    QualifiedName name;
    std::vector<std::string> values; ///< in sort order (the order PostgreSQL compares them)
    SourceRef origin;
    bool operator==(const EnumType&) const = default;
};

struct DomainCheck {
    std::string name; ///< default "<domain>_check"
    std::string expression; ///< uses VALUE
    bool not_valid = false;
    bool operator==(const DomainCheck&) const = default;
};

struct Domain {
    QualifiedName name;
    std::string base_type; ///< canonical type text
    bool not_null = false;
    std::optional<std::string> default_expr;
    std::optional<std::string> collation;
    std::vector<DomainCheck> checks; ///< sorted by name
    SourceRef origin;
    bool operator==(const Domain&) const = default;
};

struct CompositeAttribute {
    std::string name;
    std::string type;
    std::optional<std::string> collation;
    bool operator==(const CompositeAttribute&) const = default;
};

struct CompositeType {
    QualifiedName name;
    std::vector<CompositeAttribute> attributes; ///< declared order
    SourceRef origin;
    bool operator==(const CompositeType&) const = default;
};

/// A standalone sequence (serial and identity sequences are implied by their column).
struct Sequence {
    QualifiedName name;
    SequenceOptions options;
    /// OWNED BY table.column, when set.
    std::optional<QualifiedName> owned_by_table;
    std::optional<std::string> owned_by_column;
    SourceRef origin;
    bool operator==(const Sequence&) const = default;
};

struct Index {
    QualifiedName name; ///< schema is always the table's schema
    QualifiedName table;
    bool unique = false;
    std::string method = "btree";
    std::vector<IndexElement> elements;
    std::vector<std::string> include;
    std::optional<std::string> where; ///< partial-index predicate
    bool nulls_not_distinct = false;
    std::vector<std::string> options; ///< storage parameters "name=value", as written
    /// Marks an index to build CONCURRENTLY when created (an apply-time wish, not state:
    /// ignored by equality).
    struct Concurrently {
        bool value = false;
        bool operator==(const Concurrently&) const { return true; }
    } concurrently;
    SourceRef origin;
    bool operator==(const Index&) const = default;
};

enum class CheckOption { none, local, cascaded };

struct View {
    QualifiedName name;
    bool materialized = false;
    /// The SELECT, as written or as pg_get_viewdef prints it, without a trailing ';'.
    std::string definition;
    bool security_invoker = false;
    bool security_barrier = false;
    CheckOption check_option = CheckOption::none;
    bool with_no_data = false;              ///< materialized views only: WITH NO DATA
    std::vector<std::string> options;       ///< other storage parameters, as written
    SourceRef origin;
    bool operator==(const View&) const = default;
};

enum class ArgMode { in, out, inout, variadic, table };
enum class Volatility { volatile_, stable, immutable };
enum class Parallel { unsafe, restricted, safe };

struct FunctionArg {
    ArgMode mode = ArgMode::in;
    std::string name; ///< may be empty
    std::string type; ///< canonical type text
    std::optional<std::string> default_expr;
    bool operator==(const FunctionArg&) const = default;
};

struct Function {
    QualifiedName name;
    bool is_procedure = false;
    std::vector<FunctionArg> args;
    /// Return type text: "integer", "SETOF users", "TABLE(id integer, name text)",
    /// "trigger", "void". Empty for procedures.
    std::string returns;
    std::string language = "sql";
    Volatility volatility = Volatility::volatile_;
    bool strict = false;
    bool security_definer = false;
    bool leakproof = false;
    Parallel parallel = Parallel::unsafe;
    std::optional<double> cost; ///< non-default COST
    std::optional<double> rows; ///< non-default ROWS
    std::vector<std::string> config; ///< SET clauses "name=value" (e.g. "search_path=public"), sorted
    /// The body between the dollar quotes, byte for byte. With `sql_body`, it is a
    /// SQL-standard body ("RETURN ..." or "BEGIN ATOMIC ... END") instead of a string.
    std::string body;
    bool sql_body = false;
    SourceRef origin;
    bool operator==(const Function&) const = default;

    /// "name(type, type)" of the input arguments: what identifies a function.
    std::string signature() const;
    /// The input argument types joined by ", ".
    std::string identity_args() const;
};

enum class TriggerTiming { before, after, instead_of };

struct Trigger {
    std::string name;
    QualifiedName table;
    TriggerTiming timing = TriggerTiming::after;
    bool on_insert = false;
    bool on_update = false;
    bool on_delete = false;
    bool on_truncate = false;
    std::vector<std::string> update_columns; ///< UPDATE OF a, b
    bool for_each_row = true;
    std::optional<std::string> when; ///< WHEN condition text
    std::optional<std::string> old_table; ///< REFERENCING OLD TABLE AS x
    std::optional<std::string> new_table; ///< REFERENCING NEW TABLE AS x
    bool constraint = false;  ///< CONSTRAINT TRIGGER
    Deferral deferral;        ///< constraint triggers only
    QualifiedName function;
    std::vector<std::string> function_args; ///< string literal arguments, unquoted
    bool enabled = true;      ///< false: ALTER TABLE ... DISABLE TRIGGER
    SourceRef origin;
    bool operator==(const Trigger&) const = default;
};

enum class PolicyCommand { all, select, insert, update, delete_ };

struct Policy {
    std::string name;
    QualifiedName table;
    PolicyCommand command = PolicyCommand::all;
    bool permissive = true;
    std::vector<std::string> roles; ///< sorted; empty means PUBLIC
    std::optional<std::string> using_expr;
    std::optional<std::string> check_expr;
    SourceRef origin;
    bool operator==(const Policy&) const = default;
};

/// What a grant, comment or owner statement is about.
enum class ObjectKind {
    schema,
    table,
    column,
    view,
    materialized_view,
    sequence,
    index,
    function,
    procedure,
    type, ///< enum or composite type
    domain,
    trigger,
    policy,
    constraint,        ///< a table constraint
    domain_constraint, ///< a domain constraint
    extension,
};

/// A reference to an object: see `ObjectKind` for which fields are used.
struct ObjectRef {
    ObjectKind kind = ObjectKind::table;
    /// The object (table, view, sequence, index, function, type, domain); for a
    /// column, trigger, policy or constraint, the table (or domain) it belongs to.
    /// For a schema or an extension, `name.name` holds its name and `name.schema` is empty.
    QualifiedName name;
    /// Column, trigger, policy or constraint name.
    std::string member;
    /// Input argument types of a function or procedure: "integer, text".
    std::string args;
    auto operator<=>(const ObjectRef&) const = default;
    bool operator==(const ObjectRef&) const = default;
};

/// One privilege granted to one role on one object.
struct Grant {
    ObjectRef object;
    std::vector<std::string> privileges; ///< upper case, sorted: {"INSERT", "SELECT"}
    std::string grantee;                 ///< role name, or "PUBLIC"
    bool with_grant_option = false;
    SourceRef origin;
    bool operator==(const Grant&) const = default;
};

/// A default privilege taken away (e.g. EXECUTE on a function from PUBLIC).
struct Revoke {
    ObjectRef object;
    std::vector<std::string> privileges; ///< upper case, sorted
    std::string grantee;
    SourceRef origin;
    bool operator==(const Revoke&) const = default;
};

struct Comment {
    ObjectRef object;
    std::string text;
    SourceRef origin;
    bool operator==(const Comment&) const = default;
};

/// ALTER ... OWNER TO role. Objects without an owner statement keep whatever owner they have.
struct Owner {
    ObjectRef object;
    std::string role;
    SourceRef origin;
    bool operator==(const Owner&) const = default;
};

/// Upstream's infrastructure declarations `bucket`, `queue` and `topic`
/// (`bucket avatars { provider s3 region "eu-west-1" }`): kept so that check
/// and fmt round-trip them; nothing is created in the database for them.
struct Resource {
    std::string kind; ///< "bucket", "queue" or "topic"
    std::string name;
    /// key -> value pairs in declared order.
    std::vector<std::pair<std::string, std::string>> properties;
    SourceRef origin;
    bool operator==(const Resource&) const = default;
};

const char* to_string(ObjectKind kind); ///< "table", "materialized view", ...

/// Every privilege PostgreSQL grants on an object of this kind (what `ALL`
/// means), sorted; empty for kinds without privileges.
std::vector<std::string> all_privileges(ObjectKind kind);

} // namespace qail::model
