// The .qail statement parser: a hand-written cursor over the text with one
// function per statement kind. Everything is read in place (string_views into
// the text); only the model's strings are allocated.

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <optional>
#include <unordered_map>

#include <fmt/format.h>

#include <qail/base/strings.hpp>
#include <qail/lang/statements.hpp>
#include <qail/lang/syntax.hpp>
#include <qail/model/types.hpp>

namespace qail::lang {

namespace {

using namespace std::string_view_literals;

constexpr size_t k_max_errors = 100;

constexpr std::array k_statement_keywords = {
    "table"sv,   "unlogged"sv,  "partition"sv, "index"sv,   "unique"sv,    "extension"sv,
    "schema"sv,  "enum"sv,      "domain"sv,    "type"sv,    "sequence"sv,  "view"sv,
    "materialized"sv, "function"sv, "procedure"sv, "trigger"sv, "policy"sv, "grant"sv,
    "revoke"sv,  "comment"sv,   "owner"sv,     "rename"sv,  "transform"sv, "drop"sv,
    "bucket"sv,  "queue"sv,     "topic"sv,
};

constexpr std::array k_column_options = {
    "primary_key"sv,        "not_null"sv,
    "nullable"sv,           "unique"sv,
    "default"sv,            "references"sv,
    "on_delete"sv,          "on_update"sv,
    "deferrable"sv,         "not_deferrable"sv,
    "initially_deferred"sv, "initially_immediate"sv,
    "match_full"sv,         "match_partial"sv,
    "match_simple"sv,       "check"sv,
    "check_name"sv,         "no_inherit"sv,
    "not_valid"sv,          "generated_identity"sv,
    "generated_by_default_identity"sv, "generated_stored"sv,
    "collate"sv,            "storage"sv,
    "compression"sv,        "constraint"sv,
    "nulls_not_distinct"sv,
};

constexpr std::array k_domain_options = {
    "not_null"sv, "nullable"sv, "default"sv, "collate"sv, "check"sv,
    "check_name"sv, "not_valid"sv, "constraint"sv,
};

constexpr std::array k_fk_actions = {"cascade"sv, "set_null"sv, "set_default"sv, "restrict"sv,
                                     "no_action"sv};

constexpr std::array k_index_methods = {"btree"sv, "hash"sv,    "gin"sv,  "gist"sv,
                                        "brin"sv,  "spgist"sv,  "hnsw"sv, "ivfflat"sv};

constexpr std::array k_privileges = {"select"sv,   "insert"sv,  "update"sv,  "delete"sv,
                                     "truncate"sv, "references"sv, "trigger"sv, "usage"sv,
                                     "execute"sv,  "create"sv,  "connect"sv, "temporary"sv,
                                     "all"sv};

constexpr std::array k_object_kinds = {
    "table"sv,    "view"sv,   "materialized"sv, "sequence"sv, "index"sv,  "function"sv,
    "procedure"sv, "type"sv,  "domain"sv,       "schema"sv,   "extension"sv, "column"sv,
    "trigger"sv,  "policy"sv, "constraint"sv,
};

constexpr std::array k_drop_kinds = {
    "table"sv,   "column"sv,   "index"sv,     "view"sv,    "materialized"sv, "extension"sv,
    "sequence"sv, "enum"sv,    "type"sv,      "domain"sv,  "function"sv,     "procedure"sv,
    "trigger"sv, "policy"sv,   "schema"sv,    "constraint"sv,
};

constexpr std::array k_rename_kinds = {"table"sv,    "column"sv,   "index"sv,  "view"sv,
                                       "type"sv,     "sequence"sv, "function"sv, "schema"sv,
                                       "materialized"sv, "enum"sv, "domain"sv};

constexpr std::array k_policy_clauses = {"for"sv,        "to"sv,    "using"sv, "with_check"sv,
                                         "restrictive"sv, "permissive"sv};

constexpr std::array k_sequence_options = {"start"sv,    "increment"sv, "minvalue"sv, "maxvalue"sv,
                                           "cache"sv,    "cycle"sv,     "no_cycle"sv, "owned_by"sv,
                                           "as"sv};

constexpr std::array k_interval_fields = {"year"sv,   "month"sv,  "day"sv, "hour"sv,
                                          "minute"sv, "second"sv, "to"sv};

template <size_t N>
bool one_of(std::string_view word, const std::array<std::string_view, N>& words) {
    return std::find(words.begin(), words.end(), word) != words.end();
}

std::string lower_ascii(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

struct TextHash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};

struct ParseFailure {
    size_t at;
    size_t length;
    std::string message;
    std::string help;
};

// Where an inline constraint option (deferrable, not_valid, ...) applies.
enum class LastConstraint { none, primary_key, unique, foreign_key, check };

} // namespace

std::span<const std::string_view> column_option_keywords() {
    return k_column_options;
}

struct StatementParser::Impl {
    const SourceText& src;
    std::string_view text;
    size_t pos = 0;
    ParseHooks hooks;
    std::vector<Diagnostic> diagnostics;
    std::vector<std::string> header;
    std::vector<std::string> closing;
    std::vector<std::string> pending;  // comment lines waiting for their statement
    std::vector<std::string> stray;    // comments met inside a statement
    bool too_many = false;
    // canonical_type() of type texts seen before (types repeat a lot)
    std::unordered_map<std::string, std::string, TextHash, std::equal_to<>> type_cache;

    Impl(const SourceText& source, ParseHooks h)
        : src(source), text(source.text()), hooks(std::move(h)) {}

    // ---- errors -----------------------------------------------------------

    [[noreturn]] void fail(size_t at, size_t length, std::string message,
                           std::string help = {}) const {
        throw ParseFailure{at, length, std::move(message), std::move(help)};
    }

    [[noreturn]] void fail_here(std::string message, std::string help = {}) {
        size_t length = 1;
        if (pos < text.size() && is_ident_char(text[pos])) {
            length = word_at(pos).size();
        }
        fail(pos, length, std::move(message), std::move(help));
    }

    void record(const ParseFailure& f) {
        if (diagnostics.size() >= k_max_errors) {
            too_many = true;
            return;
        }
        diagnostics.push_back(src.diagnostic(f.at, f.length, f.message, f.help));
    }

    std::string describe_here() {
        if (pos >= text.size()) {
            return "the end of the file";
        }
        if (text[pos] == '\n') {
            return "the end of the line";
        }
        if (is_ident_char(text[pos])) {
            return fmt::format("'{}'", word_at(pos));
        }
        return fmt::format("'{}'", text[pos]);
    }

    // ---- characters and lines ---------------------------------------------

    char at(size_t i) const { return i < text.size() ? text[i] : '\0'; }
    bool eof() const { return pos >= text.size(); }

    void blanks() {
        while (pos < text.size() && is_blank(text[pos])) {
            ++pos;
        }
    }

    // Whitespace including line breaks and comment lines (inside brackets).
    void blanks_nl() {
        while (pos < text.size()) {
            char c = text[pos];
            if (is_blank(c) || c == '\n') {
                ++pos;
            } else if (at_comment()) {
                stray.push_back(take_comment());
            } else {
                break;
            }
        }
    }

    bool at_comment() const {
        if (pos >= text.size()) {
            return false;
        }
        char c = text[pos];
        if (c == '#') {
            return pos == 0 || is_blank(text[pos - 1]) || text[pos - 1] == '\n';
        }
        return c == '-' && at(pos + 1) == '-';
    }

    std::string take_comment() {
        size_t start = pos;
        while (pos < text.size() && text[pos] != '\n') {
            ++pos;
        }
        size_t end = pos;
        while (end > start && (text[end - 1] == '\r' || is_blank(text[end - 1]))) {
            --end;
        }
        return std::string(text.substr(start, end - start));
    }

    bool line_end() {
        blanks();
        return pos >= text.size() || text[pos] == '\n' || at_comment();
    }

    // Ends a line: an optional trailing comment, then the line break.
    void finish_line(std::string* trailing) {
        blanks();
        if (at_comment()) {
            std::string comment = take_comment();
            if (trailing != nullptr && trailing->empty()) {
                *trailing = std::move(comment);
            } else {
                stray.push_back(std::move(comment));
            }
        }
        if (pos < text.size()) {
            if (text[pos] != '\n') {
                fail_here(fmt::format("unexpected {}", describe_here()),
                          "each statement or column ends at the end of its line");
            }
            ++pos;
        }
    }

    // The next line, when it is indented and its first word passes `accept`,
    // continues the current statement: moves there and returns true.
    template <typename Accept>
    bool continuation(Accept accept) {
        size_t save = pos;
        blanks();
        std::vector<std::string> comments;
        if (at_comment()) {
            comments.push_back(take_comment());
        }
        while (pos < text.size() && text[pos] == '\n') {
            size_t line = pos + 1;
            size_t p = line;
            while (p < text.size() && is_blank(text[p])) {
                ++p;
            }
            if (p == line || p >= text.size() || text[p] == '\n') {
                break; // not indented, or blank
            }
            pos = p;
            if (at_comment()) {
                comments.push_back(take_comment());
                continue;
            }
            if (accept(word_at(p))) {
                for (auto& c : comments) {
                    stray.push_back(std::move(c));
                }
                return true;
            }
            break;
        }
        pos = save;
        return false;
    }

    // Like blanks(), but also moves onto indented continuation lines.
    void ws_multi() {
        while (true) {
            blanks();
            if (pos < text.size() && text[pos] != '\n' && !at_comment()) {
                return;
            }
            if (!continuation([](std::string_view) { return true; })) {
                return;
            }
        }
    }

    // ---- words and names --------------------------------------------------

    std::string_view word_at(size_t p) const {
        size_t e = p;
        while (e < text.size() && is_ident_char(text[e])) {
            ++e;
        }
        return text.substr(p, e - p);
    }

    std::string_view peek_word() {
        blanks();
        if (pos < text.size() && is_ident_start(text[pos])) {
            return word_at(pos);
        }
        return {};
    }

    // The next word, compared case-insensitively (SQL words like DESC, NULLS).
    std::string peek_word_lower() { return lower_ascii(peek_word()); }

    bool accept(std::string_view keyword) {
        if (peek_word() == keyword) {
            pos += keyword.size();
            return true;
        }
        return false;
    }

    bool accept_icase(std::string_view keyword) {
        std::string_view word = peek_word();
        if (!word.empty() && equals_icase(word, keyword)) {
            pos += word.size();
            return true;
        }
        return false;
    }

    void expect(std::string_view keyword, std::string_view context = {}) {
        if (!accept(keyword)) {
            std::string message = fmt::format("expected '{}'", keyword);
            if (!context.empty()) {
                message += fmt::format(" {}", context);
            }
            fail_here(message + fmt::format(", found {}", describe_here()));
        }
    }

    bool accept_char(char c) {
        blanks();
        if (at(pos) == c) {
            ++pos;
            return true;
        }
        return false;
    }

    void expect_char(char c, std::string_view context) {
        if (!accept_char(c)) {
            fail_here(fmt::format("expected '{}' {}, found {}", c, context, describe_here()));
        }
    }

    bool at_char(char c) {
        blanks();
        return at(pos) == c;
    }

    std::string take_word(const char* what) {
        std::string_view w = peek_word();
        if (w.empty()) {
            fail_here(fmt::format("expected {}, found {}", what, describe_here()));
        }
        pos += w.size();
        return std::string(w);
    }

    // An identifier: "quoted" kept exactly, unquoted folded to lower case.
    std::string ident(const char* what) {
        blanks();
        return ident_here(what);
    }

    std::string ident_here(const char* what) {
        char c = at(pos);
        if (c == '"') {
            size_t start = pos;
            std::string out;
            ++pos;
            while (true) {
                if (pos >= text.size()) {
                    fail(start, 1, "unterminated quoted identifier");
                }
                char d = text[pos];
                if (d == '"') {
                    if (at(pos + 1) == '"') {
                        out += '"';
                        pos += 2;
                        continue;
                    }
                    ++pos;
                    break;
                }
                out += d;
                ++pos;
            }
            if (out.empty()) {
                fail(start, 2, "a quoted identifier cannot be empty");
            }
            return out;
        }
        if (is_ident_start(c)) {
            std::string_view w = word_at(pos);
            pos += w.size();
            return lower_ascii(w);
        }
        fail_here(fmt::format("expected {}, found {}", what, describe_here()));
    }

    // a, a.b or a.b.c (dots without spaces around them).
    std::vector<std::string> dotted(size_t max_parts, const char* what) {
        std::vector<std::string> parts;
        parts.push_back(ident(what));
        while (at(pos) == '.' && (at(pos + 1) == '"' || is_ident_start(at(pos + 1)))) {
            if (parts.size() >= max_parts) {
                fail_here(fmt::format("too many dots in {}", what));
            }
            ++pos;
            parts.push_back(ident_here(what));
        }
        return parts;
    }

    model::QualifiedName qname(const char* what) {
        std::vector<std::string> parts = dotted(2, what);
        if (parts.size() == 1) {
            return model::QualifiedName{model::k_default_schema, std::move(parts[0])};
        }
        return model::QualifiedName{std::move(parts[0]), std::move(parts[1])};
    }

    std::vector<std::string> ident_list(const char* what) {
        expect_char('(', fmt::format("before the list of {}", what));
        std::vector<std::string> items;
        blanks_nl();
        if (at(pos) == ')') {
            ++pos;
            return items;
        }
        while (true) {
            blanks_nl();
            items.push_back(ident_here(what));
            blanks_nl();
            if (at(pos) == ',') {
                ++pos;
                continue;
            }
            if (at(pos) == ')') {
                ++pos;
                return items;
            }
            fail_here(fmt::format("expected ',' or ')' in the list of {}, found {}", what,
                                  describe_here()));
        }
    }

    // ---- literals and raw SQL ---------------------------------------------

    std::string quoted_string(const char* what) {
        blanks();
        char q = at(pos);
        if (q != '\'' && q != '"') {
            fail_here(fmt::format("expected {} in quotes, found {}", what, describe_here()));
        }
        size_t start = pos;
        std::string out;
        ++pos;
        while (true) {
            if (pos >= text.size()) {
                fail(start, 1, fmt::format("unterminated {}", what));
            }
            char d = text[pos];
            if (d == q) {
                if (at(pos + 1) == q) {
                    out += q;
                    pos += 2;
                    continue;
                }
                ++pos;
                return out;
            }
            out += d;
            ++pos;
        }
    }

    std::string backtick_text() {
        size_t start = pos;
        std::string out;
        ++pos;
        while (true) {
            if (pos >= text.size()) {
                fail(start, 1, "unterminated `expression`");
            }
            char d = text[pos];
            if (d == '`') {
                if (at(pos + 1) == '`') {
                    out += '`';
                    pos += 2;
                    continue;
                }
                ++pos;
                return out;
            }
            out += d;
            ++pos;
        }
    }

    // A raw SQL expression up to the stops (see ScanStops), trimmed.
    std::string raw_slot(const ScanStops& stops, const char* what) {
        blanks();
        if (at(pos) == '`') {
            return backtick_text();
        }
        size_t start = pos;
        ScanResult scan = scan_sql(text, pos, stops);
        if (!scan.ok) {
            fail(scan.error_at, 1, fmt::format("unterminated {} in {}", scan.error, what));
        }
        std::string_view raw = trim_sql(text.substr(start, scan.end - start));
        pos = scan.end;
        if (raw.empty()) {
            fail(start, 1, fmt::format("expected {}", what));
        }
        return std::string(raw);
    }

    // "( expr )": the expression inside the parentheses, trimmed.
    std::string paren_expression(const char* what) {
        blanks();
        if (at(pos) != '(') {
            fail_here(fmt::format("expected '(' before {}, found {}", what, describe_here()));
        }
        size_t open = pos;
        ++pos;
        size_t save = pos;
        blanks_nl();
        if (at(pos) == '`') {
            std::string out = backtick_text();
            blanks_nl();
            if (at(pos) != ')') {
                fail_here(fmt::format("expected ')' after {}", what));
            }
            ++pos;
            return out;
        }
        pos = save;
        ScanStops stops;
        stops.close_paren = true;
        stops.line = false;
        ScanResult scan = scan_sql(text, pos, stops);
        if (!scan.ok) {
            fail(scan.error_at, 1, fmt::format("unterminated {} in {}", scan.error, what));
        }
        if (scan.end >= text.size()) {
            fail(open, 1, fmt::format("unclosed '(' of {}", what));
        }
        std::string_view raw = trim_sql(text.substr(pos, scan.end - pos));
        pos = scan.end + 1;
        if (raw.empty()) {
            fail(open, 2, fmt::format("empty {}", what));
        }
        return std::string(raw);
    }

    // "(...)" verbatim, parentheses included.
    std::string paren_group(const char* what) {
        blanks();
        if (at(pos) != '(') {
            fail_here(fmt::format("expected '(' before {}, found {}", what, describe_here()));
        }
        size_t open = pos;
        ScanStops stops;
        stops.close_paren = true;
        stops.line = false;
        ScanResult scan = scan_sql(text, pos + 1, stops);
        if (!scan.ok) {
            fail(scan.error_at, 1, fmt::format("unterminated {} in {}", scan.error, what));
        }
        if (scan.end >= text.size()) {
            fail(open, 1, fmt::format("unclosed '(' of {}", what));
        }
        pos = scan.end + 1;
        return std::string(text.substr(open, pos - open));
    }

    std::string dollar_body(const char* what) {
        blanks();
        size_t tag = dollar_tag_length(text, pos);
        if (tag == 0) {
            fail_here(fmt::format("expected {} in dollar quotes ($$ ... $$), found {}", what,
                                  describe_here()));
        }
        std::string_view delimiter = text.substr(pos, tag);
        size_t close = text.find(delimiter, pos + tag);
        if (close == std::string_view::npos) {
            fail(pos, tag, fmt::format("unterminated {}: no closing {}", what, delimiter));
        }
        std::string body(text.substr(pos + tag, close - pos - tag));
        pos = close + tag;
        return body;
    }

    long long integer(const char* what) {
        blanks();
        size_t start = pos;
        if (at(pos) == '-' || at(pos) == '+') {
            ++pos;
        }
        if (!is_digit(at(pos))) {
            pos = start;
            fail_here(fmt::format("expected {} (a whole number), found {}", what, describe_here()));
        }
        while (is_digit(at(pos))) {
            ++pos;
        }
        if (is_ident_char(at(pos))) {
            fail(start, pos - start + 1, fmt::format("expected {} (a whole number)", what));
        }
        std::string digits(text.substr(start, pos - start));
        errno = 0;
        long long value = std::strtoll(digits.c_str(), nullptr, 10);
        if (errno == ERANGE) {
            fail(start, pos - start, fmt::format("{} is out of range", what));
        }
        return value;
    }

    double number(const char* what) {
        blanks();
        size_t start = pos;
        while (pos < text.size() &&
               (is_digit(text[pos]) || text[pos] == '.' || text[pos] == '-' || text[pos] == '+' ||
                text[pos] == 'e' || text[pos] == 'E')) {
            ++pos;
        }
        std::string digits(text.substr(start, pos - start));
        char* end = nullptr;
        double value = digits.empty() ? 0 : std::strtod(digits.c_str(), &end);
        if (digits.empty() || end != digits.c_str() + digits.size()) {
            pos = start;
            fail_here(fmt::format("expected {} (a number), found {}", what, describe_here()));
        }
        return value;
    }

    // ---- types ------------------------------------------------------------

    bool next_word_is(std::initializer_list<std::string_view> words) {
        size_t save = pos;
        std::string w = peek_word_lower();
        pos = save;
        return std::find(words.begin(), words.end(), w) != words.end();
    }

    void take_lower_word() {
        blanks();
        pos += word_at(pos).size();
    }

    // A type name as PostgreSQL accepts it (multi-word types, modifiers,
    // schema qualification, arrays), returned in canonical form.
    std::string type_name(const char* what = "a type") {
        blanks();
        size_t start = pos;
        char c = at(pos);
        std::string first;
        if (c == '"') {
            ident_here(what);
        } else if (is_ident_start(c)) {
            first = lower_ascii(word_at(pos));
            pos += word_at(pos).size();
        } else {
            fail_here(fmt::format("expected {}, found {}", what, describe_here()));
        }
        bool qualified = false;
        while (at(pos) == '.' && (at(pos + 1) == '"' || is_ident_start(at(pos + 1)))) {
            ++pos;
            ident_here(what);
            qualified = true;
        }
        auto modifier = [&] {
            size_t save = pos;
            blanks();
            if (at(pos) == '(') {
                size_t open = pos;
                std::string group = paren_group("the type modifier");
                // a type modifier is a few numbers or words on one line; a
                // newline or comment inside means the ')' closing it belongs to
                // something else (and the canonical type text would lose them)
                if (group.find_first_of("\r\n") != std::string::npos ||
                    group.find("--") != std::string::npos ||
                    group.find("/*") != std::string::npos) {
                    fail(open, 1, "unclosed '(' of the type modifier on this line");
                }
            } else {
                pos = save;
            }
        };
        if (!qualified) {
            if (first == "double") {
                if (next_word_is({"precision"})) {
                    take_lower_word();
                }
            } else if (first == "character" || first == "char" || first == "national" ||
                       first == "nchar" || first == "bit") {
                if (first == "national" && next_word_is({"character", "char"})) {
                    take_lower_word();
                }
                if (next_word_is({"varying"})) {
                    take_lower_word();
                }
            } else if (first == "timestamp" || first == "time") {
                modifier();
                if (next_word_is({"with", "without"})) {
                    take_lower_word();
                    if (!next_word_is({"time"})) {
                        fail_here("expected 'time zone'");
                    }
                    take_lower_word();
                    if (!next_word_is({"zone"})) {
                        fail_here("expected 'zone'");
                    }
                    take_lower_word();
                }
            } else if (first == "interval") {
                while (true) {
                    std::string w = peek_word_lower();
                    if (w.empty() || !one_of(w, k_interval_fields)) {
                        break;
                    }
                    take_lower_word();
                }
            }
        }
        modifier();
        while (true) {
            size_t save = pos;
            blanks();
            if (at(pos) == '[') {
                size_t close = pos + 1;
                while (close < text.size() && is_digit(text[close])) {
                    ++close;
                }
                if (at(close) != ']') {
                    fail_here("expected ']' of an array type");
                }
                pos = close + 1;
                continue;
            }
            if (peek_word_lower() == "array") {
                take_lower_word();
                if (at(pos) == '[') {
                    continue;
                }
                continue;
            }
            pos = save;
            break;
        }
        std::string_view raw = text.substr(start, pos - start);
        if (auto it = type_cache.find(raw); it != type_cache.end()) {
            return it->second;
        }
        std::string canonical = model::canonical_type(raw);
        if (type_cache.size() < 4096) {
            type_cache.emplace(std::string(raw), canonical);
        }
        return canonical;
    }

    // ---- statements -------------------------------------------------------

    void parse(const std::function<void(Statement&&)>& sink) {
        bool seen_statement = false;
        while (pos < text.size() && !too_many) {
            size_t line_start = pos;
            blanks();
            if (pos >= text.size()) {
                break;
            }
            if (text[pos] == '\n') {
                ++pos;
                if (!seen_statement && header.empty() && !pending.empty()) {
                    header = std::move(pending);
                    pending.clear();
                }
                continue;
            }
            if (at_comment()) {
                pending.push_back(take_comment());
                if (pos < text.size()) {
                    ++pos; // the line break
                }
                continue;
            }
            seen_statement = true;
            size_t start = pos;
            stray.clear();
            try {
                statement(sink, line_start);
            } catch (const ParseFailure& f) {
                record(f);
                recover(start);
            } catch (const InputError& e) {
                for (const Diagnostic& d : e.diagnostics()) {
                    if (diagnostics.size() < k_max_errors) {
                        diagnostics.push_back(d);
                    }
                }
                recover(start);
            }
        }
        if (too_many) {
            diagnostics.push_back(src.diagnostic(pos, 1, "too many errors; stopping here"));
        }
        for (auto& c : pending) {
            closing.push_back(std::move(c));
        }
        pending.clear();
    }

    // After an error: skip the rest of the statement (its bracketed and quoted
    // parts, a block it opened, its indented continuation lines).
    void recover(size_t start, bool skip_continuations = true) {
        pending.clear();
        size_t line = static_cast<size_t>(src.line_of(start));
        size_t error_line_start = src.line_start(static_cast<int>(line));
        if (pos < error_line_start) {
            pos = error_line_start;
        }
        // Skip to the end of the logical line.
        while (pos < text.size() && text[pos] != '\n') {
            ScanStops stops;
            ScanResult scan = scan_sql(text, pos, stops);
            if (!scan.ok) {
                // something unterminated: give up on this line only
                while (pos < text.size() && text[pos] != '\n') {
                    ++pos;
                }
                break;
            }
            pos = scan.end;
            if (pos < text.size() && text[pos] != '\n') {
                // a comment: to the end of the line
                while (pos < text.size() && text[pos] != '\n') {
                    ++pos;
                }
            }
        }
        // Did the statement's first line open a block?
        std::string_view first = src.line_text(src.line_of(start));
        size_t hash = first.find(" #");
        if (hash != std::string_view::npos) {
            first = first.substr(0, hash);
        }
        first = trim_sql(first);
        bool opened = !first.empty() && first.back() == '{';
        if (opened && src.line_of(pos) == src.line_of(start)) {
            while (pos < text.size()) {
                ++pos; // past '\n'
                size_t p = pos;
                while (p < text.size() && is_blank(text[p])) {
                    ++p;
                }
                if (at(p) == '}') {
                    pos = p;
                    while (pos < text.size() && text[pos] != '\n') {
                        ++pos;
                    }
                    break;
                }
                while (pos < text.size() && text[pos] != '\n') {
                    ++pos;
                }
            }
        }
        // Indented continuation lines belong to the failed statement too.
        while (skip_continuations && pos < text.size() && text[pos] == '\n') {
            size_t p = pos + 1;
            if (p < text.size() && is_blank(text[p])) {
                size_t q = p;
                while (q < text.size() && is_blank(text[q])) {
                    ++q;
                }
                if (q < text.size() && text[q] != '\n') {
                    pos = q;
                    while (pos < text.size() && text[pos] != '\n') {
                        ++pos;
                    }
                    continue;
                }
            }
            break;
        }
        if (pos < text.size() && text[pos] == '\n') {
            ++pos;
        }
        if (skip_continuations) {
            // a block whose header failed: its lone closing brace too
            size_t p = pos;
            while (p < text.size() && is_blank(text[p])) {
                ++p;
            }
            if (at(p) == '}') {
                size_t q = p + 1;
                while (q < text.size() && is_blank(text[q])) {
                    ++q;
                }
                if (q >= text.size() || text[q] == '\n') {
                    pos = q < text.size() ? q + 1 : q;
                }
            }
        }
    }

    std::vector<std::string> take_pending() {
        std::vector<std::string> out = std::move(pending);
        pending.clear();
        return out;
    }

    model::SourceRef origin_at(size_t offset) {
        model::SourceRef ref = src.ref(offset);
        return ref;
    }

    // Comments met inside a statement go before it, after its own comments.
    void attach_stray(model::SourceRef& origin) {
        for (auto& c : stray) {
            origin.closing_comments.push_back(std::move(c));
        }
        stray.clear();
    }

    void statement(const std::function<void(Statement&&)>& sink, size_t line_start) {
        size_t start = pos;
        std::string_view word = peek_word();
        std::vector<std::string> comments = take_pending();
        auto emit = [&](auto&& object) {
            object.origin.comments = std::move(comments);
            attach_stray(object.origin);
            sink(Statement(std::move(object)));
        };
        if (word.empty()) {
            fail_here(fmt::format("expected a statement, found {}", describe_here()));
        }
        pos += word.size();
        if (word == "table") {
            emit(table(start, false));
        } else if (word == "unlogged") {
            expect("table", "after 'unlogged'");
            emit(table(start, true));
        } else if (word == "partition") {
            emit(partition(start));
        } else if (word == "index") {
            emit(index(start, false));
        } else if (word == "unique") {
            expect("index", "after 'unique'");
            emit(index(start, true));
        } else if (word == "extension") {
            emit(extension(start));
        } else if (word == "schema") {
            emit(schema_def(start));
        } else if (word == "enum") {
            emit(enum_type(start));
        } else if (word == "domain") {
            emit(domain(start));
        } else if (word == "type") {
            emit(composite_type(start));
        } else if (word == "sequence") {
            emit(sequence(start));
        } else if (word == "view") {
            emit(view(start, false));
        } else if (word == "materialized") {
            expect("view", "after 'materialized'");
            emit(view(start, true));
        } else if (word == "function") {
            emit(function(start, false));
        } else if (word == "procedure") {
            emit(function(start, true));
        } else if (word == "trigger") {
            emit(trigger(start));
        } else if (word == "policy") {
            emit(policy(start));
        } else if (word == "grant" || word == "revoke") {
            bool is_grant = word == "grant";
            auto grants = grant(start, is_grant);
            if (is_grant) {
                if (!grants.empty()) {
                    grants.front().origin.comments = std::move(comments);
                    attach_stray(grants.front().origin);
                }
                sink(Statement(std::move(grants)));
            } else {
                std::vector<model::Revoke> revokes;
                for (auto& g : grants) {
                    revokes.push_back(model::Revoke{std::move(g.object), std::move(g.privileges),
                                                    std::move(g.grantee), std::move(g.origin)});
                }
                if (!revokes.empty()) {
                    revokes.front().origin.comments = std::move(comments);
                    attach_stray(revokes.front().origin);
                }
                sink(Statement(std::move(revokes)));
            }
        } else if (word == "comment") {
            emit(comment(start));
        } else if (word == "owner") {
            emit(owner(start));
        } else if (word == "rename") {
            emit(rename(start));
        } else if (word == "transform") {
            emit(transform(start));
        } else if (word == "drop") {
            emit(drop(start));
        } else if (word == "bucket" || word == "queue" || word == "topic") {
            emit(resource(start, word));
        } else {
            pos = start;
            if (hooks.unknown_statement) {
                HookContext context{src, start, std::move(comments)};
                if (hooks.unknown_statement(context, word)) {
                    pos = std::max(context.position, start + 1);
                    return;
                }
                comments = std::move(context.comments);
            }
            std::string help;
            std::string lowered = lower_ascii(word);
            if (lowered != word && one_of(lowered, k_statement_keywords)) {
                help = fmt::format("keywords are lower case: write '{}'", lowered);
            } else {
                help = did_you_mean(word, k_statement_keywords);
            }
            (void)line_start;
            fail(start, word.size(), fmt::format("unknown statement '{}'", word), help);
        }
    }

    // ---- table ------------------------------------------------------------

    struct TableState {
        std::vector<std::string> pk_columns;
        std::string pk_name;
        model::SourceRef pk_origin;
        model::Deferral pk_deferral;
        bool table_pk = false;
    };

    model::Table table(size_t start, bool unlogged) {
        (void)start;
        model::Table t;
        blanks();
        t.origin = origin_at(pos);
        t.name = qname("a table name");
        t.unlogged = unlogged;
        if (!accept_char('{')) {
            fail_here(fmt::format("expected '{{' after the table name, found {}", describe_here()),
                      "a table is written `table name {` with one column per line and `}` "
                      "alone on the last line");
        }
        table_body(t, start);
        return t;
    }

    void table_body(model::Table& t, size_t start) {
        if (accept_char('}')) {
            finish_line(&t.origin.trailing_comment);
            attach_stray(t.origin);
            return;
        }
        finish_line(&t.origin.trailing_comment);
        attach_stray(t.origin);
        TableState state;
        table_block(t, state, start);
        finish_table(t, state);
    }

    void table_block(model::Table& t, TableState& state, size_t start) {
        while (true) {
            size_t line_start = pos;
            blanks();
            if (pos >= text.size()) {
                record(ParseFailure{start, 5,
                                    fmt::format("table '{}' is not closed: '}}' expected",
                                                t.name.display()),
                                    {}});
                break;
            }
            char c = text[pos];
            if (c == '\n') {
                ++pos;
                continue;
            }
            if (at_comment()) {
                pending.push_back(take_comment());
                continue;
            }
            if (c == '}') {
                ++pos;
                std::string trailing;
                stray.clear();
                try {
                    finish_line(&trailing);
                } catch (const ParseFailure& f) {
                    record(f);
                    recover(pos, false);
                }
                if (!trailing.empty()) {
                    pending.push_back(std::move(trailing));
                }
                break;
            }
            bool indented = pos > line_start;
            size_t item = pos;
            stray.clear();
            try {
                table_line(t, state);
            } catch (const ParseFailure& f) {
                std::string_view first = word_at(item);
                if (!indented && one_of(first, k_statement_keywords)) {
                    record(ParseFailure{
                        item, first.size(),
                        fmt::format("table '{}' is not closed before this statement",
                                    t.name.display()),
                        "add a line with '}' to end the table"});
                    pos = line_start;
                    pending.clear();
                    break;
                }
                record(f);
                pos = item;
                recover(item, false);
                if (too_many) {
                    break;
                }
            }
        }
        for (auto& c : pending) {
            t.origin.closing_comments.push_back(std::move(c));
        }
        pending.clear();
    }

    bool word_then(std::string_view word, char c) {
        size_t p = pos + word.size();
        while (p < text.size() && is_blank(text[p])) {
            ++p;
        }
        return at(p) == c;
    }

    bool word_then_word(std::string_view word, std::initializer_list<std::string_view> next) {
        size_t p = pos + word.size();
        if (p >= text.size() || !is_blank(text[p])) {
            return false;
        }
        while (p < text.size() && is_blank(text[p])) {
            ++p;
        }
        std::string_view w = word_at(p);
        return std::find(next.begin(), next.end(), w) != next.end();
    }

    bool word_alone(std::string_view word) {
        size_t p = pos + word.size();
        while (p < text.size() && is_blank(text[p])) {
            ++p;
        }
        if (p >= text.size() || text[p] == '\n') {
            return true;
        }
        return text[p] == '#' || (text[p] == '-' && at(p + 1) == '-');
    }

    void table_line(model::Table& t, TableState& state) {
        std::string_view word = peek_word();
        size_t start = pos;
        if (word == "constraint") {
            pos += word.size();
            std::string name = ident("a constraint name");
            std::string_view next = peek_word();
            if (next == "primary_key" || next == "unique" || next == "check" ||
                next == "foreign_key" || next == "exclude") {
                table_constraint(t, state, next, name, start);
                return;
            }
            pos = start;
        } else if ((word == "primary_key" || word == "foreign_key") && word_then(word, '(')) {
            table_constraint(t, state, word, {}, start);
            return;
        } else if (word == "unique" &&
                   (word_then(word, '(') ||
                    word_then_word(word, {"nulls", "nulls_not_distinct"}))) {
            table_constraint(t, state, word, {}, start);
            return;
        } else if (word == "check" && word_then(word, '(')) {
            table_constraint(t, state, word, {}, start);
            return;
        } else if (word == "exclude" && (word_then(word, '(') || word_then_word(word, {"using"}))) {
            table_constraint(t, state, word, {}, start);
            return;
        } else if ((word == "enable_rls" || word == "force_rls" || word == "unlogged") &&
                   word_alone(word)) {
            pos += word.size();
            if (word == "enable_rls") {
                t.rls_enabled = true;
            } else if (word == "force_rls") {
                t.rls_forced = true;
            } else {
                t.unlogged = true;
            }
            flag_line(t);
            return;
        } else if (word == "with" && word_then(word, '(')) {
            pos += word.size();
            t.options = storage_params();
            flag_line(t);
            return;
        } else if (word == "partition_by" &&
                   word_then_word(word, {"range", "list", "hash", "RANGE", "LIST", "HASH"})) {
            pos += word.size();
            if (t.partition_by) {
                fail(start, word.size(), "partition_by is given twice");
            }
            t.partition_by = partition_spec();
            flag_line(t);
            return;
        }
        column_line(t, state);
    }

    // A table-level line without an origin of its own: its comments go to the block end.
    void flag_line(model::Table& t) {
        std::string trailing;
        finish_line(&trailing);
        for (auto& c : pending) {
            t.origin.closing_comments.push_back(std::move(c));
        }
        pending.clear();
        if (!trailing.empty()) {
            t.origin.closing_comments.push_back(std::move(trailing));
        }
        attach_stray(t.origin);
    }

    std::string partition_spec() {
        blanks();
        size_t start = pos;
        std::string strategy = peek_word_lower();
        if (strategy != "range" && strategy != "list" && strategy != "hash") {
            fail_here("expected range, list or hash after partition_by",
                      did_you_mean(strategy, std::array{"range"sv, "list"sv, "hash"sv}));
        }
        pos += strategy.size();
        (void)start;
        std::string keys = paren_group("the partition key");
        std::string upper = strategy;
        for (char& c : upper) {
            c = static_cast<char>(c - 'a' + 'A');
        }
        return upper + " " + keys;
    }

    std::vector<std::string> storage_params() {
        blanks();
        size_t open = pos;
        std::string group = paren_group("the storage parameters");
        std::string_view inner = std::string_view(group).substr(1, group.size() - 2);
        std::vector<std::string> out;
        size_t i = 0;
        while (i <= inner.size()) {
            ScanStops stops;
            stops.comma = true;
            stops.line = false;
            ScanResult scan = scan_sql(inner, i, stops);
            std::string_view item = trim_sql(inner.substr(i, scan.end - i));
            if (item.empty()) {
                if (scan.end >= inner.size() && out.empty()) {
                    break;
                }
                fail(open, group.size(), "empty storage parameter");
            }
            std::string param;
            size_t eq = item.find('=');
            if (eq == std::string_view::npos) {
                param = lower_ascii(item);
            } else {
                param = lower_ascii(trim_sql(item.substr(0, eq))) + "=" +
                        std::string(trim_sql(item.substr(eq + 1)));
            }
            out.push_back(std::move(param));
            if (scan.end >= inner.size()) {
                break;
            }
            i = scan.end + 1;
        }
        return out; // in written order, as PostgreSQL keeps them
    }

    model::FkAction fk_action() {
        blanks();
        size_t start = pos;
        std::string_view w = peek_word();
        pos += w.size();
        if (w == "cascade") {
            return model::FkAction::cascade;
        }
        if (w == "set_null") {
            return model::FkAction::set_null;
        }
        if (w == "set_default") {
            return model::FkAction::set_default;
        }
        if (w == "restrict") {
            return model::FkAction::restrict;
        }
        if (w == "no_action") {
            return model::FkAction::no_action;
        }
        fail(start, std::max<size_t>(w.size(), 1),
             w.empty() ? "expected a foreign key action"
                       : fmt::format("unknown foreign key action '{}'", w),
             w.empty() ? "one of cascade, set_null, set_default, restrict, no_action"
                       : did_you_mean(w, k_fk_actions));
    }

    model::ForeignKey references_target(size_t start) {
        model::ForeignKey fk;
        fk.origin = origin_at(start);
        blanks();
        if (at(pos) == '(') {
            // legacy references(table.column)
            ++pos;
            std::vector<std::string> parts = dotted(3, "a table.column");
            if (parts.size() < 2) {
                fail_here("expected table.column in references(...)");
            }
            fk.ref_columns.push_back(parts.back());
            parts.pop_back();
            fk.ref_table = parts.size() == 1 ? model::QualifiedName{model::k_default_schema, parts[0]}
                                             : model::QualifiedName{parts[0], parts[1]};
            expect_char(')', "after references(table.column");
            return fk;
        }
        fk.ref_table = qname("the referenced table");
        size_t save = pos;
        blanks();
        if (at(pos) == '(') {
            fk.ref_columns = ident_list("referenced columns");
        } else {
            pos = save;
        }
        return fk;
    }

    // Options after a foreign key target; returns false at a word it does not know.
    bool fk_option(model::ForeignKey& fk, std::string_view w) {
        if (w == "on_delete") {
            pos += w.size();
            fk.on_delete = fk_action();
        } else if (w == "on_update") {
            pos += w.size();
            fk.on_update = fk_action();
        } else if (w == "match_full") {
            pos += w.size();
            fk.match = model::FkMatch::full;
        } else if (w == "match_partial") {
            pos += w.size();
            fk.match = model::FkMatch::partial;
        } else if (w == "match_simple") {
            pos += w.size();
            fk.match = model::FkMatch::simple;
        } else if (w == "not_valid") {
            pos += w.size();
            fk.not_valid = true;
        } else if (deferral_option(fk.deferral, w)) {
            return true;
        } else {
            return false;
        }
        return true;
    }

    bool deferral_option(model::Deferral& d, std::string_view w) {
        if (w == "deferrable") {
            d.deferrable = true;
        } else if (w == "not_deferrable") {
            d.deferrable = false;
            d.initially_deferred = false;
        } else if (w == "initially_deferred") {
            d.deferrable = true;
            d.initially_deferred = true;
        } else if (w == "initially_immediate") {
            d.initially_deferred = false;
        } else {
            return false;
        }
        pos += w.size();
        return true;
    }

    void column_line(model::Table& t, TableState& state) {
        model::Column col;
        blanks();
        col.origin = origin_at(pos);
        col.origin.comments = take_pending();
        col.name = ident("a column name");
        if (line_end()) {
            fail_here(fmt::format("column '{}' needs a type", col.name),
                      "write `name type [options]`, e.g. `email text not_null`");
        }
        col.type = type_name("the column's type");
        bool saw_not_null = false;
        bool saw_nullable = false;
        bool is_pk = false;
        std::string pending_name;
        size_t pending_name_at = 0;
        LastConstraint last = LastConstraint::none;
        size_t last_index = 0;
        auto take_name = [&]() {
            std::string n = std::move(pending_name);
            pending_name.clear();
            return n;
        };
        while (!line_end()) {
            size_t option_start = pos;
            std::string_view w = peek_word();
            if (w.empty()) {
                fail_here(fmt::format("unexpected {} in the definition of column '{}'",
                                      describe_here(), col.name));
            }
            if (w == "primary_key") {
                pos += w.size();
                if (is_pk) {
                    fail(option_start, w.size(), "primary_key is given twice");
                }
                if (saw_nullable) {
                    fail(option_start, w.size(), "a primary key column cannot be nullable");
                }
                is_pk = true;
                col.not_null = true;
                if (state.pk_columns.empty()) {
                    state.pk_origin = origin_at(option_start);
                }
                state.pk_columns.push_back(col.name);
                std::string n = take_name();
                if (!n.empty()) {
                    state.pk_name = n;
                }
                last = LastConstraint::primary_key;
            } else if (w == "not_null") {
                pos += w.size();
                if (saw_nullable) {
                    fail(option_start, w.size(), "a column cannot be both not_null and nullable");
                }
                if (saw_not_null) {
                    fail(option_start, w.size(), "not_null is given twice");
                }
                saw_not_null = true;
                col.not_null = true;
            } else if (w == "nullable") {
                pos += w.size();
                if (saw_not_null) {
                    fail(option_start, w.size(), "a column cannot be both not_null and nullable");
                }
                if (is_pk) {
                    fail(option_start, w.size(), "a primary key column cannot be nullable");
                }
                if (saw_nullable) {
                    fail(option_start, w.size(), "nullable is given twice");
                }
                saw_nullable = true;
            } else if (w == "unique") {
                pos += w.size();
                model::UniqueConstraint u;
                u.name = take_name();
                u.columns.push_back(col.name);
                u.origin = origin_at(option_start);
                t.uniques.push_back(std::move(u));
                last = LastConstraint::unique;
                last_index = t.uniques.size() - 1;
            } else if (w == "nulls_not_distinct") {
                pos += w.size();
                if (last != LastConstraint::unique) {
                    fail(option_start, w.size(), "nulls_not_distinct must follow unique");
                }
                t.uniques[last_index].nulls_not_distinct = true;
            } else if (w == "default") {
                pos += w.size();
                if (col.default_expr) {
                    fail(option_start, w.size(), "default is given twice");
                }
                ScanStops stops;
                stops.words = k_column_options;
                col.default_expr = raw_slot(stops, "a default expression");
            } else if (w == "references") {
                pos += w.size();
                model::ForeignKey fk = references_target(option_start);
                fk.name = take_name();
                fk.columns.push_back(col.name);
                t.foreign_keys.push_back(std::move(fk));
                last = LastConstraint::foreign_key;
                last_index = t.foreign_keys.size() - 1;
            } else if (w == "on_delete" || w == "on_update" || w == "match_full" ||
                       w == "match_partial" || w == "match_simple") {
                if (last != LastConstraint::foreign_key) {
                    fail(option_start, w.size(), fmt::format("{} must follow references", w));
                }
                fk_option(t.foreign_keys[last_index], w);
            } else if (w == "deferrable" || w == "not_deferrable" || w == "initially_deferred" ||
                       w == "initially_immediate") {
                if (last == LastConstraint::foreign_key) {
                    deferral_option(t.foreign_keys[last_index].deferral, w);
                } else if (last == LastConstraint::unique) {
                    deferral_option(t.uniques[last_index].deferral, w);
                } else if (last == LastConstraint::primary_key) {
                    deferral_option(state.pk_deferral, w);
                } else {
                    fail(option_start, w.size(),
                         fmt::format("{} must follow references, unique or primary_key", w));
                }
            } else if (w == "check") {
                pos += w.size();
                model::CheckConstraint check;
                check.origin = origin_at(option_start);
                check.expression = check_paren();
                check.name = take_name();
                t.checks.push_back(std::move(check));
                last = LastConstraint::check;
                last_index = t.checks.size() - 1;
            } else if (w == "check_name") {
                pos += w.size();
                if (last != LastConstraint::check) {
                    fail(option_start, w.size(), "check_name must follow check(...)");
                }
                t.checks[last_index].name = ident("a constraint name");
            } else if (w == "no_inherit") {
                pos += w.size();
                if (last != LastConstraint::check) {
                    fail(option_start, w.size(), "no_inherit must follow check(...)");
                }
                t.checks[last_index].no_inherit = true;
            } else if (w == "not_valid") {
                pos += w.size();
                if (last == LastConstraint::check) {
                    t.checks[last_index].not_valid = true;
                } else if (last == LastConstraint::foreign_key) {
                    t.foreign_keys[last_index].not_valid = true;
                } else {
                    fail(option_start, w.size(), "not_valid must follow check(...) or references");
                }
            } else if (w == "generated_identity" || w == "generated_by_default_identity") {
                pos += w.size();
                if (col.identity != model::IdentityKind::none) {
                    fail(option_start, w.size(), "the identity is given twice");
                }
                col.identity = w == "generated_identity" ? model::IdentityKind::always
                                                         : model::IdentityKind::by_default;
                col.not_null = true;
                size_t save = pos;
                blanks();
                if (at(pos) == '(') {
                    ++pos;
                    sequence_options(col.identity_options, nullptr, ')');
                } else {
                    pos = save;
                }
            } else if (w == "generated_stored") {
                pos += w.size();
                if (col.generated_expr) {
                    fail(option_start, w.size(), "generated_stored is given twice");
                }
                col.generated_expr = paren_expression("the generation expression");
            } else if (w == "collate") {
                pos += w.size();
                col.collation = collation_name();
            } else if (w == "storage") {
                pos += w.size();
                blanks();
                size_t at_word = pos;
                std::string s = lower_ascii(take_word("a storage mode"));
                static constexpr std::array k_storage = {"plain"sv, "external"sv, "extended"sv,
                                                         "main"sv};
                if (!one_of(s, k_storage)) {
                    fail(at_word, s.size(), fmt::format("unknown storage mode '{}'", s),
                         did_you_mean(s, k_storage));
                }
                col.storage = s;
            } else if (w == "compression") {
                pos += w.size();
                col.compression = lower_ascii(take_word("a compression method"));
            } else if (w == "constraint") {
                pos += w.size();
                if (!pending_name.empty()) {
                    fail(option_start, w.size(), "two constraint names in a row");
                }
                pending_name = ident("a constraint name");
                pending_name_at = option_start;
            } else {
                std::string help = did_you_mean(w, k_column_options);
                std::string lowered = lower_ascii(w);
                if (help.empty() && lowered != w && one_of(lowered, k_column_options)) {
                    help = fmt::format("options are lower case: write '{}'", lowered);
                }
                fail(option_start, w.size(), fmt::format("unknown column option '{}'", w), help);
            }
        }
        if (!pending_name.empty()) {
            fail(pending_name_at, 10,
                 "constraint <name> must be followed by primary_key, unique, references or check");
        }
        finish_line(&col.origin.trailing_comment);
        attach_stray(col.origin);
        t.columns.push_back(std::move(col));
    }

    std::string collation_name() {
        std::vector<std::string> parts = dotted(2, "a collation name");
        if (parts.size() == 2 && (parts[0] == "pg_catalog" || parts[0] == "public")) {
            return parts[1];
        }
        if (parts.size() == 2) {
            return parts[0] + "." + parts[1];
        }
        return parts[0];
    }

    void table_constraint(model::Table& t, TableState& state, std::string_view kind,
                          std::string name, size_t start) {
        blanks();
        size_t kind_at = pos;
        pos += kind.size();
        std::vector<std::string> comments = take_pending();
        if (kind == "primary_key") {
            if (!state.pk_columns.empty() || state.table_pk) {
                fail(kind_at, kind.size(), "a table has only one primary key");
            }
            state.table_pk = true;
            model::PrimaryKey pk;
            pk.name = std::move(name);
            pk.origin = origin_at(start);
            pk.origin.comments = std::move(comments);
            pk.columns = ident_list("primary key columns");
            while (!line_end()) {
                std::string_view w = peek_word();
                if (w == "include") {
                    pos += w.size();
                    pk.include = ident_list("included columns");
                } else if (w.empty() || !deferral_option(pk.deferral, w)) {
                    fail_here(fmt::format("unexpected {} after primary_key (...)", describe_here()),
                              did_you_mean(w, std::array{"include"sv, "deferrable"sv,
                                                         "initially_deferred"sv}));
                }
            }
            finish_line(&pk.origin.trailing_comment);
            attach_stray(pk.origin);
            t.primary_key = std::move(pk);
        } else if (kind == "unique") {
            model::UniqueConstraint u;
            u.name = std::move(name);
            u.origin = origin_at(start);
            u.origin.comments = std::move(comments);
            if (accept("nulls_not_distinct")) {
                u.nulls_not_distinct = true;
            } else if (accept_icase("nulls")) {
                expect("not");
                expect("distinct");
                u.nulls_not_distinct = true;
            }
            u.columns = ident_list("unique columns");
            while (!line_end()) {
                std::string_view w = peek_word();
                if (w == "include") {
                    pos += w.size();
                    u.include = ident_list("included columns");
                } else if (w == "nulls_not_distinct") {
                    pos += w.size();
                    u.nulls_not_distinct = true;
                } else if (w.empty() || !deferral_option(u.deferral, w)) {
                    fail_here(fmt::format("unexpected {} after unique (...)", describe_here()),
                              did_you_mean(w, std::array{"include"sv, "deferrable"sv,
                                                         "initially_deferred"sv,
                                                         "nulls_not_distinct"sv}));
                }
            }
            finish_line(&u.origin.trailing_comment);
            attach_stray(u.origin);
            t.uniques.push_back(std::move(u));
        } else if (kind == "check") {
            model::CheckConstraint c;
            c.name = std::move(name);
            c.origin = origin_at(start);
            c.origin.comments = std::move(comments);
            c.expression = check_paren();
            while (!line_end()) {
                std::string_view w = peek_word();
                if (w == "no_inherit") {
                    pos += w.size();
                    c.no_inherit = true;
                } else if (w == "not_valid") {
                    pos += w.size();
                    c.not_valid = true;
                } else if (w == "check_name") {
                    pos += w.size();
                    c.name = ident("a constraint name");
                } else {
                    fail_here(fmt::format("unexpected {} after check (...)", describe_here()),
                              did_you_mean(w, std::array{"no_inherit"sv, "not_valid"sv,
                                                         "check_name"sv}));
                }
            }
            finish_line(&c.origin.trailing_comment);
            attach_stray(c.origin);
            t.checks.push_back(std::move(c));
        } else if (kind == "foreign_key") {
            std::vector<std::string> columns = ident_list("foreign key columns");
            blanks();
            size_t ref_at = pos;
            expect("references", "after foreign_key (...)");
            model::ForeignKey fk = references_target(ref_at);
            fk.origin = origin_at(start);
            fk.origin.comments = std::move(comments);
            fk.columns = std::move(columns);
            fk.name = std::move(name);
            while (!line_end()) {
                std::string_view w = peek_word();
                size_t w_at = pos;
                if (w == "constraint" || w == "name") {
                    pos += w.size();
                    std::string n = ident("a constraint name");
                    if (!fk.name.empty() && fk.name != n) {
                        fail(w_at, w.size(), "the foreign key is named twice");
                    }
                    fk.name = n;
                } else if (w.empty() || !fk_option(fk, w)) {
                    fail_here(fmt::format("unexpected {} after the foreign key", describe_here()),
                              did_you_mean(w, std::array{"on_delete"sv, "on_update"sv,
                                                         "deferrable"sv, "initially_deferred"sv,
                                                         "initially_immediate"sv, "constraint"sv,
                                                         "not_valid"sv, "match_full"sv}));
                }
            }
            finish_line(&fk.origin.trailing_comment);
            attach_stray(fk.origin);
            t.foreign_keys.push_back(std::move(fk));
        } else {
            model::ExclusionConstraint x;
            x.name = std::move(name);
            x.origin = origin_at(start);
            x.origin.comments = std::move(comments);
            if (accept("using")) {
                x.method = index_method();
            }
            expect_char('(', "before the exclusion elements");
            while (true) {
                blanks_nl();
                model::ExclusionElement e;
                e.element = index_element(true);
                blanks_nl();
                if (!accept_icase("with")) {
                    fail_here(fmt::format("expected 'with <operator>' in the exclusion "
                                          "constraint, found {}",
                                          describe_here()));
                }
                blanks_nl();
                size_t op_start = pos;
                while (pos < text.size() && !is_blank(text[pos]) && text[pos] != '\n' &&
                       text[pos] != ',' && text[pos] != ')') {
                    ++pos;
                }
                if (pos == op_start) {
                    fail_here("expected an operator after 'with'");
                }
                e.op = std::string(text.substr(op_start, pos - op_start));
                x.elements.push_back(std::move(e));
                blanks_nl();
                if (at(pos) == ',') {
                    ++pos;
                    continue;
                }
                if (at(pos) == ')') {
                    ++pos;
                    break;
                }
                fail_here(fmt::format("expected ',' or ')', found {}", describe_here()));
            }
            while (!line_end()) {
                std::string_view w = peek_word();
                if (w == "include") {
                    pos += w.size();
                    x.include = ident_list("included columns");
                } else if (w == "where") {
                    pos += w.size();
                    x.where = paren_expression("the exclusion predicate");
                } else if (w.empty() || !deferral_option(x.deferral, w)) {
                    fail_here(fmt::format("unexpected {} after exclude (...)", describe_here()),
                              did_you_mean(w, std::array{"include"sv, "where"sv, "deferrable"sv,
                                                         "initially_deferred"sv}));
                }
            }
            finish_line(&x.origin.trailing_comment);
            attach_stray(x.origin);
            t.exclusions.push_back(std::move(x));
        }
    }

    void finish_table(model::Table& t, TableState& state) {
        if (!state.pk_columns.empty()) {
            model::PrimaryKey pk;
            pk.name = state.pk_name;
            pk.columns = state.pk_columns;
            pk.deferral = state.pk_deferral;
            pk.origin = state.pk_origin;
            t.primary_key = std::move(pk);
        }
        if (t.primary_key) {
            for (const std::string& c : t.primary_key->columns) {
                if (model::Column* col = t.find_column(c)) {
                    col->not_null = true;
                }
            }
        }
    }

    // check(...): upstream's shorthands (`x in [a, b]`, ...) become SQL, except
    // in the `backtick` form, which is always taken as written.
    std::string check_paren() {
        size_t save = pos;
        blanks();
        bool verbatim = false;
        if (at(pos) == '(') {
            size_t p = pos + 1;
            while (p < text.size() && (is_blank(text[p]) || text[p] == '\n')) {
                ++p;
            }
            verbatim = at(p) == '`';
        }
        pos = save;
        std::string expr = paren_expression("the check expression");
        return verbatim ? expr : rewrite_check_shorthand(std::move(expr));
    }

    // ---- partition --------------------------------------------------------

    model::Table partition(size_t start) {
        model::Table t;
        blanks();
        t.origin = origin_at(pos);
        t.name = qname("a partition name");
        expect("of", "after the partition name");
        model::PartitionOf of;
        of.parent = qname("the parent table");
        of.bound = partition_bound();
        t.partition_of = std::move(of);
        while (!line_end()) {
            std::string_view w = peek_word();
            if (w == "partition_by") {
                pos += w.size();
                t.partition_by = partition_spec();
            } else if (at(pos) == '{') {
                ++pos;
                table_body(t, start);
                return t;
            } else {
                fail_here(fmt::format("unexpected {} after the partition bound", describe_here()),
                          did_you_mean(w, std::array{"partition_by"sv}));
            }
        }
        finish_line(&t.origin.trailing_comment);
        return t;
    }

    std::string partition_bound() {
        blanks();
        if (accept_icase("default")) {
            return "DEFAULT";
        }
        if (!accept_icase("for")) {
            fail_here("expected 'for values ...' or 'default' after the parent table");
        }
        if (!accept_icase("values")) {
            fail_here("expected 'values' after 'for'");
        }
        std::string kind = peek_word_lower();
        if (kind == "from") {
            pos += kind.size();
            std::string from = paren_group("the lower bound");
            if (!accept_icase("to")) {
                fail_here("expected 'to (...)' after 'from (...)'");
            }
            std::string to = paren_group("the upper bound");
            return "FOR VALUES FROM " + from + " TO " + to;
        }
        if (kind == "in") {
            pos += kind.size();
            return "FOR VALUES IN " + paren_group("the list of values");
        }
        if (kind == "with") {
            pos += kind.size();
            return "FOR VALUES WITH " + paren_group("the modulus and remainder");
        }
        fail_here("expected 'from (...) to (...)', 'in (...)' or 'with (...)' after 'for values'");
    }

    // ---- index ------------------------------------------------------------

    std::string index_method() {
        blanks();
        size_t start = pos;
        if (at(pos) == '"') {
            return ident_here("an index method");
        }
        std::string method = lower_ascii(take_word("an index method"));
        if (!one_of(method, k_index_methods)) {
            std::string help = did_you_mean(method, k_index_methods);
            if (!help.empty()) {
                fail(start, method.size(), fmt::format("unknown index method '{}'", method), help);
            }
        }
        return method;
    }

    model::IndexElement index_element(bool in_exclusion) {
        model::IndexElement e;
        blanks_nl();
        size_t start = pos;
        e.origin = origin_at(start);
        char c = at(pos);
        if (c == '`') {
            e.key = backtick_text();
            e.is_expression = true;
        } else if (c == '(') {
            paren_group("the index expression");
            e.key = std::string(text.substr(start, pos - start));
            e.is_expression = true;
        } else if (c == '"' || is_ident_start(c)) {
            std::vector<std::string> parts = dotted(2, "a column or an expression");
            size_t save = pos;
            blanks();
            if (at(pos) == '(') {
                paren_group("the function call");
                e.key = std::string(text.substr(start, pos - start));
                e.is_expression = true;
            } else {
                pos = save;
                if (parts.size() > 1) {
                    fail(start, pos - start, "an index column cannot be qualified",
                         "write an expression in parentheses, or the bare column name");
                }
                e.key = std::move(parts[0]);
            }
        } else {
            fail_here(fmt::format("expected a column or an expression, found {}", describe_here()));
        }
        std::optional<bool> nulls_first;
        while (true) {
            blanks();
            char d = at(pos);
            if (d == ',' || d == ')' || d == '\n' || pos >= text.size()) {
                break;
            }
            std::string w = peek_word_lower();
            if (w.empty() && d != '"') {
                fail_here(fmt::format("unexpected {} in the index element", describe_here()));
            }
            if (w == "collate") {
                take_lower_word();
                e.collation = collation_name();
            } else if (w == "asc") {
                take_lower_word();
                e.descending = false;
            } else if (w == "desc") {
                take_lower_word();
                e.descending = true;
            } else if (w == "nulls") {
                take_lower_word();
                std::string which = peek_word_lower();
                if (which != "first" && which != "last") {
                    fail_here("expected 'first' or 'last' after 'nulls'");
                }
                take_lower_word();
                nulls_first = which == "first";
            } else if (w == "with" && in_exclusion) {
                break;
            } else {
                if (e.opclass) {
                    fail_here(fmt::format("unexpected {} in the index element", describe_here()));
                }
                std::vector<std::string> parts = dotted(2, "an operator class");
                e.opclass = parts.size() == 2 ? parts[0] + "." + parts[1] : parts[0];
                if (at(pos) == '(') {
                    e.opclass_params = paren_group("the operator class parameters");
                }
            }
        }
        if (nulls_first && *nulls_first == e.descending) {
            nulls_first.reset(); // the default for the direction
        }
        e.nulls_first = nulls_first;
        return e;
    }

    model::Index index(size_t start, bool unique) {
        model::Index ix;
        ix.unique = unique;
        ix.origin = origin_at(start);
        if (accept("concurrently")) {
            ix.concurrently.value = true;
        }
        if (accept("if")) {
            expect("not");
            expect("exists");
        }
        std::optional<model::QualifiedName> name;
        size_t name_at = 0;
        if (peek_word() != "on") {
            blanks();
            name_at = pos;
            ix.origin = origin_at(pos);
            name = qname("an index name");
        }
        expect("on", "after the index name");
        ix.table = qname("the indexed table");
        if (name) {
            if (name->schema != ix.table.schema && name->schema != model::k_default_schema) {
                fail(name_at, name->name.size(), "an index lives in the schema of its table");
            }
            ix.name = model::QualifiedName{ix.table.schema, name->name};
        } else {
            ix.name.schema = ix.table.schema;
        }
        if (accept("using")) {
            ix.method = index_method();
        }
        blanks();
        if (at(pos) != '(') {
            fail_here(fmt::format("expected '(' and the indexed columns, found {}",
                                  describe_here()));
        }
        ++pos;
        while (true) {
            blanks_nl();
            if (at(pos) == ')' && ix.elements.empty()) {
                fail_here("an index needs at least one column or expression");
            }
            ix.elements.push_back(index_element(false));
            blanks_nl();
            if (at(pos) == ',') {
                ++pos;
                continue;
            }
            if (at(pos) == ')') {
                ++pos;
                break;
            }
            fail_here(fmt::format("expected ',' or ')' in the index columns, found {}",
                                  describe_here()));
        }
        while (!line_end()) {
            std::string_view w = peek_word();
            if (w == "include") {
                pos += w.size();
                ix.include = ident_list("included columns");
            } else if (w == "nulls_not_distinct") {
                pos += w.size();
                ix.nulls_not_distinct = true;
            } else if (w == "nulls") {
                pos += w.size();
                expect("not");
                expect("distinct");
                ix.nulls_not_distinct = true;
            } else if (w == "with") {
                pos += w.size();
                ix.options = storage_params();
            } else if (w == "where") {
                pos += w.size();
                ScanStops stops;
                ix.where = raw_slot(stops, "the index predicate");
            } else {
                fail_here(fmt::format("unexpected {} after the index columns", describe_here()),
                          did_you_mean(w, std::array{"include"sv, "where"sv, "with"sv,
                                                     "nulls_not_distinct"sv}));
            }
        }
        finish_line(&ix.origin.trailing_comment);
        return ix;
    }

    // ---- small statements -------------------------------------------------

    std::string bare_or_quoted(const char* what) {
        blanks();
        if (at(pos) == '"' || at(pos) == '\'') {
            return quoted_string(what);
        }
        size_t start = pos;
        while (pos < text.size() && !is_blank(text[pos]) && text[pos] != '\n' &&
               text[pos] != '{' && text[pos] != '}' && text[pos] != ',' && !at_comment()) {
            ++pos;
        }
        if (pos == start) {
            fail_here(fmt::format("expected {}, found {}", what, describe_here()));
        }
        return std::string(text.substr(start, pos - start));
    }

    model::Extension extension(size_t start) {
        (void)start;
        model::Extension e;
        blanks();
        e.origin = origin_at(pos);
        e.name = ident("an extension name");
        while (!line_end()) {
            std::string_view w = peek_word();
            if (w == "schema") {
                pos += w.size();
                e.schema = ident("a schema name");
            } else if (w == "with") {
                pos += w.size();
            } else if (w == "version") {
                pos += w.size();
                e.version = bare_or_quoted("a version");
            } else {
                fail_here(fmt::format("unexpected {} after the extension name", describe_here()),
                          did_you_mean(w, std::array{"schema"sv, "version"sv}));
            }
        }
        finish_line(&e.origin.trailing_comment);
        return e;
    }

    model::SchemaDef schema_def(size_t) {
        model::SchemaDef s;
        blanks();
        s.origin = origin_at(pos);
        s.name = ident("a schema name");
        finish_line(&s.origin.trailing_comment);
        return s;
    }

    // { item, item } or one item per line; `item` reads one.
    template <typename Item>
    void brace_items(model::SourceRef& origin, bool commas, const char* what, Item item) {
        blanks();
        size_t open = pos;
        if (at(pos) != '{') {
            fail_here(fmt::format("expected '{{' and {}, found {}", what, describe_here()));
        }
        ++pos;
        bool first_line = true;
        while (true) {
            blanks();
            if (pos >= text.size()) {
                fail(open, 1, fmt::format("'{{' of {} is not closed", what));
            }
            char c = text[pos];
            if (c == '}') {
                ++pos;
                break;
            }
            if (c == '\n') {
                ++pos;
                first_line = false;
                continue;
            }
            if (at_comment()) {
                std::string comment = take_comment();
                if (first_line && origin.trailing_comment.empty()) {
                    origin.trailing_comment = std::move(comment);
                } else {
                    origin.closing_comments.push_back(std::move(comment));
                }
                continue;
            }
            if (c == ',' && commas) {
                ++pos;
                continue;
            }
            item();
        }
        std::string trailing;
        finish_line(&trailing);
        if (!trailing.empty()) {
            if (origin.trailing_comment.empty()) {
                origin.trailing_comment = std::move(trailing);
            } else {
                origin.closing_comments.push_back(std::move(trailing));
            }
        }
    }

    model::EnumType enum_type(size_t) {
        model::EnumType e;
        blanks();
        e.origin = origin_at(pos);
        e.name = qname("an enum name");
        brace_items(e.origin, true, "the enum values", [&] {
            blanks();
            size_t value_at = pos;
            std::string value = bare_or_quoted("an enum value");
            if (value.empty()) {
                fail(value_at, 2, "an enum value cannot be empty");
            }
            if (std::find(e.values.begin(), e.values.end(), value) != e.values.end()) {
                fail(value_at, value.size(),
                     fmt::format("duplicate value '{}' in enum '{}'", value, e.name.display()));
            }
            e.values.push_back(std::move(value));
        });
        if (e.values.empty()) {
            fail(static_cast<size_t>(src.line_start(e.origin.line)) +
                     static_cast<size_t>(e.origin.column - 1),
                 e.name.name.size(), "an enum needs at least one value");
        }
        return e;
    }

    model::Domain domain(size_t) {
        model::Domain d;
        blanks();
        d.origin = origin_at(pos);
        d.name = qname("a domain name");
        accept("as");
        d.base_type = type_name("the domain's base type");
        std::string pending_name;
        bool last_check = false;
        while (!line_end()) {
            size_t option_start = pos;
            std::string_view w = peek_word();
            if (w == "not_null") {
                pos += w.size();
                d.not_null = true;
            } else if (w == "nullable") {
                pos += w.size();
                d.not_null = false;
            } else if (w == "default") {
                pos += w.size();
                ScanStops stops;
                stops.words = k_domain_options;
                d.default_expr = raw_slot(stops, "a default expression");
            } else if (w == "collate") {
                pos += w.size();
                d.collation = collation_name();
            } else if (w == "check") {
                pos += w.size();
                model::DomainCheck c;
                c.expression = paren_expression("the check expression");
                c.name = std::move(pending_name);
                pending_name.clear();
                d.checks.push_back(std::move(c));
                last_check = true;
            } else if (w == "check_name") {
                pos += w.size();
                if (!last_check) {
                    fail(option_start, w.size(), "check_name must follow check(...)");
                }
                d.checks.back().name = ident("a constraint name");
            } else if (w == "not_valid") {
                pos += w.size();
                if (!last_check) {
                    fail(option_start, w.size(), "not_valid must follow check(...)");
                }
                d.checks.back().not_valid = true;
            } else if (w == "constraint") {
                pos += w.size();
                pending_name = ident("a constraint name");
                if (peek_word() != "check") {
                    fail_here("constraint <name> must be followed by check(...) in a domain");
                }
            } else {
                fail(option_start, std::max<size_t>(w.size(), 1),
                     w.empty() ? fmt::format("unexpected {}", describe_here())
                               : fmt::format("unknown domain option '{}'", w),
                     did_you_mean(w, k_domain_options));
            }
        }
        finish_line(&d.origin.trailing_comment);
        return d;
    }

    model::CompositeType composite_type(size_t) {
        model::CompositeType t;
        blanks();
        t.origin = origin_at(pos);
        t.name = qname("a type name");
        brace_items(t.origin, true, "the attributes", [&] {
            model::CompositeAttribute a;
            a.name = ident("an attribute name");
            a.type = type_name("the attribute's type");
            if (accept("collate")) {
                a.collation = collation_name();
            }
            blanks();
            char c = at(pos);
            if (c != ',' && c != '}' && c != '\n' && !at_comment() && pos < text.size()) {
                fail_here(fmt::format("unexpected {} after attribute '{}'", describe_here(),
                                      a.name));
            }
            t.attributes.push_back(std::move(a));
        });
        return t;
    }

    // start N increment N minvalue N maxvalue N cache N cycle owned_by t.c as type,
    // up to `close` ('}' or ')').
    void sequence_options(model::SequenceOptions& o, model::Sequence* seq, char close) {
        std::vector<std::string> seen;
        while (true) {
            blanks_nl();
            if (pos >= text.size()) {
                fail_here(fmt::format("expected '{}' to end the sequence options", close));
            }
            if (at(pos) == close) {
                ++pos;
                return;
            }
            size_t option_start = pos;
            std::string_view w = peek_word();
            if (w.empty()) {
                fail_here(fmt::format("unexpected {} in the sequence options", describe_here()));
            }
            std::string name(w);
            if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
                fail(option_start, w.size(), fmt::format("{} is given twice", name));
            }
            seen.push_back(name);
            pos += w.size();
            if (name == "start") {
                accept("with");
                o.start = integer("the start value");
            } else if (name == "increment") {
                accept("by");
                o.increment = integer("the increment");
            } else if (name == "minvalue") {
                o.min_value = integer("the minimum value");
            } else if (name == "maxvalue") {
                o.max_value = integer("the maximum value");
            } else if (name == "cache") {
                o.cache = integer("the cache size");
            } else if (name == "cycle") {
                o.cycle = true;
            } else if (name == "no_cycle") {
                o.cycle = false;
            } else if (name == "as") {
                o.data_type = type_name("the sequence's type");
            } else if (name == "owned_by" && seq != nullptr) {
                std::vector<std::string> parts = dotted(3, "table.column");
                if (parts.size() < 2) {
                    fail(option_start, w.size(), "owned_by needs table.column");
                }
                seq->owned_by_column = parts.back();
                parts.pop_back();
                seq->owned_by_table = parts.size() == 1
                                          ? model::QualifiedName{model::k_default_schema, parts[0]}
                                          : model::QualifiedName{parts[0], parts[1]};
            } else {
                fail(option_start, w.size(), fmt::format("unknown sequence option '{}'", name),
                     did_you_mean(name, k_sequence_options));
            }
        }
    }

    model::Sequence sequence(size_t) {
        model::Sequence s;
        blanks();
        s.origin = origin_at(pos);
        s.name = qname("a sequence name");
        if (at_char('{')) {
            ++pos;
            sequence_options(s.options, &s, '}');
        }
        finish_line(&s.origin.trailing_comment);
        return s;
    }

    model::View view(size_t, bool materialized) {
        model::View v;
        v.materialized = materialized;
        blanks();
        v.origin = origin_at(pos);
        v.name = qname("a view name");
        while (true) {
            ws_multi();
            if (dollar_tag_length(text, pos) > 0) {
                break;
            }
            size_t option_start = pos;
            std::string_view w = peek_word();
            if (w == "security_invoker" && !materialized) {
                pos += w.size();
                v.security_invoker = true;
            } else if (w == "security_barrier" && !materialized) {
                pos += w.size();
                v.security_barrier = true;
            } else if (w == "check_option" && !materialized) {
                pos += w.size();
                std::string kind = peek_word_lower();
                if (kind == "local") {
                    v.check_option = model::CheckOption::local;
                } else if (kind == "cascaded") {
                    v.check_option = model::CheckOption::cascaded;
                } else {
                    fail_here("expected local or cascaded after check_option");
                }
                take_lower_word();
            } else if (w == "with_no_data" && materialized) {
                pos += w.size();
                v.with_no_data = true;
            } else if (w == "with") {
                pos += w.size();
                v.options = storage_params();
            } else {
                auto options = materialized ? std::vector<std::string_view>{"with_no_data", "with"}
                                            : std::vector<std::string_view>{
                                                  "security_invoker", "security_barrier",
                                                  "check_option", "with"};
                fail(option_start, std::max<size_t>(w.size(), 1),
                     w.empty() ? fmt::format("expected the view's query in dollar quotes "
                                             "($$ select ... $$), found {}",
                                             describe_here())
                               : fmt::format("unknown view option '{}'", w),
                     did_you_mean(w, options));
            }
        }
        v.definition = dollar_body("the view's query");
        finish_line(&v.origin.trailing_comment);
        return v;
    }

    // ---- functions --------------------------------------------------------

    model::FunctionArg function_arg() {
        model::FunctionArg arg;
        blanks_nl();
        std::string mode = peek_word_lower();
        if (mode == "in" || mode == "out" || mode == "inout" || mode == "variadic") {
            size_t save = pos;
            take_lower_word();
            blanks();
            if (at(pos) == ',' || at(pos) == ')') {
                pos = save; // a type or name that happens to be spelled like a mode
            } else {
                arg.mode = mode == "in"      ? model::ArgMode::in
                           : mode == "out"   ? model::ArgMode::out
                           : mode == "inout" ? model::ArgMode::inout
                                             : model::ArgMode::variadic;
            }
        }
        blanks_nl();
        size_t start = pos;
        std::string type = type_name("an argument type");
        blanks();
        char c = at(pos);
        std::string next = peek_word_lower();
        if (!(c == ',' || c == ')' || c == '=' || next == "default" || c == '\n')) {
            pos = start;
            arg.name = ident("an argument name");
            type = type_name("an argument type");
        }
        arg.type = std::move(type);
        blanks();
        if (accept_icase("default") || accept_char('=')) {
            ScanStops stops;
            stops.comma = true;
            stops.close_paren = true;
            stops.line = false;
            arg.default_expr = raw_slot(stops, "the argument default");
        }
        return arg;
    }

    model::Function function(size_t, bool procedure) {
        model::Function f;
        f.is_procedure = procedure;
        blanks();
        f.origin = origin_at(pos);
        f.name = qname(procedure ? "a procedure name" : "a function name");
        expect_char('(', "after the function name");
        blanks_nl();
        if (at(pos) != ')') {
            while (true) {
                size_t arg_at = pos;
                model::FunctionArg arg = function_arg();
                if (!arg.name.empty()) {
                    for (const auto& other : f.args) {
                        if (other.name == arg.name) {
                            fail(arg_at, arg.name.size(),
                                 fmt::format("duplicate argument name '{}'", arg.name));
                        }
                    }
                }
                f.args.push_back(std::move(arg));
                blanks_nl();
                if (at(pos) == ',') {
                    ++pos;
                    continue;
                }
                if (at(pos) == ')') {
                    break;
                }
                fail_here(fmt::format("expected ',' or ')' in the argument list, found {}",
                                      describe_here()));
            }
        }
        ++pos;
        bool saw_returns = false;
        bool saw_language = false;
        while (true) {
            ws_multi();
            if (dollar_tag_length(text, pos) > 0) {
                break;
            }
            size_t option_start = pos;
            std::string w = peek_word_lower();
            if (w == "returns" && !procedure) {
                take_lower_word();
                saw_returns = true;
                f.returns = return_type(f);
            } else if (w == "language") {
                take_lower_word();
                f.language = lower_ascii(take_word("a language"));
                saw_language = true;
            } else if (w == "volatile") {
                take_lower_word();
                f.volatility = model::Volatility::volatile_;
            } else if (w == "stable") {
                take_lower_word();
                f.volatility = model::Volatility::stable;
            } else if (w == "immutable") {
                take_lower_word();
                f.volatility = model::Volatility::immutable;
            } else if (w == "strict" || w == "returns_null_on_null_input") {
                take_lower_word();
                f.strict = true;
            } else if (w == "called_on_null_input") {
                take_lower_word();
                f.strict = false;
            } else if (w == "security_definer") {
                take_lower_word();
                f.security_definer = true;
            } else if (w == "security_invoker") {
                take_lower_word();
                f.security_definer = false;
            } else if (w == "leakproof") {
                take_lower_word();
                f.leakproof = true;
            } else if (w == "parallel") {
                take_lower_word();
                std::string p = peek_word_lower();
                if (p == "safe") {
                    f.parallel = model::Parallel::safe;
                } else if (p == "restricted") {
                    f.parallel = model::Parallel::restricted;
                } else if (p == "unsafe") {
                    f.parallel = model::Parallel::unsafe;
                } else {
                    fail_here("expected safe, restricted or unsafe after parallel");
                }
                take_lower_word();
            } else if (w == "cost") {
                take_lower_word();
                f.cost = number("the cost");
            } else if (w == "rows") {
                take_lower_word();
                f.rows = number("the row estimate");
            } else if (w == "set") {
                take_lower_word();
                std::string name = lower_ascii(take_word("a setting name"));
                blanks();
                if (!accept_char('=') && !accept_icase("to")) {
                    fail_here("expected '=' after the setting name");
                }
                blanks();
                std::string value;
                if (at(pos) == '\'') {
                    value = quoted_string("a setting value");
                } else {
                    size_t value_start = pos;
                    while (pos < text.size() && !is_blank(text[pos]) && text[pos] != '\n' &&
                           !at_comment()) {
                        ++pos;
                    }
                    value = std::string(text.substr(value_start, pos - value_start));
                }
                if (value.empty()) {
                    fail_here("expected a setting value");
                }
                f.config.push_back(name + "=" + value);
            } else if (w == "sql_body") {
                take_lower_word();
                f.sql_body = true;
            } else {
                static constexpr std::array k_function_options = {
                    "returns"sv,   "language"sv, "volatile"sv,  "stable"sv,   "immutable"sv,
                    "strict"sv,    "security_definer"sv,       "leakproof"sv, "parallel"sv,
                    "cost"sv,      "rows"sv,     "set"sv,       "sql_body"sv};
                fail(option_start, std::max<size_t>(w.size(), 1),
                     w.empty() ? fmt::format("expected the body in dollar quotes ($$ ... $$), "
                                             "found {}",
                                             describe_here())
                               : fmt::format("unknown function option '{}'", w),
                     did_you_mean(w, k_function_options));
            }
        }
        size_t body_at = pos;
        if (!procedure && !saw_returns) {
            fail(body_at, 2, fmt::format("function '{}' needs 'returns <type>'", f.name.display()));
        }
        if (!saw_language && !f.sql_body) {
            fail(body_at, 2,
                 fmt::format("'{}' needs 'language <name>' before its body", f.name.display()));
        }
        f.body = dollar_body("the function body");
        std::sort(f.config.begin(), f.config.end());
        finish_line(&f.origin.trailing_comment);
        return f;
    }

    std::string return_type(model::Function& f) {
        std::string w = peek_word_lower();
        if (w == "setof") {
            take_lower_word();
            return "SETOF " + type_name("the returned type");
        }
        if (w == "table") {
            take_lower_word();
            expect_char('(', "after returns table");
            std::string out = "TABLE(";
            bool first = true;
            while (true) {
                blanks_nl();
                model::FunctionArg column;
                column.mode = model::ArgMode::table;
                column.name = ident("a column name");
                column.type = type_name("the column's type");
                if (!first) {
                    out += ", ";
                }
                first = false;
                out += qail_ident(column.name) + " " + column.type;
                f.args.push_back(std::move(column));
                blanks_nl();
                if (at(pos) == ',') {
                    ++pos;
                    continue;
                }
                if (at(pos) == ')') {
                    ++pos;
                    break;
                }
                fail_here(fmt::format("expected ',' or ')' in returns table(...), found {}",
                                      describe_here()));
            }
            return out + ")";
        }
        return type_name("the returned type");
    }

    // ---- triggers and policies --------------------------------------------

    model::Trigger trigger(size_t) {
        model::Trigger t;
        blanks();
        t.origin = origin_at(pos);
        t.name = ident("a trigger name");
        ws_multi();
        expect("on", "after the trigger name");
        t.table = qname("the trigger's table");
        ws_multi();
        std::string timing = peek_word_lower();
        if (timing == "before") {
            t.timing = model::TriggerTiming::before;
        } else if (timing == "after") {
            t.timing = model::TriggerTiming::after;
        } else if (timing == "instead_of") {
            t.timing = model::TriggerTiming::instead_of;
        } else if (timing == "instead") {
            take_lower_word();
            if (peek_word_lower() != "of") {
                fail_here("expected 'of' after 'instead'");
            }
            t.timing = model::TriggerTiming::instead_of;
        } else {
            fail_here(fmt::format("expected before, after or instead_of, found {}",
                                  describe_here()),
                      did_you_mean(timing, std::array{"before"sv, "after"sv, "instead_of"sv}));
        }
        take_lower_word();
        while (true) {
            ws_multi();
            size_t event_at = pos;
            std::string event = peek_word_lower();
            if (event == "insert") {
                t.on_insert = true;
            } else if (event == "update") {
                t.on_update = true;
            } else if (event == "delete") {
                t.on_delete = true;
            } else if (event == "truncate") {
                t.on_truncate = true;
            } else {
                fail_here(fmt::format("expected a trigger event, found {}", describe_here()),
                          did_you_mean(event, std::array{"insert"sv, "update"sv, "delete"sv,
                                                         "truncate"sv}));
            }
            take_lower_word();
            if (event == "update" && peek_word_lower() == "of") {
                take_lower_word();
                while (true) {
                    t.update_columns.push_back(ident("a column name"));
                    if (!accept_char(',')) {
                        break;
                    }
                }
            }
            (void)event_at;
            ws_multi();
            if (peek_word_lower() == "or") {
                take_lower_word();
                continue;
            }
            break;
        }
        while (true) {
            ws_multi();
            size_t option_start = pos;
            std::string w = peek_word_lower();
            if (w == "execute") {
                take_lower_word();
                std::string kind = peek_word_lower();
                if (kind == "function" || kind == "procedure") {
                    take_lower_word();
                }
                t.function = qname("the trigger function");
                blanks();
                if (at(pos) == '(') {
                    ++pos;
                    blanks_nl();
                    if (at(pos) != ')') {
                        while (true) {
                            blanks_nl();
                            if (at(pos) == '\'') {
                                t.function_args.push_back(quoted_string("an argument"));
                            } else {
                                size_t arg_start = pos;
                                while (pos < text.size() &&
                                       (is_ident_char(text[pos]) || text[pos] == '.' ||
                                        text[pos] == '-' || text[pos] == '+')) {
                                    ++pos;
                                }
                                if (pos == arg_start) {
                                    fail_here("expected a trigger argument (a literal)");
                                }
                                t.function_args.emplace_back(
                                    text.substr(arg_start, pos - arg_start));
                            }
                            blanks_nl();
                            if (at(pos) == ',') {
                                ++pos;
                                continue;
                            }
                            break;
                        }
                    }
                    expect_char(')', "after the trigger arguments");
                }
                break;
            }
            if (w == "for_each_row") {
                take_lower_word();
                t.for_each_row = true;
            } else if (w == "for_each_statement") {
                take_lower_word();
                t.for_each_row = false;
            } else if (w == "when") {
                take_lower_word();
                t.when = paren_expression("the trigger condition");
            } else if (w == "old_table") {
                take_lower_word();
                t.old_table = ident("a transition table name");
            } else if (w == "new_table") {
                take_lower_word();
                t.new_table = ident("a transition table name");
            } else if (w == "constraint") {
                take_lower_word();
                t.constraint = true;
            } else if (w == "disabled") {
                take_lower_word();
                t.enabled = false;
            } else if (deferral_option(t.deferral, w)) {
                // done
            } else {
                static constexpr std::array k_trigger_options = {
                    "execute"sv,  "for_each_row"sv, "for_each_statement"sv, "when"sv,
                    "old_table"sv, "new_table"sv,   "constraint"sv,         "disabled"sv,
                    "deferrable"sv, "initially_deferred"sv};
                fail(option_start, std::max<size_t>(w.size(), 1),
                     w.empty() ? fmt::format("expected 'execute <function>', found {}",
                                             describe_here())
                               : fmt::format("unknown trigger option '{}'", w),
                     did_you_mean(w, k_trigger_options));
            }
        }
        finish_line(&t.origin.trailing_comment);
        return t;
    }

    std::string role_name() {
        blanks();
        if (at(pos) != '"') {
            std::string w = peek_word_lower();
            if (w == "public") {
                take_lower_word();
                return "PUBLIC";
            }
        }
        return ident("a role name");
    }

    model::Policy policy(size_t) {
        model::Policy p;
        blanks();
        p.origin = origin_at(pos);
        p.name = ident("a policy name");
        expect("on", "after the policy name");
        p.table = qname("the policy's table");
        bool saw_for = false;
        while (true) {
            if (line_end()) {
                if (!continuation([](std::string_view w) { return one_of(w, k_policy_clauses); })) {
                    break;
                }
            }
            size_t option_start = pos;
            std::string_view w = peek_word();
            if (w == "for") {
                pos += w.size();
                if (saw_for) {
                    fail(option_start, w.size(), "'for' is given twice");
                }
                saw_for = true;
                std::string cmd = peek_word_lower();
                if (cmd == "all") {
                    p.command = model::PolicyCommand::all;
                } else if (cmd == "select") {
                    p.command = model::PolicyCommand::select;
                } else if (cmd == "insert") {
                    p.command = model::PolicyCommand::insert;
                } else if (cmd == "update") {
                    p.command = model::PolicyCommand::update;
                } else if (cmd == "delete") {
                    p.command = model::PolicyCommand::delete_;
                } else {
                    fail_here(fmt::format("expected all, select, insert, update or delete, found {}",
                                          describe_here()),
                              did_you_mean(cmd, std::array{"all"sv, "select"sv, "insert"sv,
                                                           "update"sv, "delete"sv}));
                }
                take_lower_word();
            } else if (w == "to") {
                pos += w.size();
                while (true) {
                    std::string role = role_name();
                    if (role != "PUBLIC") {
                        p.roles.push_back(std::move(role));
                    }
                    if (!accept_char(',')) {
                        break;
                    }
                }
            } else if (w == "restrictive") {
                pos += w.size();
                p.permissive = false;
            } else if (w == "permissive") {
                pos += w.size();
                p.permissive = true;
            } else if (w == "using" || w == "with_check") {
                pos += w.size();
                blanks();
                std::string expr;
                if (at(pos) == '(') {
                    expr = paren_expression("the policy expression");
                } else {
                    expr = std::string(trim_sql(dollar_body("the policy expression")));
                }
                if (expr.empty()) {
                    fail(option_start, w.size(), "the policy expression is empty");
                }
                if (w == "using") {
                    p.using_expr = std::move(expr);
                } else {
                    p.check_expr = std::move(expr);
                }
            } else {
                fail(option_start, std::max<size_t>(w.size(), 1),
                     w.empty() ? fmt::format("unexpected {} in the policy", describe_here())
                               : fmt::format("unknown policy clause '{}'", w),
                     did_you_mean(w, k_policy_clauses));
            }
        }
        std::sort(p.roles.begin(), p.roles.end());
        finish_line(&p.origin.trailing_comment);
        return p;
    }

    // ---- grants, comments, owners -----------------------------------------

    std::string function_arg_types() {
        // "(integer, text)" -> "integer, text"; names and modes allowed
        expect_char('(', "before the argument types");
        std::string out;
        blanks_nl();
        if (at(pos) == ')') {
            ++pos;
            return out;
        }
        while (true) {
            model::FunctionArg arg = function_arg();
            if (arg.mode != model::ArgMode::out) {
                if (!out.empty()) {
                    out += ", ";
                }
                if (arg.mode == model::ArgMode::variadic) {
                    out += "VARIADIC ";
                }
                out += arg.type;
            }
            blanks_nl();
            if (at(pos) == ',') {
                ++pos;
                continue;
            }
            if (at(pos) == ')') {
                ++pos;
                return out;
            }
            fail_here(fmt::format("expected ',' or ')' in the argument types, found {}",
                                  describe_here()));
        }
    }

    // <kind> <name>, or an untyped name: a table (a column when `dotted_is_column`
    // and the name has a dot).
    model::ObjectRef object_ref(bool dotted_is_column) {
        model::ObjectRef ref;
        blanks();
        size_t start = pos;
        std::string_view w = peek_word();
        // A kind word followed by a name (not by "to", "from", a quote or the line end).
        auto kind_word = [&]() {
            if (!one_of(w, k_object_kinds)) {
                return false;
            }
            size_t p = pos + w.size();
            if (p >= text.size() || !is_blank(text[p])) {
                return false;
            }
            while (p < text.size() && is_blank(text[p])) {
                ++p;
            }
            char c = at(p);
            if (!(is_ident_start(c) || c == '"')) {
                return false;
            }
            std::string_view next = word_at(p);
            return next != "to" && next != "from" && next != "is";
        };
        if (!kind_word()) {
            std::vector<std::string> parts = dotted(3, "an object name");
            if (dotted_is_column && parts.size() >= 2) {
                ref.kind = model::ObjectKind::column;
                ref.member = parts.back();
                parts.pop_back();
            } else if (parts.size() == 3) {
                fail(start, pos - start, "too many dots in the object name");
            } else {
                ref.kind = model::ObjectKind::table;
            }
            ref.name = parts.size() == 1 ? model::QualifiedName{model::k_default_schema, parts[0]}
                                         : model::QualifiedName{parts[0], parts[1]};
            return ref;
        }
        pos += w.size();
        if (w == "table") {
            ref.kind = model::ObjectKind::table;
            ref.name = qname("a table name");
        } else if (w == "view") {
            ref.kind = model::ObjectKind::view;
            ref.name = qname("a view name");
        } else if (w == "materialized") {
            expect("view", "after 'materialized'");
            ref.kind = model::ObjectKind::materialized_view;
            ref.name = qname("a view name");
        } else if (w == "sequence") {
            ref.kind = model::ObjectKind::sequence;
            ref.name = qname("a sequence name");
        } else if (w == "index") {
            ref.kind = model::ObjectKind::index;
            ref.name = qname("an index name");
        } else if (w == "function" || w == "procedure") {
            ref.kind = w == "function" ? model::ObjectKind::function : model::ObjectKind::procedure;
            ref.name = qname("a function name");
            size_t save = pos;
            blanks();
            if (at(pos) == '(') {
                ref.args = function_arg_types();
            } else {
                pos = save;
                ref.args = k_unresolved_args;
            }
        } else if (w == "type") {
            ref.kind = model::ObjectKind::type;
            ref.name = qname("a type name");
        } else if (w == "domain") {
            ref.kind = model::ObjectKind::domain;
            ref.name = qname("a domain name");
        } else if (w == "schema" || w == "extension") {
            ref.kind = w == "schema" ? model::ObjectKind::schema : model::ObjectKind::extension;
            ref.name = model::QualifiedName{"", ident("a name")};
        } else if (w == "column") {
            ref.kind = model::ObjectKind::column;
            std::vector<std::string> parts = dotted(3, "table.column");
            if (parts.size() < 2) {
                fail(start, pos - start, "a column is written table.column");
            }
            ref.member = parts.back();
            parts.pop_back();
            ref.name = parts.size() == 1 ? model::QualifiedName{model::k_default_schema, parts[0]}
                                         : model::QualifiedName{parts[0], parts[1]};
        } else {
            // trigger / policy / constraint: <name> on <table> (or on domain <d>)
            ref.member = ident("a name");
            expect("on", fmt::format("after the {} name", w));
            if (w == "constraint" && accept("domain")) {
                ref.kind = model::ObjectKind::domain_constraint;
                ref.name = qname("a domain name");
            } else {
                ref.kind = w == "trigger"  ? model::ObjectKind::trigger
                           : w == "policy" ? model::ObjectKind::policy
                                           : model::ObjectKind::constraint;
                ref.name = qname("a table name");
            }
        }
        return ref;
    }

    // grant <privs> on <object> to <roles> [with_grant_option]; the same
    // parser reads revoke (with `from`).
    std::vector<model::Grant> grant(size_t start, bool is_grant) {
        struct Priv {
            std::string name;
            std::vector<std::string> columns;
            size_t at;
        };
        std::vector<Priv> privs;
        while (true) {
            blanks();
            size_t p_at = pos;
            std::string w = peek_word_lower();
            if (w.empty() || !one_of(w, k_privileges)) {
                fail(p_at, std::max<size_t>(w.size(), 1),
                     w.empty() ? fmt::format("expected a privilege, found {}", describe_here())
                               : fmt::format("unknown privilege '{}'", w),
                     did_you_mean(w, k_privileges));
            }
            take_lower_word();
            if (w == "all") {
                accept_icase("privileges");
            }
            if (w == "temp") {
                w = "temporary";
            }
            Priv priv{w, {}, p_at};
            size_t save = pos;
            blanks();
            if (at(pos) == '(') {
                priv.columns = ident_list("columns");
            } else {
                pos = save;
            }
            privs.push_back(std::move(priv));
            if (!accept_char(',')) {
                break;
            }
        }
        bool has_all = false;
        for (const Priv& p : privs) {
            if (p.name == "all") {
                has_all = true;
            }
        }
        if (has_all && privs.size() > 1) {
            fail(privs.front().at, 3, "'all' cannot be combined with other privileges");
        }
        expect("on", "after the privileges");
        model::ObjectRef object = object_ref(false);
        std::vector<std::string> roles;
        expect(is_grant ? "to" : "from", "before the role");
        while (true) {
            roles.push_back(role_name());
            if (!accept_char(',')) {
                break;
            }
        }
        bool with_grant_option = false;
        if (is_grant && accept("with_grant_option")) {
            with_grant_option = true;
        } else if (is_grant && accept_icase("with")) {
            if (!accept_icase("grant") || !accept_icase("option")) {
                fail_here("expected 'with grant option'");
            }
            with_grant_option = true;
        }
        model::SourceRef origin = origin_at(start);
        finish_line(&origin.trailing_comment);

        // privileges per object (the table itself, or each column)
        std::vector<std::pair<model::ObjectRef, std::vector<std::string>>> targets;
        auto add = [&](const model::ObjectRef& ref, const std::string& privilege) {
            std::vector<std::string> expanded;
            if (privilege == "all") {
                expanded = model::all_privileges(ref.kind);
            } else {
                std::string upper = privilege;
                for (char& c : upper) {
                    c = static_cast<char>(c - 'a' + 'A');
                }
                expanded.push_back(upper);
            }
            for (auto& [r, list] : targets) {
                if (r == ref) {
                    for (auto& e : expanded) {
                        list.push_back(e);
                    }
                    return;
                }
            }
            targets.emplace_back(ref, expanded);
        };
        for (const Priv& p : privs) {
            if (p.columns.empty()) {
                if (p.name != "all") {
                    std::vector<std::string> allowed = model::all_privileges(object.kind);
                    std::string upper = p.name;
                    for (char& c : upper) {
                        c = static_cast<char>(c - 'a' + 'A');
                    }
                    if (!allowed.empty() &&
                        std::find(allowed.begin(), allowed.end(), upper) == allowed.end()) {
                        fail(p.at, p.name.size(),
                             fmt::format("privilege {} does not apply to a {}", p.name,
                                         model::to_string(object.kind)));
                    }
                }
                add(object, p.name);
                continue;
            }
            if (object.kind != model::ObjectKind::table && object.kind != model::ObjectKind::view &&
                object.kind != model::ObjectKind::materialized_view) {
                fail(p.at, p.name.size(), "column privileges need a table");
            }
            for (const std::string& column : p.columns) {
                model::ObjectRef ref;
                ref.kind = model::ObjectKind::column;
                ref.name = object.name;
                ref.member = column;
                add(ref, p.name);
            }
        }
        std::vector<model::Grant> grants;
        for (auto& [ref, list] : targets) {
            std::sort(list.begin(), list.end());
            list.erase(std::unique(list.begin(), list.end()), list.end());
            for (const std::string& role : roles) {
                model::Grant g;
                g.object = ref;
                g.privileges = list;
                g.grantee = role;
                g.with_grant_option = with_grant_option;
                g.origin = origin;
                if (!grants.empty()) {
                    g.origin.comments.clear();
                    g.origin.trailing_comment.clear();
                }
                grants.push_back(std::move(g));
            }
        }
        return grants;
    }

    model::Comment comment(size_t start) {
        model::Comment c;
        c.origin = origin_at(start);
        expect("on", "after 'comment'");
        c.object = object_ref(true);
        accept_icase("is");
        blanks();
        c.text = quoted_string("the comment text");
        finish_line(&c.origin.trailing_comment);
        return c;
    }

    model::Owner owner(size_t start) {
        model::Owner o;
        o.origin = origin_at(start);
        o.object = object_ref(false);
        expect("to", "before the owner role");
        o.role = ident("a role name");
        finish_line(&o.origin.trailing_comment);
        return o;
    }

    // ---- hints ------------------------------------------------------------

    void expect_arrow() {
        blanks();
        if (at(pos) != '-' || at(pos + 1) != '>') {
            fail_here(fmt::format("expected '->', found {}", describe_here()));
        }
        pos += 2;
    }

    // t.c or s.t.c -> (table, column)
    std::pair<model::QualifiedName, std::string> column_target(const char* what) {
        blanks();
        size_t start = pos;
        std::vector<std::string> parts = dotted(3, what);
        if (parts.size() < 2) {
            fail(start, pos - start, fmt::format("expected table.column for {}", what));
        }
        std::string column = parts.back();
        parts.pop_back();
        model::QualifiedName table = parts.size() == 1
                                         ? model::QualifiedName{model::k_default_schema, parts[0]}
                                         : model::QualifiedName{parts[0], parts[1]};
        return {std::move(table), std::move(column)};
    }

    model::RenameHint rename(size_t start) {
        model::RenameHint h;
        h.origin = origin_at(start);
        std::string_view w = peek_word();
        bool typed = one_of(w, k_rename_kinds) && !word_then(w, '.') && !word_then(w, '-');
        if (!typed || w == "column") {
            if (typed) {
                pos += w.size();
            }
            blanks();
            size_t from_at = pos;
            auto [from_table, from_column] = column_target("the renamed column");
            expect_arrow();
            auto [to_table, to_column] = column_target("the new column name");
            if (!(to_table == from_table)) {
                fail(from_at, pos - from_at,
                     "a column rename must stay in its table (rename t.a -> t.b)");
            }
            if (from_column == to_column) {
                fail(from_at, pos - from_at, "the rename changes nothing");
            }
            h.target = model::RenameHint::Target::column;
            h.from = from_table;
            h.to = to_table;
            h.from_column = std::move(from_column);
            h.to_column = std::move(to_column);
        } else {
            pos += w.size();
            using T = model::RenameHint::Target;
            if (w == "materialized") {
                expect("view");
                h.target = T::view;
            } else {
                h.target = w == "table"      ? T::table
                           : w == "index"    ? T::index
                           : w == "view"     ? T::view
                           : w == "sequence" ? T::sequence
                           : w == "function" ? T::function
                           : w == "schema"   ? T::schema
                                             : T::type;
            }
            blanks();
            size_t from_at = pos;
            if (h.target == T::schema) {
                h.from = model::QualifiedName{"", ident("a schema name")};
                expect_arrow();
                h.to = model::QualifiedName{"", ident("a schema name")};
            } else {
                std::vector<std::string> from = dotted(2, "a name");
                expect_arrow();
                std::vector<std::string> to = dotted(2, "a name");
                h.from = from.size() == 1 ? model::QualifiedName{model::k_default_schema, from[0]}
                                          : model::QualifiedName{from[0], from[1]};
                h.to = to.size() == 1 ? model::QualifiedName{h.from.schema, to[0]}
                                      : model::QualifiedName{to[0], to[1]};
            }
            if (h.from == h.to) {
                fail(from_at, pos - from_at, "the rename changes nothing");
            }
        }
        finish_line(&h.origin.trailing_comment);
        return h;
    }

    model::TransformHint transform(size_t start) {
        model::TransformHint h;
        h.origin = origin_at(start);
        blanks();
        size_t expr_start = pos;
        if (at(pos) == '`') {
            h.expression = backtick_text();
            expect_arrow();
        } else {
            ScanStops stops;
            ScanResult line = scan_sql(text, pos, stops);
            if (!line.ok) {
                fail(line.error_at, 1, fmt::format("unterminated {} in the transform", line.error));
            }
            // the last top-level "->" of the line (the expression may use -> too)
            size_t arrow = std::string_view::npos;
            ScanStops arrows;
            arrows.arrow = true;
            for (size_t p = expr_start; p < line.end;) {
                ScanResult next = scan_sql(text.substr(0, line.end), p, arrows);
                if (!next.ok || next.end >= line.end) {
                    break;
                }
                arrow = next.end;
                p = next.end + 2;
            }
            if (arrow == std::string_view::npos) {
                fail(expr_start, line.end - expr_start,
                     "expected `transform <expression> -> table.column`");
            }
            h.expression = std::string(trim_sql(text.substr(expr_start, arrow - expr_start)));
            if (h.expression.empty()) {
                fail(expr_start, 2, "the transform expression is empty");
            }
            pos = arrow + 2;
        }
        auto [table, column] = column_target("the transformed column");
        h.table = std::move(table);
        h.column = std::move(column);
        finish_line(&h.origin.trailing_comment);
        return h;
    }

    model::DropHint drop(size_t start) {
        using T = model::DropHint::Target;
        model::DropHint h;
        h.origin = origin_at(start);
        if (accept("confirm")) {
            h.confirmed = true;
        }
        std::string_view w = peek_word();
        bool typed = one_of(w, k_drop_kinds) && !word_then(w, '.') && !word_alone(w) &&
                     !word_then_word(w, {"confirm"});
        blanks();
        size_t target_at = pos;
        if (!typed) {
            std::vector<std::string> parts = dotted(3, "the dropped table or column");
            if (parts.size() == 1) {
                h.target = T::table;
                h.name = model::QualifiedName{model::k_default_schema, parts[0]};
            } else {
                h.target = T::column;
                h.member = parts.back();
                parts.pop_back();
                h.name = parts.size() == 1 ? model::QualifiedName{model::k_default_schema, parts[0]}
                                           : model::QualifiedName{parts[0], parts[1]};
            }
        } else {
            pos += w.size();
            if (w == "materialized") {
                expect("view");
            }
            if (accept("if")) {
                expect("exists");
            }
            if (w == "column") {
                auto [table, column] = column_target("the dropped column");
                h.target = T::column;
                h.name = std::move(table);
                h.member = std::move(column);
            } else if (w == "trigger" || w == "policy" || w == "constraint") {
                h.target = w == "trigger" ? T::trigger : w == "policy" ? T::policy : T::constraint;
                std::vector<std::string> parts = dotted(3, "a name");
                if (accept("on")) {
                    if (parts.size() != 1) {
                        fail(target_at, pos - target_at, "expected `<name> on <table>`");
                    }
                    h.member = parts[0];
                    h.name = qname("a table name");
                } else {
                    if (parts.size() < 2) {
                        fail(target_at, pos - target_at,
                             fmt::format("expected `{} <name> on <table>`", w));
                    }
                    h.member = parts.back();
                    parts.pop_back();
                    h.name = parts.size() == 1
                                 ? model::QualifiedName{model::k_default_schema, parts[0]}
                                 : model::QualifiedName{parts[0], parts[1]};
                }
            } else if (w == "schema" || w == "extension") {
                h.target = w == "schema" ? T::schema : T::extension;
                h.name = model::QualifiedName{"", ident("a name")};
            } else {
                h.target = w == "table"          ? T::table
                           : w == "index"        ? T::index
                           : w == "view"         ? T::view
                           : w == "materialized" ? T::materialized_view
                           : w == "sequence"     ? T::sequence
                           : (w == "function" || w == "procedure") ? T::function
                                                                   : T::type;
                h.name = qname("a name");
                if (h.target == T::function) {
                    size_t save = pos;
                    blanks();
                    if (at(pos) == '(') {
                        h.args = function_arg_types();
                    } else {
                        pos = save;
                    }
                }
            }
        }
        if (accept("confirm")) {
            h.confirmed = true;
        }
        finish_line(&h.origin.trailing_comment);
        return h;
    }

    // ---- resources --------------------------------------------------------

    model::Resource resource(size_t, std::string_view kind) {
        model::Resource r;
        r.kind = std::string(kind);
        blanks();
        r.origin = origin_at(pos);
        r.name = bare_or_quoted("a resource name");
        if (at_char('{')) {
            brace_items(r.origin, false, "the resource properties", [&] {
                std::string key = take_word("a property name");
                std::string value = bare_or_quoted("a property value");
                r.properties.emplace_back(std::move(key), std::move(value));
            });
        } else {
            finish_line(&r.origin.trailing_comment);
        }
        return r;
    }
};

StatementParser::StatementParser(const SourceText& source, ParseHooks hooks)
    : m_impl(std::make_unique<Impl>(source, std::move(hooks))) {}

StatementParser::~StatementParser() = default;

void StatementParser::parse(const std::function<void(Statement&&)>& sink) {
    m_impl->parse(sink);
}

const std::vector<Diagnostic>& StatementParser::diagnostics() const {
    return m_impl->diagnostics;
}

const std::vector<std::string>& StatementParser::header_comments() const {
    return m_impl->header;
}

const std::vector<std::string>& StatementParser::closing_comments() const {
    return m_impl->closing;
}

size_t StatementParser::parse_column_line(const SourceText& source, size_t position,
                                          model::Table& table) {
    Impl impl(source, {});
    impl.pos = position;
    Impl::TableState state;
    if (table.primary_key) {
        state.table_pk = true;
    }
    try {
        impl.column_line(table, state);
    } catch (const ParseFailure& f) {
        throw InputError(source.diagnostic(f.at, f.length, f.message, f.help));
    }
    if (!state.pk_columns.empty()) {
        if (table.primary_key) {
            throw InputError(source.diagnostic(position, 1, "a table has only one primary key"));
        }
        impl.finish_table(table, state);
    }
    return impl.pos;
}

std::vector<Statement> parse_statements(std::string_view text, const std::string& file_name) {
    if (size_t bad = find_invalid_utf8(text); bad != std::string_view::npos) {
        SourceText source(text, file_name);
        throw InputError(source.diagnostic(bad, 1, "the file is not valid UTF-8"));
    }
    SourceText source(text, file_name);
    StatementParser parser(source);
    std::vector<Statement> statements;
    parser.parse([&](Statement&& s) { statements.push_back(std::move(s)); });
    if (!parser.diagnostics().empty()) {
        throw InputError(parser.diagnostics());
    }
    return statements;
}

} // namespace qail::lang
