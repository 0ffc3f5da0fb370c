#include "text.hpp"

#include <array>
#include <cctype>
#include <utility>

namespace qail::sql {

namespace {

struct Spelling {
    std::string_view canonical;
    std::string_view sql;
};

// format_type() spellings of built-in types (without modifiers) -> short SQL.
constexpr std::array k_spellings = {
    Spelling{"integer", "INTEGER"},
    Spelling{"bigint", "BIGINT"},
    Spelling{"smallint", "SMALLINT"},
    Spelling{"serial", "SERIAL"},
    Spelling{"bigserial", "BIGSERIAL"},
    Spelling{"smallserial", "SMALLSERIAL"},
    Spelling{"text", "TEXT"},
    Spelling{"boolean", "BOOLEAN"},
    Spelling{"character varying", "VARCHAR"},
    Spelling{"character", "CHAR"},
    Spelling{"bpchar", "BPCHAR"},
    Spelling{"numeric", "NUMERIC"},
    Spelling{"real", "REAL"},
    Spelling{"double precision", "DOUBLE PRECISION"},
    Spelling{"date", "DATE"},
    Spelling{"uuid", "UUID"},
    Spelling{"json", "JSON"},
    Spelling{"jsonb", "JSONB"},
    Spelling{"bytea", "BYTEA"},
    Spelling{"inet", "INET"},
    Spelling{"cidr", "CIDR"},
    Spelling{"macaddr", "MACADDR"},
    Spelling{"macaddr8", "MACADDR8"},
    Spelling{"money", "MONEY"},
    Spelling{"xml", "XML"},
    Spelling{"tsvector", "TSVECTOR"},
    Spelling{"tsquery", "TSQUERY"},
    Spelling{"bit", "BIT"},
    Spelling{"bit varying", "VARBIT"},
    Spelling{"oid", "OID"},
    Spelling{"point", "POINT"},
    Spelling{"int4range", "INT4RANGE"},
    Spelling{"int8range", "INT8RANGE"},
    Spelling{"numrange", "NUMRANGE"},
    Spelling{"tsrange", "TSRANGE"},
    Spelling{"tstzrange", "TSTZRANGE"},
    Spelling{"daterange", "DATERANGE"},
};

bool is_ident_start(char c) {
    return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_' ||
           static_cast<unsigned char>(c) >= 0x80;
}
bool is_ident_char(char c) {
    return is_ident_start(c) || std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '$';
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

// Splits "timestamp(3) with time zone" into the base spelling without the
// modifier ("timestamp with time zone") and the modifier ("(3)").
std::pair<std::string, std::string> split_modifier(std::string_view type) {
    size_t open = type.find('(');
    if (open == std::string_view::npos) {
        return {std::string(type), ""};
    }
    size_t close = type.find(')', open);
    if (close == std::string_view::npos) {
        return {std::string(type), ""};
    }
    std::string base(type.substr(0, open));
    std::string rest(type.substr(close + 1));
    std::string mod(type.substr(open, close - open + 1));
    while (!base.empty() && base.back() == ' ') {
        base.pop_back();
    }
    if (!rest.empty() && rest.front() != ' ') {
        rest.insert(rest.begin(), ' ');
    }
    return {base + rest, mod};
}

} // namespace

std::string render_type(std::string_view canonical) {
    std::string_view type = canonical;
    std::string suffix;
    while (type.size() > 2 && type.substr(type.size() - 2) == "[]") {
        suffix += "[]";
        type.remove_suffix(2);
    }
    if (type.find('"') != std::string_view::npos || type.find('.') != std::string_view::npos) {
        return std::string(canonical);
    }
    auto [base, mod] = split_modifier(type);
    if (base == "timestamp without time zone" || base == "timestamp") {
        return "TIMESTAMP" + mod + suffix;
    }
    if (base == "timestamp with time zone") {
        return "TIMESTAMPTZ" + mod + suffix;
    }
    if (base == "time without time zone" || base == "time") {
        return "TIME" + mod + suffix;
    }
    if (base == "time with time zone") {
        return "TIMETZ" + mod + suffix;
    }
    if (base.rfind("interval", 0) == 0) {
        std::string out = "INTERVAL";
        std::string fields = base.substr(8);
        for (char& c : fields) {
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        }
        return out + fields + mod + suffix;
    }
    for (const Spelling& s : k_spellings) {
        if (base == s.canonical) {
            return std::string(s.sql) + mod + suffix;
        }
    }
    return std::string(canonical);
}

std::string dollar_quote(std::string_view body) {
    std::string tag = "$$";
    for (int n = 0; body.find(tag) != std::string_view::npos; ++n) {
        tag = n == 0 ? "$qail$" : "$qail" + std::to_string(n) + "$";
    }
    std::string out = tag;
    out += body;
    out += tag;
    return out;
}

namespace {

// Reads one identifier at `i` (bare or "quoted"); returns false when there is none.
bool read_ident(std::string_view text, size_t& i, std::string& out) {
    if (i >= text.size()) {
        return false;
    }
    if (text[i] == '"') {
        size_t j = i + 1;
        out.clear();
        while (j < text.size()) {
            if (text[j] == '"') {
                if (j + 1 < text.size() && text[j + 1] == '"') {
                    out += '"';
                    j += 2;
                    continue;
                }
                break;
            }
            out += text[j++];
        }
        i = j < text.size() ? j + 1 : j;
        return true;
    }
    if (!is_ident_start(text[i])) {
        return false;
    }
    size_t j = i;
    while (j < text.size() && is_ident_char(text[j])) {
        ++j;
    }
    out = lower(text.substr(i, j - i));
    i = j;
    return true;
}

size_t skip_spaces(std::string_view text, size_t i) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])) != 0) {
        ++i;
    }
    return i;
}

} // namespace

NameRef parse_name(std::string_view text) {
    NameRef ref;
    size_t i = skip_spaces(text, 0);
    std::string first;
    if (!read_ident(text, i, first)) {
        ref.name = std::string(text);
        return ref;
    }
    if (i < text.size() && text[i] == '.') {
        ++i;
        std::string second;
        if (read_ident(text, i, second)) {
            ref.schema = first;
            ref.name = second;
            return ref;
        }
    }
    ref.name = first;
    return ref;
}

std::vector<NameRef> referenced_names(std::string_view text) {
    std::vector<NameRef> out;
    size_t i = 0;
    const size_t n = text.size();
    while (i < n) {
        char c = text[i];
        if (c == '-' && i + 1 < n && text[i + 1] == '-') {
            while (i < n && text[i] != '\n') {
                ++i;
            }
            continue;
        }
        if (c == '/' && i + 1 < n && text[i + 1] == '*') {
            size_t end = text.find("*/", i + 2);
            i = end == std::string_view::npos ? n : end + 2;
            continue;
        }
        if (c == '\'') {
            // string literal; remember it in case it is cast to regclass
            size_t j = i + 1;
            std::string value;
            while (j < n) {
                if (text[j] == '\'') {
                    if (j + 1 < n && text[j + 1] == '\'') {
                        value += '\'';
                        j += 2;
                        continue;
                    }
                    break;
                }
                value += text[j++];
            }
            i = j < n ? j + 1 : n;
            size_t k = skip_spaces(text, i);
            if (k + 2 <= n && text.substr(k, 2) == "::") {
                k = skip_spaces(text, k + 2);
                std::string cast;
                size_t m = k;
                if (read_ident(text, m, cast) &&
                    (cast == "regclass" || cast == "regproc" || cast == "regprocedure" ||
                     cast == "regtype")) {
                    NameRef ref = parse_name(value);
                    ref.call = false;
                    out.push_back(ref);
                }
            }
            continue;
        }
        if (c == '$') {
            // dollar-quoted string: skip it
            size_t j = i + 1;
            while (j < n && (is_ident_char(text[j]) && text[j] != '$')) {
                ++j;
            }
            if (j < n && text[j] == '$') {
                std::string_view tag = text.substr(i, j - i + 1);
                size_t end = text.find(tag, j + 1);
                i = end == std::string_view::npos ? n : end + tag.size();
                continue;
            }
            ++i;
            continue;
        }
        if (c == '"' || is_ident_start(c)) {
            // E'...' / B'...' / X'...' / U&'...' literals
            if ((c == 'E' || c == 'e' || c == 'B' || c == 'b' || c == 'X' || c == 'x') &&
                i + 1 < n && text[i + 1] == '\'') {
                ++i;
                continue;
            }
            NameRef ref;
            std::string part;
            if (!read_ident(text, i, part)) {
                ++i;
                continue;
            }
            std::vector<std::string> parts{part};
            while (i < n && text[i] == '.') {
                size_t j = i + 1;
                std::string next;
                if (!read_ident(text, j, next)) {
                    break;
                }
                parts.push_back(next);
                i = j;
            }
            size_t k = skip_spaces(text, i);
            bool call = k < n && text[k] == '(';
            if (parts.size() == 1) {
                out.push_back(NameRef{"", parts[0], call});
            } else {
                // a.b could be schema.object or table.column; a.b.c is schema.table.column
                out.push_back(NameRef{parts[0], parts[1], call && parts.size() == 2});
                out.push_back(NameRef{"", parts[0], false});
                if (parts.size() >= 3) {
                    out.push_back(NameRef{parts[1], parts[2], call});
                }
            }
            continue;
        }
        if (std::isdigit(static_cast<unsigned char>(c)) != 0) {
            while (i < n && (is_ident_char(text[i]) || text[i] == '.')) {
                ++i;
            }
            continue;
        }
        ++i;
    }
    return out;
}

} // namespace qail::sql
