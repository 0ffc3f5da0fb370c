#include "sql_info.hpp"

#include <cctype>

#include <qail/exec/checksum.hpp>
#include <qail/sql/normalize.hpp>

namespace qail::exec {

using plan::LockLevel;
using plan::StepKind;

std::string DroppedName::display() const {
    return column.empty() ? table.display() : table.display() + "." + column;
}

namespace {

bool word_start(char c) {
    auto u = static_cast<unsigned char>(c);
    return std::isalpha(u) || c == '_' || u >= 0x80;
}

bool word_char(char c) {
    auto u = static_cast<unsigned char>(c);
    return std::isalnum(u) || c == '_' || c == '$' || u >= 0x80;
}

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

// Length of a $tag$ opener at `pos`, or 0.
size_t dollar_tag(std::string_view text, size_t pos) {
    if (pos >= text.size() || text[pos] != '$') {
        return 0;
    }
    size_t end = pos + 1;
    if (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) {
        return 0; // $1 is a parameter
    }
    while (end < text.size() && (std::isalnum(static_cast<unsigned char>(text[end])) ||
                                 text[end] == '_' || static_cast<unsigned char>(text[end]) >= 0x80)) {
        ++end;
    }
    if (end < text.size() && text[end] == '$') {
        return end - pos + 1;
    }
    return 0;
}

class Cursor {
public:
    explicit Cursor(const std::vector<SqlToken>& tokens) : m_tokens(tokens) {}

    bool done() const { return m_i >= m_tokens.size(); }
    /// The word at the cursor (lower case), or "" when it is not a bare word.
    std::string_view word(size_t ahead = 0) const {
        size_t i = m_i + ahead;
        if (i < m_tokens.size() && m_tokens[i].kind == SqlToken::Kind::word) {
            return m_tokens[i].text;
        }
        return {};
    }
    bool accept(std::string_view w) {
        if (word() == w) {
            ++m_i;
            return true;
        }
        return false;
    }
    void skip() {
        if (!done()) {
            ++m_i;
        }
    }
    bool accept_punct(char c) {
        if (!done() && m_tokens[m_i].kind == SqlToken::Kind::punct && m_tokens[m_i].text[0] == c) {
            ++m_i;
            return true;
        }
        return false;
    }
    bool is_name() const {
        return !done() && (m_tokens[m_i].kind == SqlToken::Kind::word ||
                           m_tokens[m_i].kind == SqlToken::Kind::quoted);
    }
    std::string take_name() {
        if (!is_name()) {
            return {};
        }
        return m_tokens[m_i++].text;
    }
    /// [schema.]name; nullopt when there is no name here.
    std::optional<model::QualifiedName> qualified() {
        if (!is_name()) {
            return std::nullopt;
        }
        std::vector<std::string> parts{take_name()};
        while (accept_punct('.') && is_name()) {
            parts.push_back(take_name());
        }
        if (parts.size() == 1) {
            return model::QualifiedName{model::k_default_schema, parts[0]};
        }
        return model::QualifiedName{parts[parts.size() - 2], parts.back()};
    }
    void skip_if_exists() {
        if (word() == "if" && word(1) == "exists") {
            m_i += 2;
        }
    }
    void skip_if_not_exists() {
        if (word() == "if" && word(1) == "not" && word(2) == "exists") {
            m_i += 3;
        }
    }
    bool has_word(std::string_view w) const {
        for (size_t i = m_i; i < m_tokens.size(); ++i) {
            if (m_tokens[i].kind == SqlToken::Kind::word && m_tokens[i].text == w) {
                return true;
            }
        }
        return false;
    }
    /// Moves past the next top-level ',' (not inside brackets); false at the end.
    bool next_item() {
        int depth = 0;
        while (!done()) {
            const SqlToken& t = m_tokens[m_i++];
            if (t.kind != SqlToken::Kind::punct) {
                continue;
            }
            char c = t.text[0];
            if (c == '(' || c == '[') {
                ++depth;
            } else if (c == ')' || c == ']') {
                --depth;
            } else if (c == ',' && depth == 0) {
                return true;
            }
        }
        return false;
    }

private:
    const std::vector<SqlToken>& m_tokens;
    size_t m_i = 0;
};

void on(SqlInfo& info, LockLevel lock, const std::optional<model::QualifiedName>& relation) {
    info.lock = lock;
    info.lock_known = true;
    if (relation) {
        info.relation = *relation;
    }
}

void classify_create(Cursor& c, SqlInfo& info) {
    c.accept("or") && c.accept("replace");
    bool unique = c.accept("unique");
    if (c.accept("index")) {
        info.kind = StepKind::create_index;
        info.concurrently = c.accept("concurrently");
        c.skip_if_not_exists();
        std::string name;
        if (c.word() != "on") {
            name = c.take_name();
        }
        c.accept("on");
        c.accept("only");
        auto table = c.qualified();
        info.outside_transaction = info.concurrently;
        on(info, info.concurrently ? LockLevel::share_update_exclusive : LockLevel::share, table);
        if (!name.empty() && table) {
            info.created_index = model::QualifiedName{table->schema, name};
        }
        return;
    }
    if (unique) {
        return;
    }
    // CREATE [GLOBAL|LOCAL] [TEMP|TEMPORARY|UNLOGGED] TABLE
    while (c.accept("global") || c.accept("local") || c.accept("temp") || c.accept("temporary") ||
           c.accept("unlogged")) {
    }
    if (c.accept("table")) {
        info.kind = StepKind::create_table;
        on(info, LockLevel::none, std::nullopt);
        return;
    }
    if (c.accept("database") || c.accept("tablespace") || c.accept("subscription")) {
        info.outside_transaction = true;
        on(info, LockLevel::none, std::nullopt);
        return;
    }
    c.accept("constraint");
    if (c.accept("trigger")) {
        info.kind = StepKind::create_trigger;
        // CREATE TRIGGER name {BEFORE|AFTER|INSTEAD OF} events ON table
        while (!c.done() && c.word() != "on") {
            c.skip(); // names, keywords, commas, anything: never stand still
        }
        c.accept("on");
        on(info, LockLevel::share_row_exclusive, c.qualified());
        return;
    }
    if (c.accept("policy")) {
        info.kind = StepKind::create_policy;
        c.take_name();
        c.accept("on");
        on(info, LockLevel::access_exclusive, c.qualified());
        return;
    }
    if (c.accept("function") || c.accept("procedure")) {
        info.kind = StepKind::create_function;
    } else if (c.accept("view") || (c.accept("materialized") && c.accept("view"))) {
        info.kind = StepKind::create_view;
    } else if (c.accept("type")) {
        info.kind = StepKind::create_enum;
    } else if (c.accept("extension")) {
        info.kind = StepKind::create_extension;
    } else if (c.accept("schema")) {
        info.kind = StepKind::create_schema;
    } else if (c.accept("sequence")) {
        info.kind = StepKind::create_sequence;
    } else if (c.accept("domain")) {
        info.kind = StepKind::create_domain;
    } else {
        return;
    }
    on(info, LockLevel::none, std::nullopt);
}

void classify_drop(Cursor& c, SqlInfo& info) {
    if (c.accept("index")) {
        info.kind = StepKind::drop_index;
        info.concurrently = c.accept("concurrently");
        info.outside_transaction = info.concurrently;
        c.skip_if_exists();
        on(info,
           info.concurrently ? LockLevel::share_update_exclusive : LockLevel::access_exclusive,
           c.qualified());
        return;
    }
    if (c.accept("table")) {
        info.kind = StepKind::drop_table;
        c.skip_if_exists();
        bool first = true;
        while (auto table = c.qualified()) {
            if (first) {
                on(info, LockLevel::access_exclusive, table);
                first = false;
            }
            info.dropped.push_back(DroppedName{*table, {}});
            if (!c.accept_punct(',')) {
                break;
            }
        }
        return;
    }
    if (c.accept("database") || c.accept("tablespace") || c.accept("subscription")) {
        info.outside_transaction = true;
        on(info, LockLevel::none, std::nullopt);
        return;
    }
    if (c.accept("view") || (c.accept("materialized") && c.accept("view"))) {
        info.kind = StepKind::drop_view;
    } else if (c.accept("function") || c.accept("procedure")) {
        info.kind = StepKind::drop_function;
    } else if (c.accept("trigger")) {
        info.kind = StepKind::drop_trigger;
        c.skip_if_exists();
        c.take_name();
        c.accept("on");
        on(info, LockLevel::access_exclusive, c.qualified());
        return;
    } else if (c.accept("type")) {
        info.kind = StepKind::drop_type;
    } else if (c.accept("sequence")) {
        info.kind = StepKind::drop_sequence;
    } else {
        return;
    }
    c.skip_if_exists();
    on(info, LockLevel::access_exclusive, c.qualified());
}

void classify_alter(Cursor& c, SqlInfo& info) {
    if (c.accept("system")) {
        info.outside_transaction = true;
        on(info, LockLevel::none, std::nullopt);
        return;
    }
    if (c.accept("type")) {
        info.kind = StepKind::alter_composite_type;
        auto type = c.qualified();
        if (c.accept("add") && c.accept("value")) {
            info.kind = StepKind::add_enum_value;
            info.outside_transaction = true;
        }
        on(info, LockLevel::access_exclusive, type);
        return;
    }
    if (!c.accept("table")) {
        return;
    }
    c.skip_if_exists();
    c.accept("only");
    auto table = c.qualified();
    if (!table) {
        return;
    }
    on(info, LockLevel::access_exclusive, table);
    info.kind = StepKind::alter_table;
    // subcommands, comma separated
    do {
        if (c.accept("drop")) {
            if (c.word() == "constraint") {
                info.kind = StepKind::drop_constraint;
                continue;
            }
            c.accept("column");
            c.skip_if_exists();
            std::string column = c.take_name();
            if (!column.empty()) {
                info.kind = StepKind::drop_column;
                info.dropped.push_back(DroppedName{*table, column});
            }
        } else if (c.accept("add")) {
            info.kind = c.word() == "constraint" ? StepKind::add_constraint : StepKind::add_column;
        } else if (c.accept("rename")) {
            info.kind = StepKind::rename_column;
        } else if (c.accept("validate")) {
            info.kind = StepKind::validate_constraint;
            info.lock = LockLevel::share_update_exclusive;
        }
    } while (c.next_item());
}

} // namespace

std::vector<SqlToken> sql_tokens(std::string_view text) {
    std::vector<SqlToken> tokens;
    size_t i = 0;
    while (i < text.size()) {
        char c = text[i];
        if (std::isspace(static_cast<unsigned char>(c))) {
            ++i;
            continue;
        }
        if (c == '-' && i + 1 < text.size() && text[i + 1] == '-') {
            while (i < text.size() && text[i] != '\n') {
                ++i;
            }
            continue;
        }
        if (c == '/' && i + 1 < text.size() && text[i + 1] == '*') {
            int depth = 0;
            while (i < text.size()) {
                if (text[i] == '/' && i + 1 < text.size() && text[i + 1] == '*') {
                    ++depth;
                    i += 2;
                } else if (text[i] == '*' && i + 1 < text.size() && text[i + 1] == '/') {
                    i += 2;
                    if (--depth == 0) {
                        break;
                    }
                } else {
                    ++i;
                }
            }
            continue;
        }
        size_t start = i;
        bool escape_string = (c == 'e' || c == 'E') && i + 1 < text.size() && text[i + 1] == '\'';
        if (c == '\'' || escape_string) {
            i += escape_string ? 2 : 1;
            std::string value;
            while (i < text.size()) {
                if (escape_string && text[i] == '\\' && i + 1 < text.size()) {
                    value += text[i + 1];
                    i += 2;
                    continue;
                }
                if (text[i] == '\'') {
                    if (i + 1 < text.size() && text[i + 1] == '\'') {
                        value += '\'';
                        i += 2;
                        continue;
                    }
                    ++i;
                    break;
                }
                value += text[i++];
            }
            tokens.push_back(SqlToken{SqlToken::Kind::string, value, start});
            continue;
        }
        if (c == '"') {
            ++i;
            std::string value;
            while (i < text.size()) {
                if (text[i] == '"') {
                    if (i + 1 < text.size() && text[i + 1] == '"') {
                        value += '"';
                        i += 2;
                        continue;
                    }
                    ++i;
                    break;
                }
                value += text[i++];
            }
            tokens.push_back(SqlToken{SqlToken::Kind::quoted, value, start});
            continue;
        }
        if (size_t tag = dollar_tag(text, i); tag > 0) {
            std::string_view delimiter = text.substr(i, tag);
            size_t close = text.find(delimiter, i + tag);
            size_t stop = close == std::string_view::npos ? text.size() : close + tag;
            size_t body_end = close == std::string_view::npos ? text.size() : close;
            tokens.push_back(SqlToken{SqlToken::Kind::string,
                                      std::string(text.substr(i + tag, body_end - i - tag)), start});
            i = stop;
            continue;
        }
        if (word_start(c)) {
            while (i < text.size() && word_char(text[i])) {
                ++i;
            }
            tokens.push_back(SqlToken{SqlToken::Kind::word, lower(text.substr(start, i - start)), start});
            continue;
        }
        if (std::isdigit(static_cast<unsigned char>(c))) {
            while (i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '.')) {
                ++i;
            }
            tokens.push_back(SqlToken{SqlToken::Kind::number, std::string(text.substr(start, i - start)), start});
            continue;
        }
        tokens.push_back(SqlToken{SqlToken::Kind::punct, std::string(1, c), start});
        ++i;
    }
    return tokens;
}

SqlInfo classify_sql(std::string_view statement) {
    std::vector<SqlToken> tokens = sql_tokens(statement);
    SqlInfo info;
    Cursor c(tokens);
    std::string_view first = c.word();
    if (first.empty()) {
        return info;
    }
    if (first == "begin" || first == "start" || first == "commit" || first == "end" ||
        first == "rollback" || first == "savepoint" || first == "release" || first == "abort" ||
        (first == "prepare" && c.word(1) == "transaction")) {
        info.transaction_control = true;
        return info;
    }
    c.accept(first);
    if (first == "create") {
        classify_create(c, info);
    } else if (first == "drop") {
        classify_drop(c, info);
    } else if (first == "alter") {
        classify_alter(c, info);
    } else if (first == "update") {
        info.kind = StepKind::backfill;
        c.accept("only");
        on(info, LockLevel::row_exclusive, c.qualified());
    } else if (first == "insert") {
        info.kind = StepKind::backfill;
        c.accept("into");
        on(info, LockLevel::row_exclusive, c.qualified());
    } else if (first == "delete") {
        info.kind = StepKind::backfill;
        c.accept("from");
        c.accept("only");
        on(info, LockLevel::row_exclusive, c.qualified());
    } else if (first == "truncate") {
        c.accept("table");
        c.accept("only");
        on(info, LockLevel::access_exclusive, c.qualified());
    } else if (first == "vacuum") {
        info.outside_transaction = true;
        on(info, LockLevel::share_update_exclusive, std::nullopt);
    } else if (first == "reindex") {
        info.concurrently = c.has_word("concurrently");
        info.outside_transaction = info.concurrently || c.word() == "system" ||
                                   c.word() == "database";
        on(info, info.concurrently ? LockLevel::share_update_exclusive : LockLevel::share,
           std::nullopt);
    } else if (first == "refresh") {
        c.accept("materialized");
        c.accept("view");
        bool concurrently = c.accept("concurrently");
        info.kind = StepKind::create_view;
        on(info, concurrently ? LockLevel::exclusive : LockLevel::access_exclusive, c.qualified());
    } else if (first == "comment" || first == "grant" || first == "revoke" || first == "select" ||
               first == "set" || first == "analyze") {
        info.kind = first == "comment" ? StepKind::comment
                    : first == "grant" ? StepKind::grant
                    : first == "revoke" ? StepKind::revoke
                                        : StepKind::set_config;
        on(info, LockLevel::none, std::nullopt);
    }
    return info;
}

std::vector<std::string> split_sql(std::string_view script) {
    std::vector<std::string> out;
    for (const std::string& raw : sql::split_statements(script)) {
        std::string_view s = raw;
        while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
            s.remove_prefix(1);
        }
        while (!s.empty() && (std::isspace(static_cast<unsigned char>(s.back())) || s.back() == ';')) {
            s.remove_suffix(1);
        }
        if (normalize_sql(s).empty()) {
            continue;
        }
        out.emplace_back(s);
    }
    return out;
}

} // namespace qail::exec
