#pragma once
// Reads a live database into the model, with a fixed, small number of
// catalog queries (pipelined), whatever the number of tables.

#include <string>
#include <vector>

#include <qail/model/schema.hpp>
#include <qail/pg/connection.hpp>

namespace qail::introspect {

struct Options {
    /// Only these PostgreSQL schemas; empty means every user schema (system
    /// schemas, extension-owned objects and tables named _qail* are skipped).
    std::vector<std::string> schemas;
    /// Also QAIL's own tables (_qail*): for a copy of the whole database.
    bool include_qail_tables = false;
};

/// An object that exists in the database but that the model cannot represent.
/// Reported as `unmanaged: <kind> <name>`; never dropped in silence.
struct Unmanaged {
    std::string kind; ///< "aggregate", "operator", "rule", "foreign table", ...
    std::string name;
    std::string reason; ///< optional detail
};

struct Result {
    model::Schema schema; ///< normalised
    std::vector<Unmanaged> unmanaged;
};

Result introspect(pg::Connection& conn, const Options& options = {});

} // namespace qail::introspect
