#include "source.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace qail::lang {

SourceText::SourceText(std::string_view text, std::string file)
    : m_text(text), m_file(std::move(file)) {
    m_line_starts.reserve(text.size() / 24 + 1);
    m_line_starts.push_back(0);
    const char* begin = text.data();
    const char* end = begin + text.size();
    const char* p = begin;
    while (p < end) {
        const void* hit = std::memchr(p, '\n', static_cast<size_t>(end - p));
        if (hit == nullptr) {
            break;
        }
        p = static_cast<const char*>(hit) + 1;
        m_line_starts.push_back(static_cast<size_t>(p - begin));
    }
}

int SourceText::line_of(size_t offset) const {
    // Most lookups are at or a little after the previous one: try that first.
    size_t last = m_last_line;
    if (last < m_line_starts.size() && m_line_starts[last] <= offset) {
        for (size_t i = last; i < m_line_starts.size() && i < last + 8; ++i) {
            if (i + 1 == m_line_starts.size() || m_line_starts[i + 1] > offset) {
                m_last_line = i;
                return static_cast<int>(i + 1);
            }
        }
    }
    auto it = std::upper_bound(m_line_starts.begin(), m_line_starts.end(), offset);
    m_last_line = static_cast<size_t>(it - m_line_starts.begin()) - 1;
    return static_cast<int>(it - m_line_starts.begin());
}

int SourceText::column_of(size_t offset) const {
    int line = line_of(offset);
    return static_cast<int>(offset - m_line_starts[static_cast<size_t>(line - 1)]) + 1;
}

size_t SourceText::line_start(int line) const {
    if (line < 1) {
        return 0;
    }
    if (static_cast<size_t>(line) > m_line_starts.size()) {
        return m_text.size();
    }
    return m_line_starts[static_cast<size_t>(line - 1)];
}

std::string_view SourceText::line_text(int line) const {
    if (line < 1 || static_cast<size_t>(line) > m_line_starts.size()) {
        return {};
    }
    size_t start = m_line_starts[static_cast<size_t>(line - 1)];
    size_t end = static_cast<size_t>(line) < m_line_starts.size()
                     ? m_line_starts[static_cast<size_t>(line)] - 1
                     : m_text.size();
    if (end > start && m_text[end - 1] == '\r') {
        --end;
    }
    return m_text.substr(start, end - start);
}

Diagnostic SourceText::diagnostic(size_t offset, size_t length, std::string message,
                                  std::string help) const {
    offset = std::min(offset, m_text.size());
    int line = line_of(offset);
    int column = column_of(offset);
    std::string_view text = line_text(line);
    // Keep the caret on the line it starts on.
    size_t room = text.size() >= static_cast<size_t>(column - 1)
                      ? text.size() - static_cast<size_t>(column - 1)
                      : 0;
    length = std::max<size_t>(1, std::min(length, std::max<size_t>(room, 1)));
    return Diagnostic{.file = m_file, .line = line, .column = column,
                      .length = static_cast<int>(length), .line_text = std::string(text),
                      .message = std::move(message), .help = std::move(help)};
}

model::SourceRef SourceText::ref(size_t offset) const {
    model::SourceRef ref;
    ref.file = m_file;
    ref.line = line_of(offset);
    ref.column = static_cast<int>(offset - m_line_starts[static_cast<size_t>(ref.line - 1)]) + 1;
    return ref;
}

size_t find_invalid_utf8(std::string_view text) {
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    size_t n = text.size();
    size_t i = 0;
    while (i < n) {
        // Fast path: eight ASCII bytes at a time.
        while (i + 8 <= n) {
            uint64_t chunk;
            std::memcpy(&chunk, s + i, 8);
            if ((chunk & 0x8080808080808080ULL) != 0) {
                break;
            }
            i += 8;
        }
        if (i >= n) {
            break;
        }
        unsigned char c = s[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        size_t extra = 0;
        uint32_t min = 0;
        uint32_t cp = 0;
        if ((c & 0xE0) == 0xC0) {
            extra = 1;
            min = 0x80;
            cp = c & 0x1Fu;
        } else if ((c & 0xF0) == 0xE0) {
            extra = 2;
            min = 0x800;
            cp = c & 0x0Fu;
        } else if ((c & 0xF8) == 0xF0) {
            extra = 3;
            min = 0x10000;
            cp = c & 0x07u;
        } else {
            return i;
        }
        if (i + extra >= n) {
            return i;
        }
        for (size_t k = 1; k <= extra; ++k) {
            unsigned char d = s[i + k];
            if ((d & 0xC0) != 0x80) {
                return i;
            }
            cp = (cp << 6) | (d & 0x3Fu);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return i;
        }
        i += extra + 1;
    }
    return std::string_view::npos;
}

} // namespace qail::lang
