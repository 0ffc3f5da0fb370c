#include "naming.hpp"

#include <algorithm>
#include <cctype>

namespace qail::model {

namespace {

// pg_mbcliplen for UTF-8: never cut a multibyte character in half.
size_t clip_utf8(std::string_view text, size_t length) {
    length = std::min(length, text.size());
    while (length > 0 && length < text.size() &&
           (static_cast<unsigned char>(text[length]) & 0xC0) == 0x80) {
        --length;
    }
    return length;
}

} // namespace

std::string make_object_name(std::string_view name1, std::string_view name2,
                             std::string_view label) {
    const bool has_name2 = !name2.empty();
    size_t overhead = (has_name2 ? 1 : 0) + (label.empty() ? 0 : label.size() + 1);
    size_t available = k_max_identifier_length > overhead ? k_max_identifier_length - overhead : 1;
    size_t chars1 = name1.size();
    size_t chars2 = has_name2 ? name2.size() : 0;
    // Shorten the longer part first, one byte at a time, as PostgreSQL does.
    while (chars1 + chars2 > available) {
        if (chars1 > chars2) {
            --chars1;
        } else {
            --chars2;
        }
    }
    chars1 = clip_utf8(name1, chars1);
    chars2 = clip_utf8(name2, chars2);
    std::string out(name1.substr(0, chars1));
    if (has_name2) {
        out += '_';
        out += name2.substr(0, chars2);
    }
    if (!label.empty()) {
        out += '_';
        out += label;
    }
    return out;
}

std::string name_addition(std::span<const std::string> columns) {
    // ChooseIndexNameAddition / ChooseForeignKeyConstraintNameAddition: stop
    // once the text is already too long to matter.
    std::string out;
    for (const std::string& column : columns) {
        if (!out.empty()) {
            out += '_';
        }
        out += column.substr(0, k_max_identifier_length);
        if (out.size() >= k_max_identifier_length + 1) {
            break;
        }
    }
    return out;
}

std::string default_primary_key_name(std::string_view table) {
    return make_object_name(table, {}, "pkey");
}

std::string default_unique_name(std::string_view table, std::span<const std::string> columns) {
    return make_object_name(table, name_addition(columns), "key");
}

std::string default_foreign_key_name(std::string_view table,
                                     std::span<const std::string> columns) {
    return make_object_name(table, name_addition(columns), "fkey");
}

std::string default_exclusion_name(std::string_view table, std::span<const std::string> columns) {
    return make_object_name(table, name_addition(columns), "excl");
}

std::string default_check_name(std::string_view table, std::string_view column) {
    return make_object_name(table, column, "check");
}

std::string default_index_name(std::string_view table, std::span<const std::string> columns) {
    return make_object_name(table, name_addition(columns), "idx");
}

std::string default_domain_check_name(std::string_view domain) {
    return make_object_name(domain, {}, "check");
}

std::string default_serial_sequence_name(std::string_view table, std::string_view column) {
    return make_object_name(table, column, "seq");
}

std::optional<std::string> nextval_sequence_text(std::string_view default_expr) {
    constexpr std::string_view head = "nextval('";
    if (!default_expr.starts_with(head)) {
        return std::nullopt;
    }
    for (std::string_view tail : {std::string_view("'::regclass)"), std::string_view("')")}) {
        if (default_expr.size() >= head.size() + tail.size() && default_expr.ends_with(tail)) {
            std::string name(
                default_expr.substr(head.size(), default_expr.size() - head.size() - tail.size()));
            std::erase(name, '"');
            return name;
        }
    }
    return std::nullopt;
}

std::vector<std::string> referenced_columns(std::string_view expr,
                                            std::span<const std::string> columns) {
    std::vector<std::string> found;
    auto add = [&](const std::string& name) {
        if (std::find(columns.begin(), columns.end(), name) != columns.end() &&
            std::find(found.begin(), found.end(), name) == found.end()) {
            found.push_back(name);
        }
    };
    auto is_ident_start = [](char c) {
        return std::isalpha(static_cast<unsigned char>(c)) || c == '_' ||
               static_cast<unsigned char>(c) >= 0x80;
    };
    auto is_ident_char = [&](char c) {
        return is_ident_start(c) || std::isdigit(static_cast<unsigned char>(c)) || c == '$';
    };
    auto next_non_space = [&](size_t pos) {
        while (pos < expr.size() && std::isspace(static_cast<unsigned char>(expr[pos]))) {
            ++pos;
        }
        return pos < expr.size() ? expr[pos] : '\0';
    };
    bool after_cast = false;
    size_t i = 0;
    while (i < expr.size()) {
        char c = expr[i];
        if (c == '\'') { // string literal; '' escapes a quote
            ++i;
            while (i < expr.size()) {
                if (expr[i] == '\'') {
                    if (i + 1 < expr.size() && expr[i + 1] == '\'') {
                        i += 2;
                        continue;
                    }
                    break;
                }
                ++i;
            }
            ++i;
            after_cast = false;
            continue;
        }
        if (c == ':' && i + 1 < expr.size() && expr[i + 1] == ':') {
            after_cast = true;
            i += 2;
            continue;
        }
        if (c == '"') {
            size_t start = ++i;
            std::string name;
            while (i < expr.size()) {
                if (expr[i] == '"') {
                    if (i + 1 < expr.size() && expr[i + 1] == '"') {
                        name += '"';
                        i += 2;
                        continue;
                    }
                    break;
                }
                name += expr[i++];
            }
            (void)start;
            ++i;
            if (!after_cast && next_non_space(i) != '(') {
                add(name);
            }
            after_cast = false;
            continue;
        }
        if (is_ident_start(c)) {
            size_t start = i;
            while (i < expr.size() && is_ident_char(expr[i])) {
                ++i;
            }
            std::string word(expr.substr(start, i - start));
            for (char& ch : word) {
                ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
            }
            bool qualified_member = start > 0 && expr[start - 1] == '.';
            if (!after_cast && next_non_space(i) != '(' && next_non_space(i) != '.') {
                add(word);
            } else if (qualified_member && !after_cast) {
                add(word);
            }
            // A cast target can be several words ("double precision",
            // "timestamp with time zone") but never a column: stay in cast mode
            // only while the word just read starts such a multi-word type name.
            if (after_cast) {
                static const char* const k_continuing[] = {
                    "double", "character", "char", "bit", "timestamp", "time",
                    "with", "without", "varying", "national", "interval"};
                bool continues = false;
                for (const char* w : k_continuing) {
                    continues = continues || word == w;
                }
                after_cast = continues && next_non_space(i) != '(';
            }
            continue;
        }
        if (std::isdigit(static_cast<unsigned char>(c))) {
            while (i < expr.size() && (std::isalnum(static_cast<unsigned char>(expr[i])) ||
                                       expr[i] == '.' || expr[i] == '_')) {
                ++i;
            }
            after_cast = false;
            continue;
        }
        if (!std::isspace(static_cast<unsigned char>(c))) {
            after_cast = false;
        }
        ++i;
    }
    return found;
}

} // namespace qail::model
