#pragma once
// One input text with its line table: byte offsets -> line:column, the text of
// a line, and located diagnostics.

#include <string>
#include <string_view>
#include <vector>

#include <qail/base/error.hpp>
#include <qail/model/names.hpp>

namespace qail::lang {

class SourceText {
public:
    SourceText(std::string_view text, std::string file);

    std::string_view text() const { return m_text; }
    const std::string& file() const { return m_file; }

    /// 1-based line of a byte offset.
    int line_of(size_t offset) const;
    /// 1-based byte column of a byte offset.
    int column_of(size_t offset) const;
    /// Offset of the first byte of a 1-based line.
    size_t line_start(int line) const;
    /// The text of a 1-based line, without its line break.
    std::string_view line_text(int line) const;
    int line_count() const { return static_cast<int>(m_line_starts.size()); }

    /// A diagnostic pointing at [offset, offset + length).
    Diagnostic diagnostic(size_t offset, size_t length, std::string message,
                          std::string help = {}) const;
    /// Where an object declared at `offset` comes from.
    model::SourceRef ref(size_t offset) const;

private:
    std::string_view m_text;
    std::string m_file;
    std::vector<size_t> m_line_starts;
    mutable size_t m_last_line = 0; ///< index of the last line found (lookups mostly move forward)
};

/// The first byte offset at which `text` is not valid UTF-8, or npos.
size_t find_invalid_utf8(std::string_view text);

} // namespace qail::lang
