#include "syntax.hpp"

#include <algorithm>
#include <array>
#include <set>

#include <fmt/format.h>

#include <qail/sql/quote.hpp>

namespace qail::lang {

using namespace std::string_view_literals;

std::string_view trim_sql(std::string_view text) {
    size_t b = 0;
    size_t e = text.size();
    while (b < e && (is_blank(text[b]) || text[b] == '\n')) {
        ++b;
    }
    while (e > b && (is_blank(text[e - 1]) || text[e - 1] == '\n')) {
        --e;
    }
    return text.substr(b, e - b);
}

namespace {

std::string mini_check(std::string_view part) {
    // split into whitespace tokens, respecting brackets and quotes
    std::vector<std::string_view> tokens;
    size_t i = 0;
    while (i < part.size()) {
        while (i < part.size() && is_blank(part[i])) {
            ++i;
        }
        if (i >= part.size()) {
            break;
        }
        size_t start = i;
        size_t depth = 0;
        char quote = 0;
        while (i < part.size()) {
            char c = part[i];
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '[' || c == '(') {
                ++depth;
            } else if ((c == ']' || c == ')') && depth > 0) {
                --depth;
            } else if (depth == 0 && is_blank(c)) {
                break;
            }
            ++i;
        }
        tokens.push_back(part.substr(start, i - start));
    }
    auto simple = [](std::string_view t) {
        return !t.empty() && std::all_of(t.begin(), t.end(), [](char c) {
            return is_ident_char(c) || c == '"' || c == '.';
        });
    };
    if (tokens.size() == 2 && tokens[1] == "not_null" && simple(tokens[0])) {
        return std::string(tokens[0]) + " IS NOT NULL";
    }
    if (tokens.size() == 4 && tokens[1] == "between" && simple(tokens[0])) {
        return fmt::format("{} BETWEEN {} AND {}", tokens[0], tokens[2], tokens[3]);
    }
    if (tokens.size() >= 3 && tokens[1] == "in" && simple(tokens[0]) &&
        tokens[2].front() == '[') {
        std::string rest;
        for (size_t k = 2; k < tokens.size(); ++k) {
            rest += (k > 2 ? " " : "") + std::string(tokens[k]);
        }
        if (rest.back() != ']') {
            return std::string(part);
        }
        std::string_view inner = std::string_view(rest).substr(1, rest.size() - 2);
        std::vector<std::string> values;
        size_t p = 0;
        while (p <= inner.size()) {
            while (p < inner.size() && is_blank(inner[p])) {
                ++p;
            }
            std::string value;
            if (p < inner.size() && (inner[p] == '"' || inner[p] == '\'')) {
                char q = inner[p++];
                while (p < inner.size() && inner[p] != q) {
                    value += inner[p++];
                }
                ++p;
            } else {
                while (p < inner.size() && inner[p] != ',') {
                    value += inner[p++];
                }
                value = std::string(trim_sql(value));
            }
            while (p < inner.size() && inner[p] != ',') {
                ++p;
            }
            values.push_back(value);
            ++p;
        }
        std::string list;
        for (const std::string& v : values) {
            if (!list.empty()) {
                list += ", ";
            }
            std::string quoted = "'";
            for (char c : v) {
                if (c == '\'') {
                    quoted += '\'';
                }
                quoted += c;
            }
            list += quoted + "'";
        }
        return fmt::format("{} IN ({})", tokens[0], list);
    }
    return std::string(part);
}


// Upstream's check mini-language: `col in [a, b]`, `col between lo hi`,
// `col not_null` become SQL; anything else is SQL already.

} // namespace

std::string rewrite_check_shorthand(std::string expr) {
    if (expr.find('[') == std::string::npos && expr.find("between") == std::string::npos &&
        expr.find("not_null") == std::string::npos) {
        return expr;
    }
    // split on top-level " and " / " or "
    std::string out;
    size_t i = 0;
    std::string_view e = expr;
    std::vector<std::pair<std::string, std::string>> parts; // (connector, text)
    size_t seg = 0;
    std::string connector;
    size_t depth = 0;
    char quote = 0;
    while (i < e.size()) {
        char c = e[i];
        if (quote != 0) {
            if (c == quote) {
                quote = 0;
            }
            ++i;
            continue;
        }
        if (c == '\'' || c == '"') {
            quote = c;
        } else if (c == '(' || c == '[') {
            ++depth;
        } else if ((c == ')' || c == ']') && depth > 0) {
            --depth;
        } else if (depth == 0 && is_blank(c)) {
            for (std::string_view word : {"and"sv, "or"sv, "AND"sv, "OR"sv}) {
                if (e.substr(i + 1, word.size()) == word && i + 1 + word.size() < e.size() &&
                    is_blank(e[i + 1 + word.size()])) {
                    parts.emplace_back(connector, std::string(e.substr(seg, i - seg)));
                    connector = std::string(word);
                    i += word.size() + 1;
                    seg = i + 1;
                    break;
                }
            }
        }
        ++i;
    }
    parts.emplace_back(connector, std::string(e.substr(std::min(seg, e.size()))));
    bool changed = false;
    for (auto& [conn, part] : parts) {
        std::string rewritten = mini_check(trim_sql(part));
        if (rewritten != trim_sql(part)) {
            changed = true;
        }
        if (!out.empty()) {
            out += " " + conn + " ";
        }
        out += rewritten;
    }
    return changed ? out : expr;
}


size_t dollar_tag_length(std::string_view text, size_t pos) {
    if (pos >= text.size() || text[pos] != '$') {
        return 0;
    }
    size_t i = pos + 1;
    if (i < text.size() && text[i] == '$') {
        return 2;
    }
    if (i >= text.size() || !is_ident_start(text[i])) {
        return 0;
    }
    while (i < text.size() && is_ident_char(text[i]) && text[i] != '$') {
        ++i;
    }
    if (i < text.size() && text[i] == '$') {
        return i - pos + 1;
    }
    return 0;
}

ScanResult scan_sql(std::string_view text, size_t pos, const ScanStops& stops) {
    ScanResult result;
    size_t n = text.size();
    size_t i = pos;
    size_t depth = 0;
    size_t outer_open = 0;
    auto fail = [&](size_t at, const char* what) {
        result.ok = false;
        result.error_at = at;
        result.error = what;
        result.end = n;
        return result;
    };
    while (i < n) {
        char c = text[i];
        switch (c) {
        case '\'': {
            size_t start = i;
            bool escapes = i > 0 && (text[i - 1] == 'e' || text[i - 1] == 'E') &&
                           (i < 2 || !is_ident_char(text[i - 2]));
            ++i;
            bool closed = false;
            while (i < n) {
                if (escapes && text[i] == '\\') {
                    i += 2;
                    continue;
                }
                if (text[i] == '\'') {
                    if (i + 1 < n && text[i + 1] == '\'') {
                        i += 2;
                        continue;
                    }
                    closed = true;
                    ++i;
                    break;
                }
                ++i;
            }
            if (!closed) {
                return fail(start, "string literal");
            }
            continue;
        }
        case '"': {
            size_t start = i;
            ++i;
            bool closed = false;
            while (i < n) {
                if (text[i] == '"') {
                    if (i + 1 < n && text[i + 1] == '"') {
                        i += 2;
                        continue;
                    }
                    closed = true;
                    ++i;
                    break;
                }
                ++i;
            }
            if (!closed) {
                return fail(start, "quoted identifier");
            }
            continue;
        }
        case '$': {
            size_t tag = (i == 0 || !is_ident_char(text[i - 1])) ? dollar_tag_length(text, i) : 0;
            if (tag == 0) {
                ++i;
                continue;
            }
            size_t close = text.find(text.substr(i, tag), i + tag);
            if (close == std::string_view::npos) {
                return fail(i, "dollar-quoted string");
            }
            i = close + tag;
            continue;
        }
        case '/':
            if (i + 1 < n && text[i + 1] == '*') {
                size_t start = i;
                size_t nest = 1;
                i += 2;
                while (i < n && nest > 0) {
                    if (text[i] == '/' && i + 1 < n && text[i + 1] == '*') {
                        ++nest;
                        i += 2;
                    } else if (text[i] == '*' && i + 1 < n && text[i + 1] == '/') {
                        --nest;
                        i += 2;
                    } else {
                        ++i;
                    }
                }
                if (nest > 0) {
                    return fail(start, "comment");
                }
                continue;
            }
            ++i;
            continue;
        case '(':
        case '[':
            if (depth == 0) {
                outer_open = i;
            }
            ++depth;
            ++i;
            continue;
        case ')':
        case ']':
            if (depth == 0) {
                if (stops.close_paren && c == ')') {
                    result.end = i;
                    return result;
                }
                ++i;
                continue;
            }
            --depth;
            ++i;
            continue;
        case '-':
            if (depth == 0 && stops.arrow && i + 1 < n && text[i + 1] == '>') {
                result.end = i;
                return result;
            }
            if (i + 1 < n && text[i + 1] == '-') {
                if (depth == 0 && stops.line) {
                    result.end = i;
                    return result;
                }
                // an SQL comment inside the expression: part of it, to the end of the line
                while (i < n && text[i] != '\n') {
                    ++i;
                }
                continue;
            }
            ++i;
            continue;
        default:
            break;
        }
        if (depth == 0) {
            if (c == '\n' && stops.line) {
                result.end = i;
                return result;
            }
            if (c == ',' && stops.comma) {
                result.end = i;
                return result;
            }
            if (c == '#' && stops.line && i > pos && is_blank(text[i - 1])) {
                result.end = i;
                return result;
            }
            if (c == '#' && stops.line && i == pos) {
                result.end = i;
                return result;
            }
            if (is_ident_start(c) && (i == 0 || !is_ident_char(text[i - 1]))) {
                size_t end = i + 1;
                while (end < n && is_ident_char(text[end])) {
                    ++end;
                }
                if (!stops.words.empty()) {
                    std::string_view word = text.substr(i, end - i);
                    if (std::find(stops.words.begin(), stops.words.end(), word) !=
                        stops.words.end()) {
                        result.end = i;
                        return result;
                    }
                }
                i = end;
                continue;
            }
        }
        ++i;
    }
    if (depth > 0) {
        return fail(outer_open, "parenthesis");
    }
    result.end = n;
    return result;
}

std::string dollar_delimiter(std::string_view body) {
    // The delimiter must not occur in the body, nor be formed by the body's
    // end and the closing delimiter ("x$" + "$$").
    auto fits = [&](const std::string& delim) {
        if (body.find(delim) != std::string_view::npos) {
            return false;
        }
        size_t tail = std::min(body.size(), delim.size() - 1);
        std::string joint = std::string(body.substr(body.size() - tail)) + delim;
        return joint.find(delim) == tail;
    };
    if (fits("$$")) {
        return "$$";
    }
    // $q$, $q1$, $q2$, ...: skip the numbers the body uses (one pass).
    std::set<size_t> used;
    for (size_t at = body.find("$q"); at != std::string_view::npos; at = body.find("$q", at + 1)) {
        size_t i = at + 2;
        size_t value = 0;
        bool digits = false;
        while (i < body.size() && body[i] >= '0' && body[i] <= '9' && value < 1000000000) {
            value = value * 10 + static_cast<size_t>(body[i] - '0');
            digits = true;
            ++i;
        }
        if (i < body.size() && body[i] == '$') {
            used.insert(digits ? value : 0);
        }
    }
    for (size_t n = 0;; ++n) {
        if (used.count(n) > 0) {
            continue;
        }
        std::string delim = n == 0 ? std::string("$q$") : "$q" + std::to_string(n) + "$";
        if (fits(delim)) {
            return delim;
        }
    }
}

bool is_qail_keyword(std::string_view word) {
    static constexpr std::array<std::string_view, 11> k_words = {
        "confirm",  "enable_rls",  "exclude", "exists", "force_rls", "foreign_key",
        "if",       "partition_by", "primary_key", "unlogged", "nulls_not_distinct"};
    return std::find(k_words.begin(), k_words.end(), word) != k_words.end();
}

std::string double_quoted(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 2);
    out += '"';
    for (char c : text) {
        if (c == '"') {
            out += '"';
        }
        out += c;
    }
    out += '"';
    return out;
}

std::string qail_ident(std::string_view name) {
    if (sql::is_bare_identifier(name) && !is_qail_keyword(name)) {
        return std::string(name);
    }
    return double_quoted(name);
}

std::string qail_name(const model::QualifiedName& name) {
    if (name.schema.empty() || name.schema == model::k_default_schema) {
        return qail_ident(name.name);
    }
    return qail_ident(name.schema) + "." + qail_ident(name.name);
}

std::string backticked(std::string_view text) {
    std::string out = "`";
    for (char c : text) {
        if (c == '`') {
            out += '`';
        }
        out += c;
    }
    out += '`';
    return out;
}

bool fits_raw_slot(std::string_view text, const ScanStops& stops) {
    if (text.empty() || text.front() == '`' || is_blank(text.front()) ||
        is_blank(text.back()) || text.front() == '\n' || text.back() == '\n') {
        return false;
    }
    ScanResult scan = scan_sql(text, 0, stops);
    return scan.ok && scan.end == text.size();
}

} // namespace qail::lang
