#include "checksum.hpp"

#include <cctype>

#include <qail/base/sha256.hpp>

namespace qail::exec {

namespace {

bool is_word_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' ||
           static_cast<unsigned char>(c) >= 0x80;
}

// Where whitespace separated two of these, one space is kept (E 'x' is not E'x').
bool keeps_space(char c) {
    return is_word_char(c) || c == '\'' || c == '"';
}

} // namespace

std::string normalize_sql(std::string_view sql) {
    std::string out;
    out.reserve(sql.size());
    bool pending_space = false;
    auto emit = [&](std::string_view piece) {
        if (pending_space && !out.empty() && keeps_space(out.back()) && !piece.empty() &&
            keeps_space(piece.front())) {
            out += ' ';
        }
        pending_space = false;
        out += piece;
    };
    size_t i = 0;
    while (i < sql.size()) {
        char c = sql[i];
        if (std::isspace(static_cast<unsigned char>(c))) {
            pending_space = true;
            ++i;
            continue;
        }
        if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
            while (i < sql.size() && sql[i] != '\n') {
                ++i;
            }
            pending_space = true;
            continue;
        }
        if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
            int depth = 0; // block comments nest in PostgreSQL
            while (i < sql.size()) {
                if (sql[i] == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
                    ++depth;
                    i += 2;
                } else if (sql[i] == '*' && i + 1 < sql.size() && sql[i + 1] == '/') {
                    --depth;
                    i += 2;
                    if (depth == 0) {
                        break;
                    }
                } else {
                    ++i;
                }
            }
            pending_space = true;
            continue;
        }
        if (c == '\'' || c == '"') {
            size_t start = i++;
            while (i < sql.size()) {
                if (sql[i] == c) {
                    if (i + 1 < sql.size() && sql[i + 1] == c) {
                        i += 2;
                        continue;
                    }
                    break;
                }
                ++i;
            }
            i = i < sql.size() ? i + 1 : i;
            emit(sql.substr(start, i - start));
            continue;
        }
        if (c == '$') {
            // $tag$ ... $tag$ (a positional parameter $1 is not a quote)
            size_t end = i + 1;
            while (end < sql.size() && (std::isalnum(static_cast<unsigned char>(sql[end])) ||
                                        sql[end] == '_')) {
                ++end;
            }
            if (end < sql.size() && sql[end] == '$' &&
                !(end > i + 1 && std::isdigit(static_cast<unsigned char>(sql[i + 1])))) {
                std::string_view tag = sql.substr(i, end - i + 1);
                size_t close = sql.find(tag, end + 1);
                size_t stop = close == std::string_view::npos ? sql.size() : close + tag.size();
                emit(sql.substr(i, stop - i));
                i = stop;
                continue;
            }
        }
        size_t start = i;
        if (is_word_char(c)) {
            while (i < sql.size() && is_word_char(sql[i])) {
                ++i;
            }
        } else {
            ++i;
        }
        emit(sql.substr(start, i - start));
    }
    while (!out.empty() && out.back() == ';') {
        out.pop_back();
    }
    return out;
}

std::string checksum_statements(const std::vector<std::string>& statements) {
    std::string text;
    for (const std::string& statement : statements) {
        text += normalize_sql(statement);
        text += '\n';
    }
    return sha256_hex(text);
}

} // namespace qail::exec
