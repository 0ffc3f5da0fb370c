#pragma once

#include <string>

#include <qail/model/schema.hpp>

namespace qail::plan {

/// SQL that creates `schema` in an empty database, in dependency order
/// (extensions and schemas, types, sequences, functions that defaults and
/// checks use, tables, then constraints, indexes, views in dependency order,
/// triggers, policies, grants, comments). Runs as-is with psql -v ON_ERROR_STOP=1.
/// The same text `qail diff _ <schema>` prints.
std::string create_sql(const model::Schema& schema);

} // namespace qail::plan
