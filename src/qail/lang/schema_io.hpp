#pragma once
// The .qail language: text <-> model. This header is the contract the other
// stages use; see docs/qail-format.md for the language itself.

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <qail/base/error.hpp>
#include <qail/model/schema.hpp>

namespace qail::lang {

/// Parses one .qail text (upstream's brace dialect plus QAIL's additions) into
/// a normalised model. Throws InputError carrying every problem found, each
/// with file:line:col, the line and a caret. Never crashes or hangs on any input.
model::Schema parse_schema(std::string_view text, const std::string& file_name = "<input>");

struct LoadOptions {
    bool validate = true; ///< run validate() and throw on errors
};

/// Loads a .qail file or a modular schema directory (recursive *.qail,
/// _order.qail, strict manifests via `-- qail: strict-manifest`, `!strict`,
/// QAIL_SCHEMA_STRICT_MANIFEST or qail.toml), parses and (by default) validates it.
model::Schema load_schema(const std::filesystem::path& path, const LoadOptions& options = {});

/// Semantic problems (duplicate names, references to missing tables or
/// columns, FKs without a unique target, ...), located where the model knows
/// its origin. Empty when the schema is valid.
std::vector<Diagnostic> validate(const model::Schema& schema);

/// The one canonical text of a schema: parse_schema(print_schema(s)) == s and
/// print_schema is idempotent.
std::string print_schema(const model::Schema& schema);

/// A modular directory for the same schema: relative path -> file text, with an
/// "_order.qail" that loads the modules in a working order.
std::map<std::string, std::string> print_split(const model::Schema& schema);

} // namespace qail::lang
