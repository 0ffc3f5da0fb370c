#include "types.hpp"

#include <array>
#include <cctype>
#include <string>
#include <utility>
#include <vector>

namespace qail::model {

namespace {

bool is_space(char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0;
}

// Splits a type text into words and parenthesised groups, lower-casing
// everything outside double quotes and dropping spaces inside parentheses:
// "Character  Varying( 20 )" -> {"character", "varying", "(20)"}.
std::vector<std::string> tokenize(std::string_view text) {
    std::vector<std::string> tokens;
    size_t i = 0;
    while (i < text.size()) {
        char c = text[i];
        if (is_space(c)) {
            ++i;
            continue;
        }
        if (c == '(' || c == '[') {
            char close = c == '(' ? ')' : ']';
            std::string group(1, c);
            ++i;
            int depth = 1;
            while (i < text.size() && depth > 0) {
                char d = text[i++];
                if (d == c) {
                    ++depth;
                } else if (d == close) {
                    --depth;
                }
                if (d == '\'' || d == '"') { // keep quoted text verbatim
                    group += d;
                    while (i < text.size() && text[i] != d) {
                        group += text[i++];
                    }
                    if (i < text.size()) {
                        group += text[i++];
                    }
                    continue;
                }
                if (!is_space(d)) {
                    group += static_cast<char>(std::tolower(static_cast<unsigned char>(d)));
                }
            }
            tokens.push_back(group);
            continue;
        }
        std::string word;
        while (i < text.size() && !is_space(text[i]) && text[i] != '(' && text[i] != '[') {
            if (text[i] == '"') {
                word += text[i++];
                while (i < text.size() && text[i] != '"') {
                    word += text[i++];
                }
                if (i < text.size()) {
                    word += text[i++];
                }
                continue;
            }
            word += static_cast<char>(std::tolower(static_cast<unsigned char>(text[i++])));
        }
        tokens.push_back(word);
    }
    return tokens;
}

struct Alias {
    const char* spelling;
    const char* canonical;
};

// Single-word spellings (PostgreSQL's own aliases plus upstream QAIL's).
constexpr std::array k_aliases = {
    Alias{"int", "integer"},           Alias{"int4", "integer"},
    Alias{"integer", "integer"},       Alias{"i32", "integer"},
    Alias{"int2", "smallint"},         Alias{"smallint", "smallint"},
    Alias{"int8", "bigint"},           Alias{"bigint", "bigint"},
    Alias{"i64", "bigint"},            Alias{"serial", "serial"},
    Alias{"serial4", "serial"},        Alias{"bigserial", "bigserial"},
    Alias{"serial8", "bigserial"},     Alias{"smallserial", "smallserial"},
    Alias{"serial2", "smallserial"},   Alias{"bool", "boolean"},
    Alias{"boolean", "boolean"},       Alias{"float4", "real"},
    Alias{"real", "real"},             Alias{"float8", "double precision"},
    Alias{"float", "double precision"}, Alias{"double", "double precision"},
    Alias{"f64", "double precision"},  Alias{"decimal", "numeric"},
    Alias{"dec", "numeric"},           Alias{"numeric", "numeric"},
    Alias{"varchar", "character varying"}, Alias{"string", "text"},
    Alias{"str", "text"},              Alias{"text", "text"},
    Alias{"timestamptz", "timestamp with time zone"},
    Alias{"timestamp", "timestamp without time zone"},
    Alias{"timetz", "time with time zone"},
    Alias{"time", "time without time zone"},
    Alias{"bytes", "bytea"},           Alias{"varbit", "bit varying"},
    Alias{"bpchar", "bpchar"},
};

const char* alias_of(const std::string& word) {
    for (const Alias& alias : k_aliases) {
        if (word == alias.spelling) {
            return alias.canonical;
        }
    }
    return nullptr;
}

// "(10, 2)" -> "(10,2)" was already done by tokenize; "(10)" for numeric -> "(10,0)".
std::string numeric_modifier(const std::string& group) {
    if (group.find(',') == std::string::npos) {
        return group.substr(0, group.size() - 1) + ",0)";
    }
    return group;
}

bool is_array_suffix(const std::string& token) {
    return !token.empty() && token.front() == '[';
}

std::string strip_public(std::string name) {
    if (name.rfind("public.", 0) == 0) {
        return name.substr(7);
    }
    if (name.rfind("pg_catalog.", 0) == 0) {
        return name.substr(11);
    }
    return name;
}

} // namespace

std::string canonical_type(std::string_view type_text) {
    std::vector<std::string> tokens = tokenize(type_text);
    if (tokens.empty()) {
        return std::string();
    }
    // Peel off array suffixes: "[]", "[3]", "array", "array[3]".
    int dimensions = 0;
    while (!tokens.empty()) {
        if (is_array_suffix(tokens.back())) {
            ++dimensions;
            tokens.pop_back();
        } else if (tokens.back() == "array") {
            ++dimensions;
            tokens.pop_back();
        } else {
            break;
        }
    }
    std::string base;
    size_t i = 0;
    auto take = [&](const char* word) {
        if (i < tokens.size() && tokens[i] == word) {
            ++i;
            return true;
        }
        return false;
    };
    auto take_modifier = [&]() -> std::string {
        if (i < tokens.size() && tokens[i].front() == '(') {
            return tokens[i++];
        }
        return std::string();
    };
    auto time_zone_suffix = [&]() -> std::string {
        if (take("with")) {
            take("time");
            take("zone");
            return " with time zone";
        }
        if (take("without")) {
            take("time");
            take("zone");
        }
        return " without time zone";
    };

    const std::string& first = tokens[0];
    if (first == "double" && tokens.size() > 1 && tokens[1] == "precision") {
        i = 2;
        base = "double precision";
    } else if ((first == "character" || first == "char" || first == "national") &&
               tokens.size() > 1) {
        i = 1;
        if (first == "national") {
            take("character") || take("char");
        }
        if (take("varying")) {
            base = "character varying" + take_modifier();
        } else {
            std::string mod = take_modifier();
            base = "character" + (mod.empty() ? std::string("(1)") : mod);
        }
    } else if (first == "character" || first == "char") {
        i = 1;
        base = "character(1)";
    } else if (first == "bit") {
        i = 1;
        if (take("varying")) {
            base = "bit varying" + take_modifier();
        } else {
            std::string mod = take_modifier();
            base = "bit" + (mod.empty() ? std::string("(1)") : mod);
        }
    } else if (first == "timestamp" || first == "time" || first == "timestamptz" ||
               first == "timetz") {
        i = 1;
        std::string mod = take_modifier();
        std::string zone;
        if (first == "timestamptz" || first == "timetz") {
            zone = " with time zone";
        } else {
            zone = time_zone_suffix();
        }
        std::string word = first == "timestamptz" ? "timestamp" : first == "timetz" ? "time" : first;
        base = word + mod + zone;
    } else if (first == "interval") {
        i = 1;
        base = "interval";
        // interval [fields] [(p)], e.g. "interval day to second(3)"
        while (i < tokens.size() && tokens[i].front() != '(') {
            base += " " + tokens[i++];
        }
        base += take_modifier();
    } else if (first == "float" && tokens.size() > 1 && tokens[1].front() == '(') {
        i = 2;
        int precision = std::atoi(tokens[1].c_str() + 1);
        base = precision >= 1 && precision <= 24 ? "real" : "double precision";
    } else if (const char* canonical = alias_of(first)) {
        i = 1;
        base = canonical;
        std::string mod = take_modifier();
        if (base == "numeric" && !mod.empty()) {
            mod = numeric_modifier(mod);
        }
        base += mod;
    } else {
        // Any other (extension or user-defined) type: keep it, minus "public.".
        i = 1;
        base = strip_public(first);
        base += take_modifier();
    }
    // Anything left over (an unusual spelling) is kept rather than lost.
    for (; i < tokens.size(); ++i) {
        if (tokens[i].front() == '(') {
            base += tokens[i];
        } else {
            base += " " + tokens[i];
        }
    }
    // PostgreSQL does not record array dimensions: int[][] is integer[].
    if (dimensions > 0) {
        base += "[]";
    }
    return base;
}

bool is_serial_type(std::string_view canonical) {
    return canonical == "serial" || canonical == "bigserial" || canonical == "smallserial";
}

std::string serial_base_type(std::string_view canonical) {
    if (canonical == "bigserial") {
        return "bigint";
    }
    if (canonical == "smallserial") {
        return "smallint";
    }
    if (canonical == "serial") {
        return "integer";
    }
    return std::string(canonical);
}

std::string_view array_element_type(std::string_view canonical) {
    if (canonical.size() > 2 && canonical.substr(canonical.size() - 2) == "[]") {
        return canonical.substr(0, canonical.size() - 2);
    }
    return canonical;
}

} // namespace qail::model
