#include "box_table.hpp"

#include <algorithm>

namespace qail::cli {

size_t display_width(const std::string& text) {
    size_t width = 0;
    for (char c : text) {
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
            ++width;
        }
    }
    return width;
}

namespace {

std::string repeat(const std::string& piece, size_t n) {
    std::string out;
    for (size_t i = 0; i < n; ++i) {
        out += piece;
    }
    return out;
}

std::string border(const std::vector<size_t>& widths, const char* left, const char* middle,
                   const char* right) {
    std::string line = left;
    for (size_t i = 0; i < widths.size(); ++i) {
        if (i > 0) {
            line += middle;
        }
        line += repeat("─", widths[i] + 2);
    }
    return line + right + "\n";
}

std::string row_line(const std::vector<size_t>& widths, const std::vector<std::string>& cells) {
    std::string line = "│";
    for (size_t i = 0; i < widths.size(); ++i) {
        std::string cell = i < cells.size() ? cells[i] : std::string();
        line += " " + cell + std::string(widths[i] - display_width(cell), ' ') + " │";
    }
    return line + "\n";
}

} // namespace

std::string box_table(const std::vector<std::string>& header,
                      const std::vector<std::vector<std::string>>& rows) {
    std::vector<size_t> widths(header.size(), 0);
    for (size_t i = 0; i < header.size(); ++i) {
        widths[i] = display_width(header[i]);
    }
    for (const auto& row : rows) {
        for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
            widths[i] = std::max(widths[i], display_width(row[i]));
        }
    }
    std::string out = border(widths, "┌", "┬", "┐");
    out += row_line(widths, header);
    out += border(widths, "├", "┼", "┤");
    for (const auto& row : rows) {
        out += row_line(widths, row);
    }
    out += border(widths, "└", "┴", "┘");
    return out;
}

} // namespace qail::cli
