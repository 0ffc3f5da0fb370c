#pragma once
// Internals shared by validate() and load_schema().

#include <map>
#include <string>
#include <vector>

#include <qail/base/error.hpp>
#include <qail/model/schema.hpp>

namespace qail::lang {

/// validate() without reading source lines.
std::vector<Diagnostic> validate_raw(const model::Schema& schema);

/// Fills in the source line of each located diagnostic, from `texts`
/// (file name -> contents) or, for files not in it, from disk.
void attach_source_lines(std::vector<Diagnostic>& diagnostics,
                         std::map<std::string, std::string>& texts);

} // namespace qail::lang
