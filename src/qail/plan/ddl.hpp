#pragma once
// SQL text for model objects: CREATE/ALTER/DROP statements, without the
// trailing ';'. Every identifier and literal goes through sql/quote.hpp;
// expressions, bodies and type texts are SQL already and are used verbatim
// (types in their short upper-case spelling, sql::render_type).

#include <string>

#include <qail/model/schema.hpp>

namespace qail::plan::ddl {

std::string name(const model::QualifiedName& name); ///< quoted schema.name (public left out)
std::string type(const std::string& canonical);     ///< render_type

std::string create_extension(const model::Extension& e);
std::string drop_extension(const model::Extension& e);
std::string create_schema(const model::SchemaDef& s);
std::string drop_schema(const std::string& name);

std::string create_enum(const model::EnumType& e);
std::string create_domain(const model::Domain& d); ///< without NOT VALID checks
std::string domain_constraint(const model::DomainCheck& c); ///< CONSTRAINT n CHECK (...)
std::string create_composite(const model::CompositeType& t);
std::string drop_type(const model::QualifiedName& n);
std::string drop_domain(const model::QualifiedName& n);

std::string create_sequence(const model::Sequence& s);
std::string sequence_options(const model::SequenceOptions& o, bool for_alter);
/// START WITH when none is given: MINVALUE (or 1) going up, MAXVALUE (or -1) going down.
long long default_start(const model::SequenceOptions& o);
std::string drop_sequence(const model::QualifiedName& n);

std::string create_function(const model::Function& f, bool or_replace);
std::string function_ref(const model::Function& f); ///< name(arg types) for DROP/ALTER/COMMENT
std::string drop_function(const model::Function& f);

/// CREATE TABLE with columns and PK/UNIQUE/CHECK/EXCLUDE constraints (not
/// FKs, not NOT VALID checks: those are separate steps).
std::string create_table(const model::Table& t);
std::string drop_table(const model::QualifiedName& n);
/// "col TYPE [COLLATE] [GENERATED ...] [DEFAULT ...] [NOT NULL]"
std::string column_definition(const model::Column& c, bool include_not_null = true);

std::string primary_key(const model::PrimaryKey& pk);        ///< CONSTRAINT n PRIMARY KEY (...)
std::string unique(const model::UniqueConstraint& u);        ///< CONSTRAINT n UNIQUE (...)
std::string check(const model::CheckConstraint& c);          ///< CONSTRAINT n CHECK (...)
std::string foreign_key(const model::ForeignKey& fk);        ///< CONSTRAINT n FOREIGN KEY ...
std::string exclusion(const model::ExclusionConstraint& x);  ///< CONSTRAINT n EXCLUDE ...
std::string deferral(const model::Deferral& d);              ///< "" or " DEFERRABLE ..."
std::string identity_options(const model::SequenceOptions& o); ///< "" or " (START WITH ...)"

std::string alter_table(const model::QualifiedName& table); ///< "ALTER TABLE name"

std::string create_index(const model::Index& i, bool concurrently);
std::string drop_index(const model::QualifiedName& n, bool concurrently);
std::string index_element(const model::IndexElement& e);

std::string create_view(const model::View& v, bool or_replace);
std::string drop_view(const model::View& v);

std::string create_trigger(const model::Trigger& t, bool or_replace);
std::string drop_trigger(const model::Trigger& t);

std::string create_policy(const model::Policy& p);
std::string drop_policy(const model::Policy& p);
std::string policy_roles(const model::Policy& p);

/// ON TABLE t / ON SEQUENCE s / ON FUNCTION f(args) / ON SCHEMA s ... (columns: "(c) ON TABLE t")
std::string privilege_target(const model::ObjectRef& o, const std::string& privileges);
std::string grant(const model::Grant& g);
std::string revoke_grant(const model::Grant& g); ///< undoes `g`
std::string revoke(const model::Revoke& r);
std::string undo_revoke(const model::Revoke& r); ///< GRANT back what `r` took
std::string grantee(const std::string& role);

/// "TABLE users", "COLUMN users.email", "CONSTRAINT c ON users", "FUNCTION f(integer)"
std::string object_ref(const model::ObjectRef& o);
std::string comment(const model::Comment& c);
std::string comment_null(const model::ObjectRef& o);
std::string owner(const model::Owner& o);

} // namespace qail::plan::ddl
