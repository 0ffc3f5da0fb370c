#pragma once
// The "sides" commands compare: a .qail file, a modular schema directory, a
// database URL (introspected), or `_` (the empty schema). `qail diff` uses
// them; migrate plan/up/down/shadow reuse them.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <qail/introspect/introspect.hpp>
#include <qail/model/schema.hpp>

namespace qail::pg {
class Connection;
}

namespace qail::cli {

struct Side {
    enum class Kind { empty, file, database };
    Kind kind = Kind::empty;
    /// How to name the side to the user: "_", the path, or the redacted URL.
    std::string label;
    /// The conninfo for a database side (not for display: may hold a password).
    std::string conninfo;
    model::Schema schema;
    std::vector<introspect::Unmanaged> unmanaged;
};

/// True when `spec` names the empty schema.
bool is_empty_side(const std::string& spec);

/// Loads one side: `_`, a URL/conninfo (introspected; see database_url.hpp
/// looks_like_database_url), or a file or directory (lang::load_schema).
Side load_side(const std::string& spec);

/// introspect::introspect of every user schema.
introspect::Result introspect_live(pg::Connection& conn);

/// Introspects a live database.
Side load_database(const std::string& conninfo, const std::string& label);

/// How a hand-written schema was brought to the catalog's spelling.
struct Canonical {
    model::Schema schema;
    /// True when it went through a scratch database; false when the server
    /// refused (no CREATEDB) and the caller must compare loosely.
    bool exact = false;
    std::string note; ///< why it is not exact, for the user
};

/// Canonicalises a schema written by hand (`default now()`, `check (total >= 0)`, view
/// SQL as typed) into the spelling the catalog prints (`now()`, `(total >= (0)::numeric)`,
/// pg_get_viewdef), so that it compares exactly with an introspected database:
/// creates a scratch database on the same server (roles, extensions and
/// collations are the server's), runs plan::create_sql, introspects it and drops
/// it. The hints of `schema` are kept. When the role may not create databases,
/// returns the schema unchanged with exact = false and a note.
Canonical canonicalize(pg::Connection& server, const model::Schema& schema);

} // namespace qail::cli
