#pragma once
// What the safety stage needs to know about a live table: its columns with
// their types, its primary key and the planner's row estimate.

#include <optional>
#include <string>
#include <vector>

#include <qail/model/names.hpp>
#include <qail/pg/connection.hpp>

namespace qail::safety {

struct LiveColumn {
    std::string name;
    std::string type;             ///< format_type(), e.g. "character varying(20)"
    bool generated = false;       ///< GENERATED ALWAYS AS (...) STORED: never written
    bool identity_always = false; ///< needs OVERRIDING SYSTEM VALUE to be written
};

struct LiveTable {
    model::QualifiedName name;
    std::vector<LiveColumn> columns; ///< in attnum order
    std::vector<std::string> primary_key;
    /// pg_class.reltuples; negative when the table was never analysed.
    double estimated_rows = -1;

    const LiveColumn* column(const std::string& column_name) const;
};

/// The table as the catalog describes it now; nullopt when it does not exist.
std::optional<LiveTable> describe_table(pg::Connection& conn, const model::QualifiedName& table);

/// Quoted schema.name (public included, so it never depends on search_path).
std::string qualified_sql(const model::QualifiedName& table);

/// SQL for the key columns as JSON text, e.g. {"id": 42} (what
/// jsonb_build_object('id', alias.id)::text prints); `json_names`, when given,
/// names the keys in the JSON instead of the column names.
std::string key_json_sql(const std::vector<std::string>& key, const std::string& alias,
                         const std::vector<std::string>& json_names = {});

/// "users" for public tables, "billing.invoices" otherwise (what snapshots
/// store); a part that holds a dot or a quote is written in double quotes,
/// so that parse_table_label() gives the same two parts back.
std::string table_label(const model::QualifiedName& table);
model::QualifiedName parse_table_label(const std::string& label);

/// 1234567 -> "1,234,567".
std::string with_commas(long long value);

} // namespace qail::safety
