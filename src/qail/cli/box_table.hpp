#pragma once
// Box-drawn tables for terminals (migrate status and friends).

#include <string>
#include <vector>

namespace qail::cli {

/// Renders rows under a header with ┌─┬─┐ borders. Widths follow the widest
/// cell of each column, counted in characters (not bytes).
std::string box_table(const std::vector<std::string>& header,
                      const std::vector<std::vector<std::string>>& rows);

/// Characters in a UTF-8 string (what a terminal shows for our text).
size_t display_width(const std::string& text);

} // namespace qail::cli
