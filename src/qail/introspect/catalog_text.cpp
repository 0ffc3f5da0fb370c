#include "catalog_text.hpp"

#include <cctype>

namespace qail::introspect::text {

namespace {

bool is_space(char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) {
        s.remove_prefix(1);
    }
    while (!s.empty() && is_space(s.back())) {
        s.remove_suffix(1);
    }
    return s;
}

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

// Skips a quoted run starting at `i` (text[i] is the quote); returns the index after it.
size_t skip_quoted(std::string_view text, size_t i) {
    char quote = text[i];
    ++i;
    while (i < text.size()) {
        if (text[i] == quote) {
            if (i + 1 < text.size() && text[i + 1] == quote) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        ++i;
    }
    return i;
}

} // namespace

std::vector<std::string> parse_array(std::string_view literal) {
    std::vector<std::string> out;
    literal = trim(literal);
    if (literal.size() < 2 || literal.front() != '{' || literal.back() != '}') {
        return out;
    }
    std::string_view body = literal.substr(1, literal.size() - 2);
    size_t i = 0;
    while (i < body.size()) {
        std::string item;
        if (body[i] == '"') {
            ++i;
            while (i < body.size() && body[i] != '"') {
                if (body[i] == '\\' && i + 1 < body.size()) {
                    ++i;
                }
                item += body[i++];
            }
            ++i; // closing quote
        } else {
            size_t end = body.find(',', i);
            if (end == std::string_view::npos) {
                end = body.size();
            }
            item = std::string(body.substr(i, end - i));
            if (item == "NULL") {
                item.clear();
            }
            i = end;
        }
        out.push_back(std::move(item));
        if (i < body.size() && body[i] == ',') {
            ++i;
        }
    }
    return out;
}

std::optional<AclItem> parse_acl_item(std::string_view item) {
    AclItem out;
    size_t i = 0;
    if (!item.empty() && item[0] == '"') {
        size_t end = skip_quoted(item, 0);
        std::string name;
        for (size_t k = 1; k + 1 < end; ++k) {
            name += item[k];
            if (item[k] == '"') {
                ++k; // "" inside
            }
        }
        out.grantee = name;
        i = end;
    } else {
        size_t eq = item.find('=');
        if (eq == std::string_view::npos) {
            return std::nullopt;
        }
        out.grantee = std::string(item.substr(0, eq));
        i = eq;
    }
    if (i >= item.size() || item[i] != '=') {
        return std::nullopt;
    }
    ++i;
    if (out.grantee.empty()) {
        out.grantee = "PUBLIC";
    }
    while (i < item.size() && item[i] != '/') {
        char letter = item[i++];
        out.privileges += letter;
        if (i < item.size() && item[i] == '*') {
            out.grantable += letter;
            ++i;
        }
    }
    return out;
}

std::string privilege_name(char letter) {
    switch (letter) {
    case 'r':
        return "SELECT";
    case 'w':
        return "UPDATE";
    case 'a':
        return "INSERT";
    case 'd':
        return "DELETE";
    case 'D':
        return "TRUNCATE";
    case 'x':
        return "REFERENCES";
    case 't':
        return "TRIGGER";
    case 'X':
        return "EXECUTE";
    case 'U':
        return "USAGE";
    case 'C':
        return "CREATE";
    case 'c':
        return "CONNECT";
    case 'T':
        return "TEMPORARY";
    default:
        return {};
    }
}

std::vector<std::string> split_top_level(std::string_view text, char separator) {
    std::vector<std::string> parts;
    int depth = 0;
    size_t start = 0;
    size_t i = 0;
    while (i < text.size()) {
        char c = text[i];
        if (c == '\'' || c == '"') {
            i = skip_quoted(text, i);
            continue;
        }
        if (c == '(' || c == '[') {
            ++depth;
        } else if (c == ')' || c == ']') {
            --depth;
        } else if (c == separator && depth == 0) {
            parts.emplace_back(trim(text.substr(start, i - start)));
            start = i + 1;
        }
        ++i;
    }
    std::string_view last = trim(text.substr(start));
    if (!last.empty() || !parts.empty()) {
        parts.emplace_back(last);
    }
    return parts;
}

size_t find_top_level(std::string_view text, std::string_view needle, size_t from) {
    int depth = 0;
    size_t i = from;
    while (i < text.size()) {
        char c = text[i];
        if (depth == 0 && text.substr(i, needle.size()) == needle) {
            return i;
        }
        if (c == '\'' || c == '"') {
            i = skip_quoted(text, i);
            continue;
        }
        if (c == '(' || c == '[') {
            ++depth;
        } else if (c == ')' || c == ']') {
            --depth;
        }
        ++i;
    }
    return std::string_view::npos;
}

std::optional<std::string> balanced_group(std::string_view text, size_t open) {
    if (open >= text.size() || text[open] != '(') {
        return std::nullopt;
    }
    int depth = 0;
    size_t i = open;
    while (i < text.size()) {
        char c = text[i];
        if (c == '\'' || c == '"') {
            i = skip_quoted(text, i);
            continue;
        }
        if (c == '(') {
            ++depth;
        } else if (c == ')') {
            --depth;
            if (depth == 0) {
                return std::string(text.substr(open + 1, i - open - 1));
            }
        }
        ++i;
    }
    return std::nullopt;
}

size_t identifier_length(std::string_view text) {
    if (!text.empty() && text[0] == '"') {
        return skip_quoted(text, 0);
    }
    size_t i = 0;
    while (i < text.size() && !is_space(text[i])) {
        ++i;
    }
    return i;
}

std::vector<std::string> unquote_qualified(std::string_view text) {
    std::vector<std::string> parts;
    text = trim(text);
    size_t i = 0;
    std::string current;
    while (i < text.size()) {
        char c = text[i];
        if (c == '"') {
            size_t end = skip_quoted(text, i);
            for (size_t k = i + 1; k + 1 < end; ++k) {
                current += text[k];
                if (text[k] == '"') {
                    ++k;
                }
            }
            i = end;
            continue;
        }
        if (c == '.') {
            parts.push_back(std::move(current));
            current.clear();
            ++i;
            continue;
        }
        current += c;
        ++i;
    }
    parts.push_back(std::move(current));
    return parts;
}

namespace {

// The next word (or quoted name, possibly qualified) of `s` from `pos`.
std::string_view next_token(std::string_view s, size_t& pos) {
    while (pos < s.size() && is_space(s[pos])) {
        ++pos;
    }
    size_t start = pos;
    while (pos < s.size() && !is_space(s[pos]) && s[pos] != '(') {
        if (s[pos] == '"') {
            pos = skip_quoted(s, pos);
            continue;
        }
        ++pos;
    }
    return s.substr(start, pos - start);
}

} // namespace

ElementSuffix parse_element_suffix(std::string_view suffix) {
    ElementSuffix out;
    size_t pos = 0;
    while (true) {
        size_t before = pos;
        std::string_view word = next_token(suffix, pos);
        if (word.empty()) {
            // an opclass parameter list right after the opclass
            while (pos < suffix.size() && is_space(suffix[pos])) {
                ++pos;
            }
            if (pos < suffix.size() && suffix[pos] == '(' && out.opclass) {
                std::optional<std::string> group = balanced_group(suffix, pos);
                if (!group) {
                    break;
                }
                out.opclass_params = "(" + *group + ")";
                pos += group->size() + 2;
                continue;
            }
            break;
        }
        if (word == "COLLATE") {
            std::vector<std::string> parts = unquote_qualified(next_token(suffix, pos));
            if (parts.size() == 2 && (parts[0] == "pg_catalog" || parts[0] == "public")) {
                out.collation = parts[1];
            } else if (parts.size() == 2) {
                out.collation = parts[0] + "." + parts[1];
            } else {
                out.collation = parts.back();
            }
        } else if (word == "DESC") {
            out.descending = true;
        } else if (word == "ASC") {
            out.descending = false;
        } else if (word == "NULLS") {
            std::string_view which = next_token(suffix, pos);
            out.nulls_first = which == "FIRST";
        } else {
            out.opclass = std::string(word);
        }
        if (pos == before) {
            break;
        }
    }
    return out;
}

std::string index_key_text(std::string_view expression) {
    expression = trim(expression);
    // a (possibly qualified, possibly quoted) name, then one group to the end
    size_t i = 0;
    while (i < expression.size() && expression[i] != '(') {
        char c = expression[i];
        if (c == '"') {
            i = skip_quoted(expression, i);
            continue;
        }
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '$' ||
              static_cast<unsigned char>(c) >= 0x80)) {
            break;
        }
        ++i;
    }
    if (i > 0 && i < expression.size() && expression[i] == '(') {
        std::optional<std::string> group = balanced_group(expression, i);
        if (group && i + group->size() + 2 == expression.size()) {
            return std::string(expression);
        }
    }
    return "(" + std::string(expression) + ")";
}

std::vector<std::string> index_definition_elements(std::string_view definition,
                                                   std::string_view method) {
    std::string marker = " USING " + std::string(method) + " (";
    size_t at = definition.find(marker);
    if (at == std::string_view::npos) {
        return {};
    }
    std::optional<std::string> group = balanced_group(definition, at + marker.size() - 1);
    if (!group) {
        return {};
    }
    return split_top_level(*group, ',');
}

std::string check_expression(std::string_view definition) {
    size_t open = definition.find('(');
    if (open == std::string_view::npos) {
        return std::string(trim(definition));
    }
    std::optional<std::string> group = balanced_group(definition, open);
    return group ? std::string(trim(*group)) : std::string(trim(definition.substr(open)));
}

std::optional<std::string> trigger_when(std::string_view definition) {
    size_t at = find_top_level(definition, " WHEN (");
    if (at == std::string_view::npos) {
        return std::nullopt;
    }
    std::optional<std::string> group = balanced_group(definition, at + 6);
    if (!group) {
        return std::nullopt;
    }
    return std::string(trim(*group));
}

std::string sql_standard_body(std::string_view definition) {
    size_t pos = 0;
    while (pos < definition.size()) {
        std::string_view line = definition.substr(pos);
        if (starts_with(line, "RETURN ") || starts_with(line, "BEGIN ATOMIC")) {
            return std::string(trim(line));
        }
        size_t nl = definition.find('\n', pos);
        if (nl == std::string_view::npos) {
            break;
        }
        pos = nl + 1;
    }
    return std::string(trim(definition));
}

std::vector<std::string> trigger_arguments(std::string_view hex, int count) {
    std::vector<std::string> args;
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return 0;
    };
    std::string current;
    for (size_t i = 0; i + 1 < hex.size(); i += 2) {
        char byte = static_cast<char>(nibble(hex[i]) * 16 + nibble(hex[i + 1]));
        if (byte == '\0') {
            args.push_back(std::move(current));
            current.clear();
        } else {
            current += byte;
        }
    }
    while (static_cast<int>(args.size()) > count) {
        args.pop_back();
    }
    return args;
}

} // namespace qail::introspect::text
