#include "quote.hpp"

#include <algorithm>
#include <array>

namespace qail::sql {

namespace {

// pg_get_keywords() WHERE catcode <> 'U' on PostgreSQL 15, sorted.
constexpr std::array<std::string_view, 151> k_reserved = {
    
};

} // namespace

bool is_reserved_keyword(std::string_view word) {
    return std::binary_search(k_reserved.begin(), k_reserved.end(), word);
}

bool is_bare_identifier(std::string_view name) {
    if (name.empty()) {
        return false;
    }
    char first = name.front();
    if (!((first >= 'a' && first <= 'z') || first == '_')) {
        return false;
    }
    for (char c : name) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
            return false;
        }
    }
    return !is_reserved_keyword(name);
}

std::string quote_ident(std::string_view name) {
    if (is_bare_identifier(name)) {
        return std::string(name);
    }
    std::string out = "\"";
    for (char c : name) {
        if (c == '"') {
            out += '"';
        }
        out += c;
    }
    out += '"';
    return out;
}

std::string quote_qualified(std::string_view schema, std::string_view name, bool keep_public) {
    if (schema.empty() || (!keep_public && schema == "public")) {
        return quote_ident(name);
    }
    return quote_ident(schema) + "." + quote_ident(name);
}

std::string quote_literal(std::string_view text) {
    std::string out = "'";
    for (char c : text) {
        if (c == '\'') {
            out += '\'';
        }
        out += c;
    }
    out += '\'';
    return out;
}

} // namespace qail::sql
