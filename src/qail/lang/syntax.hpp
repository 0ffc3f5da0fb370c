#pragma once
// Lexical rules shared by the .qail parser and printer, so that what one
// writes the other reads back: identifier characters, the scanner for raw SQL
// expressions, dollar quoting and identifier quoting.

#include <span>
#include <string>
#include <string_view>

#include <qail/model/names.hpp>

namespace qail::lang {

inline bool is_ident_start(char c) {
    auto u = static_cast<unsigned char>(c);
    return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u == '_' || u >= 0x80;
}
inline bool is_ident_char(char c) {
    auto u = static_cast<unsigned char>(c);
    return is_ident_start(c) || (u >= '0' && u <= '9') || u == '$';
}
inline bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}
inline bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

/// Where a raw SQL expression ends. Quotes ('...', "...", E'...', $tag$...$tag$),
/// brackets and /* comments */ are always skipped as units.
struct ScanStops {
    /// Stop before one of these words when it appears at the top level.
    std::span<const std::string_view> words;
    bool comma = false;       ///< stop at a top-level ','
    bool close_paren = false; ///< stop at an unmatched ')'
    bool arrow = false;       ///< stop at a top-level "->"
    /// Stop at a top-level line break and at a trailing comment (`#` after
    /// whitespace, `--`). Without it, line breaks are part of the expression.
    bool line = true;
};

struct ScanResult {
    size_t end = 0;          ///< where the expression stops
    bool ok = true;          ///< false: an unterminated quote, comment or bracket
    size_t error_at = 0;     ///< where the unterminated thing starts
    const char* error = "";  ///< what is unterminated
};

/// Scans a raw SQL expression starting at `pos`. Never reads past `text`.
ScanResult scan_sql(std::string_view text, size_t pos, const ScanStops& stops);

/// Length of a dollar-quote delimiter ($$ or $tag$) starting at `pos`, or 0.
size_t dollar_tag_length(std::string_view text, size_t pos);

/// A delimiter ($$, $q$, $q1$, ...) that can enclose `body` unambiguously.
std::string dollar_delimiter(std::string_view body);

/// Words of the language that would be ambiguous at the start of a line in a
/// table block or as a hint target, and so are quoted when used as names.
bool is_qail_keyword(std::string_view word);

/// An identifier as the printer writes it: bare when it reads back the same
/// (lower case, not an SQL reserved word, not a .qail keyword), else in double quotes.
std::string qail_ident(std::string_view name);

/// A qualified name: "name" in the default schema, else "schema.name".
std::string qail_name(const model::QualifiedName& name);

/// "text" with `"` doubled.
std::string double_quoted(std::string_view text);

/// The backtick form of a raw expression, `...` with ` doubled: the escape the
/// printer uses when the plain form would not read back as the same text.
std::string backticked(std::string_view text);

/// `text` without surrounding spaces, tabs and line breaks.
std::string_view trim_sql(std::string_view text);

/// Upstream's check shorthands that are not SQL (`x in [a, 'b c']`,
/// `x between 1 10`, `x not_null`, joined by and/or) rewritten as SQL;
/// any other expression is returned unchanged.
std::string rewrite_check_shorthand(std::string expr);

/// True when `text` can be written as is in a raw-expression slot with these
/// stops and reads back as exactly `text`.
bool fits_raw_slot(std::string_view text, const ScanStops& stops);

} // namespace qail::lang
