#include "delta.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <sstream>
#include <variant>

#include <qail/base/strings.hpp>
#include <qail/exec/checksum.hpp>
#include <qail/lang/source.hpp>
#include <qail/lang/statements.hpp>
#include <qail/lang/syntax.hpp>
#include <qail/model/types.hpp>
#include <qail/plan/build.hpp>
#include <qail/plan/ddl.hpp>
#include <qail/sql/quote.hpp>

namespace qail::exec {

using plan::LockLevel;
using plan::Step;
using plan::StepKind;

namespace {

// ------------------------------------------------------------------ helpers

std::string qname(const model::QualifiedName& n) {
    return plan::ddl::name(n);
}

struct AlterItem {
    size_t offset = 0;
    std::string text; ///< the line after `alter`, without a trailing comment
};

struct SqlItem {
    size_t offset = 0;  ///< where `sql` starts
    size_t body_offset = 0;
    std::string body;
    /// `sql alone $$ ... $$`: each statement commits on its own, outside the
    /// file's transaction (e.g. a VALIDATE that must not run under the
    /// ACCESS EXCLUSIVE lock an earlier step of the file took).
    bool alone = false;
};

using Item = std::variant<lang::Statement, AlterItem, SqlItem>;

[[noreturn]] void fail(const lang::SourceText& src, size_t offset, size_t length,
                       std::string message, std::string help = {}) {
    throw InputError(src.diagnostic(offset, length, std::move(message), std::move(help)));
}

bool is_schema_object(const lang::Statement& s) {
    return !std::holds_alternative<model::RenameHint>(s) &&
           !std::holds_alternative<model::TransformHint>(s) &&
           !std::holds_alternative<model::DropHint>(s) &&
           !std::holds_alternative<model::Resource>(s);
}

template <typename T>
int origin_line(const T& object) {
    if constexpr (requires { object.origin; }) {
        return object.origin.line;
    } else {
        return object.empty() ? 0 : object.front().origin.line;
    }
}

int statement_line(const lang::Statement& s) {
    return std::visit([](const auto& object) { return origin_line(object); }, s);
}

template <typename T>
model::SourceRef origin_of(const T& object) {
    if constexpr (requires { object.origin; }) {
        return object.origin;
    } else {
        return object.empty() ? model::SourceRef{} : object.front().origin;
    }
}

// Where a statement was written (its origin), as an offset in the text.
size_t statement_offset(const lang::SourceText& src, const lang::Statement& s) {
    model::SourceRef ref = std::visit([](const auto& object) { return origin_of(object); }, s);
    if (ref.line <= 0) {
        return 0;
    }
    return src.line_start(ref.line) + static_cast<size_t>(std::max(ref.column, 1) - 1);
}

// --------------------------------------------------------------- sql blocks

// `sql $tag$ ... $tag$`: position is at `sql`.
bool parse_sql_block(lang::HookContext& ctx, std::vector<std::pair<size_t, Item>>& items) {
    const lang::SourceText& src = ctx.source;
    std::string_view text = src.text();
    size_t start = ctx.position;
    size_t pos = start + 3;
    while (pos < text.size() && lang::is_blank(text[pos])) {
        ++pos;
    }
    bool alone = false;
    if (text.substr(pos, 5) == "alone" &&
        (pos + 5 == text.size() || lang::is_blank(text[pos + 5]) || text[pos + 5] == '\n' ||
         text[pos + 5] == '$')) {
        alone = true;
        pos += 5;
        while (pos < text.size() && lang::is_blank(text[pos])) {
            ++pos;
        }
    }
    // the body may start on the next line
    if (pos < text.size() && text[pos] == '\n') {
        size_t next = pos + 1;
        while (next < text.size() && (lang::is_blank(text[next]) || text[next] == '\n')) {
            ++next;
        }
        if (lang::dollar_tag_length(text, next) > 0) {
            pos = next;
        }
    }
    size_t tag = lang::dollar_tag_length(text, pos);
    if (tag == 0) {
        fail(src, pos, 1, "expected `$$` after `sql`",
             "raw SQL is written `sql $$ <statements> $$` or `sql alone $$ <statements> $$` "
             "(any $tag$ works as the quote)");
    }
    std::string_view delimiter = text.substr(pos, tag);
    size_t body_start = pos + tag;
    size_t close = text.find(delimiter, body_start);
    if (close == std::string_view::npos) {
        fail(src, pos, tag, fmt::format("this `sql {}` block is not closed", delimiter),
             fmt::format("end the raw SQL with {}", delimiter));
    }
    SqlItem item;
    item.offset = start;
    item.body_offset = body_start;
    item.body = std::string(text.substr(body_start, close - body_start));
    item.alone = alone;
    size_t after = close + tag;
    // the rest of the closing line: blanks or a comment
    size_t p = after;
    while (p < text.size() && lang::is_blank(text[p])) {
        ++p;
    }
    if (p < text.size() && text[p] != '\n' && text[p] != '#' &&
        !(text[p] == '-' && p + 1 < text.size() && text[p + 1] == '-')) {
        fail(src, p, 1, "unexpected text after the end of the `sql` block",
             "a `sql $$ ... $$` block ends its line");
    }
    while (p < text.size() && text[p] != '\n') {
        ++p;
    }
    items.emplace_back(start, std::move(item));
    ctx.position = p;
    return true;
}

// `alter ...` (one line): position is at `alter`.
bool parse_alter_line(lang::HookContext& ctx, std::vector<std::pair<size_t, Item>>& items) {
    const lang::SourceText& src = ctx.source;
    std::string_view text = src.text();
    size_t start = ctx.position;
    size_t pos = start + 5;
    lang::ScanStops stops;
    stops.line = true;
    lang::ScanResult scan = lang::scan_sql(text, pos, stops);
    if (!scan.ok) {
        fail(src, scan.error_at, 1, fmt::format("unterminated {} in this `alter` line", scan.error));
    }
    std::string body(lang::trim_sql(text.substr(pos, scan.end - pos)));
    size_t end = scan.end;
    while (end < text.size() && text[end] != '\n') {
        ++end; // a trailing comment
    }
    items.emplace_back(start, AlterItem{start, std::move(body)});
    ctx.position = end;
    return true;
}

// ------------------------------------------------------------------ compile

class Compiler {
public:
    Compiler(const lang::SourceText& src, plan::Phase phase, CompiledDelta& out)
        : m_src(src), m_phase(phase), m_out(out) {}

    void run(std::vector<std::pair<size_t, Item>>& items) {
        model::Schema batch;
        int batch_line = 0;
        bool open = false;
        auto flush = [&] {
            if (open) {
                plan_batch(batch, batch_line);
                batch = model::Schema{};
                open = false;
            }
        };
        for (auto& [offset, item] : items) {
            if (auto* s = std::get_if<lang::Statement>(&item)) {
                if (auto* r = std::get_if<model::Resource>(s)) {
                    fail(m_src, offset, r->kind.size(),
                         fmt::format("a {} is not a database object and cannot be migrated",
                                     r->kind),
                         "delta files hold database changes only");
                }
                if (is_schema_object(*s)) {
                    if (!open) {
                        batch_line = statement_line(*s);
                        open = true;
                    }
                    lang::add_statement(batch, std::move(*s));
                    continue;
                }
                flush();
                if (auto* h = std::get_if<model::RenameHint>(s)) {
                    rename(*h, offset);
                } else if (auto* t = std::get_if<model::TransformHint>(s)) {
                    transform(*t);
                } else if (auto* d = std::get_if<model::DropHint>(s)) {
                    drop(*d, offset);
                }
            } else if (auto* a = std::get_if<AlterItem>(&item)) {
                flush();
                alter(*a);
            } else if (auto* q = std::get_if<SqlItem>(&item)) {
                flush();
                raw_sql(*q);
            }
        }
        flush();
        keep_renamed_back();
    }

private:
    // A column dropped and then replaced by another renamed to its name (a
    // type change through a second column) is not gone for the code: the
    // contract codebase guard must not look for it.
    void keep_renamed_back() {
        for (const DeltaStep& s : m_out.steps) {
            const std::string& sql = s.step.sql;
            size_t rename = sql.find(" RENAME COLUMN ");
            size_t to = sql.rfind(" TO ");
            if (rename == std::string::npos || to == std::string::npos || to < rename) {
                continue;
            }
            std::string name(trim(std::string_view(sql).substr(to + 4)));
            if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
                std::string unquoted;
                for (size_t i = 1; i + 1 < name.size(); ++i) {
                    unquoted += name[i];
                    if (name[i] == '"') {
                        ++i; // "" stands for one quote
                    }
                }
                name = unquoted;
            }
            std::erase(m_out.dropped, DroppedName{s.step.locked_relation, name});
        }
    }

    const lang::SourceText& m_src;
    plan::Phase m_phase;
    CompiledDelta& m_out;

    void add(Step step, int line) {
        step.phase = m_phase;
        m_out.steps.push_back(DeltaStep{std::move(step), line, std::nullopt});
    }

    static Step make(StepKind kind, std::string sql, LockLevel lock,
                     const model::QualifiedName& relation) {
        Step step;
        step.kind = kind;
        step.sql = std::move(sql);
        step.lock = lock;
        step.locked_relation = relation;
        step.target.name = relation;
        return step;
    }

    // A run of schema statements: planned from the empty schema, so plan/
    // orders them by dependency and renders them as `qail diff _ file` would.
    void plan_batch(model::Schema& batch, int line) {
        lang::finish_schema(batch);
        plan::BuildOptions options;
        options.lock_safe = false;
        plan::Plan p = plan::plan_migration(model::Schema{}, batch, {}, options);
        for (Step& step : p.steps) {
            if (step.kind == StepKind::create_function) {
                // a delta defines the function: replace an older definition
                for (const char* what : {"CREATE FUNCTION ", "CREATE PROCEDURE "}) {
                    if (step.sql.rfind(what, 0) == 0) {
                        step.sql = "CREATE OR REPLACE " + step.sql.substr(7);
                        break;
                    }
                }
            }
            if (step.kind == StepKind::create_index) {
                const model::Index* index = batch.find_index(step.target.name);
                if (index != nullptr && index->concurrently.value &&
                    batch.find_table(index->table) == nullptr) {
                    step.sql = plan::ddl::create_index(*index, true);
                    step.outside_transaction = true;
                    step.lock = LockLevel::share_update_exclusive;
                    step.locked_relation = index->table;
                }
            }
            add(std::move(step), line);
        }
    }

    void rename(const model::RenameHint& h, size_t offset) {
        using T = model::RenameHint::Target;
        int line = h.origin.line;
        if (h.target == T::column) {
            add(make(StepKind::rename_column,
                     fmt::format("ALTER TABLE {} RENAME COLUMN {} TO {}", qname(h.from),
                                 sql::quote_ident(h.from_column), sql::quote_ident(h.to_column)),
                     LockLevel::access_exclusive, h.from),
                line);
            return;
        }
        if (h.target == T::schema) {
            add(make(StepKind::rename_table,
                     fmt::format("ALTER SCHEMA {} RENAME TO {}", sql::quote_ident(h.from.name),
                                 sql::quote_ident(h.to.name)),
                     LockLevel::none, {}),
                line);
            return;
        }
        if (h.from.schema != h.to.schema) {
            fail(m_src, offset, 6,
                 fmt::format("a rename cannot move {} to another schema", h.from.display()),
                 "use `sql $$ ALTER ... SET SCHEMA ... $$` to move an object");
        }
        const char* object = "TABLE";
        StepKind kind = StepKind::rename_table;
        switch (h.target) {
        case T::table: break;
        case T::index: object = "INDEX"; kind = StepKind::rename_index; break;
        case T::view: object = "TABLE"; kind = StepKind::rename_view; break; // views and matviews
        case T::type: object = "TYPE"; kind = StepKind::rename_type; break;
        case T::sequence: object = "SEQUENCE"; break;
        case T::function: object = "FUNCTION"; break;
        default: break;
        }
        add(make(kind,
                 fmt::format("ALTER {} {} RENAME TO {}", object, qname(h.from),
                             sql::quote_ident(h.to.name)),
                 LockLevel::access_exclusive, h.from),
            line);
    }

    void transform(const model::TransformHint& t) {
        Step step = make(StepKind::backfill,
                         fmt::format("UPDATE {} SET {} = {}", qname(t.table),
                                     sql::quote_ident(t.column), t.expression),
                         LockLevel::row_exclusive, t.table);
        step.target.member = t.column;
        step.reason = "rewrites every row of the column";
        add(std::move(step), t.origin.line);
    }

    void drop(const model::DropHint& h, size_t offset) {
        using T = model::DropHint::Target;
        int line = h.origin.line;
        std::string sql;
        StepKind kind = StepKind::drop_table;
        LockLevel lock = LockLevel::access_exclusive;
        model::QualifiedName relation = h.name;
        switch (h.target) {
        case T::column:
            kind = StepKind::drop_column;
            sql = fmt::format("ALTER TABLE {} DROP COLUMN {}", qname(h.name),
                              sql::quote_ident(h.member));
            break;
        case T::table: sql = "DROP TABLE " + qname(h.name); break;
        case T::index: kind = StepKind::drop_index; sql = "DROP INDEX " + qname(h.name); break;
        case T::view: kind = StepKind::drop_view; sql = "DROP VIEW " + qname(h.name); break;
        case T::materialized_view:
            kind = StepKind::drop_view;
            sql = "DROP MATERIALIZED VIEW " + qname(h.name);
            break;
        case T::sequence:
            kind = StepKind::drop_sequence;
            sql = "DROP SEQUENCE " + qname(h.name);
            break;
        case T::type: kind = StepKind::drop_type; sql = "DROP TYPE " + qname(h.name); break;
        case T::function:
            kind = StepKind::drop_function;
            sql = "DROP FUNCTION " + qname(h.name) + (h.args.empty() ? "" : "(" + h.args + ")");
            lock = LockLevel::none;
            relation = {};
            break;
        case T::trigger:
            kind = StepKind::drop_trigger;
            sql = fmt::format("DROP TRIGGER {} ON {}", sql::quote_ident(h.member), qname(h.name));
            break;
        case T::policy:
            kind = StepKind::drop_policy;
            sql = fmt::format("DROP POLICY {} ON {}", sql::quote_ident(h.member), qname(h.name));
            break;
        case T::constraint:
            kind = StepKind::drop_constraint;
            sql = fmt::format("ALTER TABLE {} DROP CONSTRAINT {}", qname(h.name),
                              sql::quote_ident(h.member));
            break;
        case T::extension:
            kind = StepKind::drop_extension;
            sql = "DROP EXTENSION " + sql::quote_ident(h.name.name);
            lock = LockLevel::none;
            relation = {};
            break;
        case T::schema:
            kind = StepKind::drop_schema;
            sql = "DROP SCHEMA " + sql::quote_ident(h.name.name);
            lock = LockLevel::none;
            relation = {};
            break;
        }
        Step step = make(kind, std::move(sql), lock, relation);
        step.target.member = h.member;
        if (h.target == T::column || h.target == T::table) {
            DroppedName dropped{h.name, h.target == T::column ? h.member : std::string()};
            step.destructive = true;
            step.risk = plan::Risk::high;
            step.reason = h.target == T::column ? "drops the column and its values"
                                                : "drops the table and its rows";
            m_out.dropped.push_back(dropped);
            if (!h.confirmed) {
                std::string written = dropped.display();
                m_out.unconfirmed_drops.push_back(m_src.diagnostic(
                    offset, 4,
                    fmt::format("`drop {}` is not confirmed: it would delete data", written),
                    fmt::format("write `drop {}{} confirm` to confirm, or pass --allow-destructive",
                                h.target == T::table ? "table " : "", written)));
            }
        }
        add(std::move(step), line);
    }

    // ---- alter lines (reference §2.3)

    struct Words {
        std::string_view text;
        size_t pos = 0;
        void blanks() {
            while (pos < text.size() && lang::is_blank(text[pos])) {
                ++pos;
            }
        }
        std::string_view peek() {
            blanks();
            size_t end = pos;
            while (end < text.size() && !lang::is_blank(text[end])) {
                ++end;
            }
            return text.substr(pos, end - pos);
        }
        bool accept(std::string_view keyword) {
            std::string_view w = peek();
            // a keyword may run into '(' as in check(x > 0)
            size_t n = keyword.size();
            if (w.size() >= n && equals_icase(w.substr(0, n), keyword) &&
                (w.size() == n || w[n] == '(')) {
                pos += n;
                return true;
            }
            return false;
        }
        std::string_view rest() {
            blanks();
            return text.substr(pos);
        }
    };

    // End (in `text`) of a name token that starts at `offset`.
    static size_t token_end(std::string_view text, const SqlToken& t) {
        if (t.kind != SqlToken::Kind::quoted) {
            return t.offset + t.text.size();
        }
        size_t i = t.offset + 1;
        while (i < text.size()) {
            if (text[i] == '"') {
                if (i + 1 < text.size() && text[i + 1] == '"') {
                    i += 2;
                    continue;
                }
                return i + 1;
            }
            ++i;
        }
        return text.size();
    }

    static bool is_name(const SqlToken& t) {
        return t.kind == SqlToken::Kind::word || t.kind == SqlToken::Kind::quoted;
    }

    model::QualifiedName alter_table_name(Words& w, const AlterItem& a) {
        std::string_view rest = w.rest();
        std::vector<SqlToken> tokens = sql_tokens(rest);
        if (tokens.empty() || !is_name(tokens[0])) {
            fail(m_src, a.offset, 5, "expected a table name after `alter`",
                 "forms: `alter <table> add <col>:<type>[:nullable|:default=v|:unique|:pk|:check=expr]`,"
                 " `alter <table> drop constraint <name>`,"
                 " `alter <table> add constraint <name> check(<expr>)`");
        }
        model::QualifiedName name{model::k_default_schema, tokens[0].text};
        size_t used = token_end(rest, tokens[0]);
        if (tokens.size() >= 3 && tokens[1].kind == SqlToken::Kind::punct &&
            tokens[1].text == "." && tokens[1].offset == used && is_name(tokens[2])) {
            name = model::QualifiedName{tokens[0].text, tokens[2].text};
            used = token_end(rest, tokens[2]);
        }
        w.pos += used;
        return name;
    }

    static bool unsafe_expression(std::string_view expr) {
        // `;`, `--`, `/*` or NUL outside quotes (reference §2.3)
        char quote = 0;
        for (size_t i = 0; i < expr.size(); ++i) {
            char c = expr[i];
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                }
                continue;
            }
            if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == ';' || c == '\0' ||
                       (c == '-' && i + 1 < expr.size() && expr[i + 1] == '-') ||
                       (c == '/' && i + 1 < expr.size() && expr[i + 1] == '*')) {
                return true;
            }
        }
        return false;
    }

    // Splits on single ':' outside quotes and brackets ('::' casts stay).
    static std::vector<std::string> colon_parts(std::string_view text) {
        std::vector<std::string> parts;
        std::string current;
        int depth = 0;
        char quote = 0;
        for (size_t i = 0; i < text.size(); ++i) {
            char c = text[i];
            if (quote != 0) {
                current += c;
                if (c == quote) {
                    quote = 0;
                }
                continue;
            }
            if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '(' || c == '[') {
                ++depth;
            } else if (c == ')' || c == ']') {
                --depth;
            } else if (c == ':' && depth == 0) {
                if (i + 1 < text.size() && text[i + 1] == ':') {
                    current += "::";
                    ++i;
                    continue;
                }
                parts.push_back(current);
                current.clear();
                continue;
            }
            current += c;
        }
        parts.push_back(current);
        return parts;
    }

    void alter(const AlterItem& a) {
        size_t body_offset = a.offset + 5;
        Words w{a.text, 0};
        w.accept("table");
        model::QualifiedName table = alter_table_name(w, a);
        int line = m_src.line_of(a.offset);
        if (w.accept("drop")) {
            if (!w.accept("constraint")) {
                fail(m_src, body_offset + w.pos, std::max<size_t>(1, w.peek().size()),
                     "expected `constraint` after `alter <table> drop`",
                     "to drop a column, write `drop <table>.<column> confirm`");
            }
            std::string name = constraint_name(w, body_offset);
            Step step = make(StepKind::drop_constraint,
                             fmt::format("ALTER TABLE {} DROP CONSTRAINT {}", qname(table),
                                         sql::quote_ident(name)),
                             LockLevel::access_exclusive, table);
            step.target.member = name;
            add(std::move(step), line);
            return;
        }
        if (!w.accept("add")) {
            fail(m_src, body_offset + w.pos, std::max<size_t>(1, w.peek().size()),
                 "expected `add` or `drop` after the table name",
                 "forms: `alter <table> add <col>:<type>[:opt]...`, `alter <table> drop constraint <name>`,"
                 " `alter <table> add constraint <name> check(<expr>)`");
        }
        if (w.accept("constraint")) {
            std::string name = constraint_name(w, body_offset);
            size_t check_at = w.pos;
            if (!w.accept("check")) {
                fail(m_src, body_offset + w.pos, 1,
                     "expected `check(<expr>)` after the constraint name",
                     "only CHECK constraints can be added by an `alter` line; use a `sql $$ $$` "
                     "block for others");
            }
            std::string_view rest = trim(w.rest());
            if (rest.size() < 2 || rest.front() != '(' || rest.back() != ')') {
                fail(m_src, body_offset + check_at, 5, "expected `check(<expr>)`");
            }
            std::string expr(trim(rest.substr(1, rest.size() - 2)));
            if (expr.empty() || unsafe_expression(expr)) {
                fail(m_src, body_offset + check_at, 5,
                     "a check expression may not be empty or contain `;`, `--` or `/*`");
            }
            Step step = make(StepKind::add_constraint,
                             fmt::format("ALTER TABLE {} ADD CONSTRAINT {} CHECK ({})",
                                         qname(table), sql::quote_ident(name), expr),
                             LockLevel::access_exclusive, table);
            step.target.member = name;
            add(std::move(step), line);
            return;
        }
        add_column(table, w, body_offset, line);
    }

    std::string constraint_name(Words& w, size_t body_offset) {
        std::string_view word = w.peek();
        size_t paren = word.find('(');
        if (paren != std::string_view::npos) {
            word = word.substr(0, paren);
        }
        if (word.empty()) {
            fail(m_src, body_offset + w.pos, 1, "expected a constraint name");
        }
        size_t at = w.pos;
        w.pos += word.size();
        if (word.front() == '"' && word.size() >= 2 && word.back() == '"') {
            return replace_all(word.substr(1, word.size() - 2), "\"\"", "\"");
        }
        for (char c : word) {
            if (!lang::is_ident_char(c)) {
                fail(m_src, body_offset + at, word.size(),
                     fmt::format("'{}' is not a valid constraint name", word));
            }
        }
        return to_lower(word);
    }

    void add_column(const model::QualifiedName& table, Words& w, size_t body_offset, int line) {
        size_t spec_at = w.pos;
        std::string_view spec = trim(w.rest());
        std::vector<std::string> parts = colon_parts(spec);
        if (parts.size() < 2 || trim(parts[0]).empty() || trim(parts[1]).empty()) {
            fail(m_src, body_offset + spec_at, std::max<size_t>(1, spec.size()),
                 "expected `<column>:<type>` after `add`",
                 "e.g. `alter users add display_name:text:nullable`");
        }
        model::Column col;
        std::string_view raw_name = trim(parts[0]);
        if (raw_name.size() >= 2 && raw_name.front() == '"' && raw_name.back() == '"') {
            col.name = replace_all(raw_name.substr(1, raw_name.size() - 2), "\"\"", "\"");
        } else {
            for (char c : raw_name) {
                if (!lang::is_ident_char(c)) {
                    fail(m_src, body_offset + spec_at, raw_name.size(),
                         fmt::format("'{}' is not a valid column name", raw_name));
                }
            }
            col.name = to_lower(raw_name);
        }
        col.type = model::canonical_type(trim(parts[1]));
        bool nullable = false;
        bool primary = false;
        bool unique = false;
        std::optional<std::string> check;
        for (size_t i = 2; i < parts.size(); ++i) {
            std::string_view option = trim(parts[i]);
            std::string key = to_lower(option.substr(0, option.find('=')));
            std::string_view value;
            if (option.find('=') != std::string_view::npos) {
                value = trim(option.substr(option.find('=') + 1));
            }
            if (key == "pk" || key == "primarykey" || key == "primary_key") {
                primary = true;
            } else if (key == "unique" || key == "uniq") {
                unique = true;
            } else if (key == "nullable" || key == "null") {
                nullable = true;
            } else if (key == "not_null" || key == "notnull") {
                nullable = false;
            } else if ((key == "default" || key == "def") && !value.empty()) {
                if (unsafe_expression(value)) {
                    fail(m_src, body_offset + spec_at, spec.size(),
                         "a default may not contain `;`, `--` or `/*`");
                }
                col.default_expr = std::string(value);
            } else if (key == "check" && !value.empty()) {
                if (unsafe_expression(value)) {
                    fail(m_src, body_offset + spec_at, spec.size(),
                         "a check expression may not contain `;`, `--` or `/*`");
                }
                check = std::string(value);
            } else {
                static constexpr std::array<std::string_view, 7> k_options = {
                    "pk", "primarykey", "unique", "nullable", "default", "check", "not_null"};
                fail(m_src, body_offset + spec_at, spec.size(),
                     fmt::format("unknown column option '{}' in an `alter ... add` line", option),
                     did_you_mean(key, k_options));
            }
        }
        col.not_null = !nullable && !primary;
        std::string definition = plan::ddl::column_definition(col);
        if (primary) {
            definition += " PRIMARY KEY";
        }
        if (unique) {
            definition += " UNIQUE";
        }
        if (check) {
            definition += " CHECK (" + *check + ")";
        }
        Step step = make(StepKind::add_column,
                         fmt::format("ALTER TABLE {} ADD COLUMN {}", qname(table), definition),
                         LockLevel::access_exclusive, table);
        step.target.member = col.name;
        add(std::move(step), line);
    }

    // ---- raw SQL

    void raw_sql(const SqlItem& q) {
        int line = m_src.line_of(q.offset);
        std::vector<std::string> statements = split_sql(q.body);
        if (statements.empty()) {
            fail(m_src, q.offset, 3, "this `sql` block holds no statement");
        }
        for (std::string& statement : statements) {
            SqlInfo info = classify_sql(statement);
            if (info.transaction_control) {
                size_t at = q.body.find(statement);
                fail(m_src, at == std::string::npos ? q.offset : q.body_offset + at,
                     statement.size(), "transaction control is not allowed in a `sql` block",
                     "QAIL runs each delta file in a transaction (statements PostgreSQL forbids "
                     "there run alone on their own)");
            }
            Step step = make(info.kind, std::move(statement), info.lock, info.relation);
            step.outside_transaction = info.outside_transaction || q.alone;
            step.reason = info.lock_known ? "raw SQL" : "raw SQL (lock not analysed)";
            for (const DroppedName& d : info.dropped) {
                m_out.dropped.push_back(d);
                step.destructive = true;
            }
            if (!info.dropped.empty()) {
                // impact analysis counts what the (first) dropped table or column holds
                const DroppedName& d = info.dropped.front();
                step.target.name = d.table;
                step.target.kind = d.column.empty() ? model::ObjectKind::table
                                                    : model::ObjectKind::column;
                step.target.member = d.column;
            }
            add(std::move(step), line);
        }
    }
};

// ------------------------------------------------------ backfill directives

bool is_directive_line(std::string_view line) {
    line = trim(line);
    if (line.rfind("--", 0) != 0) {
        return false;
    }
    line = trim(line.substr(2));
    return line.rfind("@backfill.", 0) == 0;
}

model::QualifiedName parse_table_name(const lang::SourceText& src, size_t offset,
                                      std::string_view text) {
    std::vector<SqlToken> tokens = sql_tokens(text);
    std::vector<std::string> parts;
    bool ok = !tokens.empty();
    for (size_t i = 0; i < tokens.size() && ok; ++i) {
        if (i % 2 == 0) {
            ok = tokens[i].kind == SqlToken::Kind::word || tokens[i].kind == SqlToken::Kind::quoted;
            parts.push_back(tokens[i].text);
        } else {
            ok = tokens[i].kind == SqlToken::Kind::punct && tokens[i].text == ".";
        }
    }
    if (!ok || parts.size() > 2 || tokens.size() % 2 == 0) {
        fail(src, offset, text.size(), fmt::format("'{}' is not a table name", text),
             "write `table` or `schema.table`");
    }
    return parts.size() == 1 ? model::QualifiedName{model::k_default_schema, parts[0]}
                             : model::QualifiedName{parts[0], parts[1]};
}

std::string parse_identifier(const lang::SourceText& src, size_t offset, std::string_view text) {
    std::vector<SqlToken> tokens = sql_tokens(text);
    if (tokens.size() != 1 ||
        (tokens[0].kind != SqlToken::Kind::word && tokens[0].kind != SqlToken::Kind::quoted)) {
        fail(src, offset, std::max<size_t>(1, text.size()),
             fmt::format("'{}' is not a column name", text));
    }
    return tokens[0].text;
}

// One backfill block: the directives from one `@backfill.table` to the next.
struct DirectiveBlock {
    BackfillSpec spec;
    std::optional<std::string> set_column;
    std::optional<std::string> set_source;
    std::optional<std::string> set_transform;
    int first_line = 0;
};

void finish_block(const lang::SourceText& src, plan::Phase phase, DirectiveBlock& block,
                  CompiledDelta& out);

void compile_directives(const lang::SourceText& src, plan::Phase phase, CompiledDelta& out) {
    DirectiveBlock block;
    block.spec.file = src.file();
    BackfillSpec& spec = block.spec;
    std::optional<std::string>& set_column = block.set_column;
    std::optional<std::string>& set_source = block.set_source;
    std::optional<std::string>& set_transform = block.set_transform;
    int& first_line = block.first_line;
    static constexpr std::array<std::string_view, 11> k_keys = {
        "table",      "pk",         "set",        "where",         "where_null", "chunk_size",
        "chunk",      "set_column", "set_source", "set_transform", "batch_size"};
    for (int line = 1; line <= src.line_count(); ++line) {
        std::string_view text = src.line_text(line);
        size_t line_offset = src.line_start(line);
        std::string_view t = trim(text);
        if (t.empty() || t.front() == '#' ||
            (t.rfind("--", 0) == 0 && !is_directive_line(t))) {
            continue;
        }
        if (!is_directive_line(t)) {
            fail(src, line_offset + static_cast<size_t>(t.data() - text.data()), t.size(),
                 "a backfill directive file holds only `-- @backfill.<key>: <value>` lines "
                 "and comments",
                 "move other statements to a delta file of their own, or drop the directives");
        }
        if (phase != plan::Phase::backfill) {
            fail(src, line_offset, text.size(),
                 "backfill directives belong in a backfill file (backfill.qail or "
                 "<name>.backfill.up.qail)");
        }
        size_t at = text.find("@backfill.") + std::string_view("@backfill.").size();
        size_t colon = text.find(':', at);
        if (colon == std::string_view::npos) {
            fail(src, line_offset + at, text.size() - at,
                 "expected `-- @backfill.<key>: <value>`");
        }
        std::string key = to_lower(trim(text.substr(at, colon - at)));
        std::string_view value = trim(text.substr(colon + 1));
        size_t value_offset = line_offset + static_cast<size_t>(value.data() - text.data());
        if (std::find(k_keys.begin(), k_keys.end(), key) == k_keys.end()) {
            fail(src, line_offset + at, colon - at, fmt::format("unknown backfill key '{}'", key),
                 did_you_mean(key, k_keys));
        }
        if (key == "table" && !spec.table.name.empty()) {
            // a file may hold several backfills, each starting at its table
            finish_block(src, phase, block, out);
            block = DirectiveBlock{};
            block.spec.file = src.file();
        }
        if (first_line == 0) {
            first_line = line;
        }
        if (value.empty()) {
            continue;
        }
        if (key == "table") {
            spec.table = parse_table_name(src, value_offset, value);
        } else if (key == "pk") {
            spec.pk.clear();
            size_t offset = value_offset;
            for (const std::string& part : split(value, ',')) {
                spec.pk.push_back(parse_identifier(src, offset, trim(part)));
                offset += part.size() + 1;
            }
        } else if (key == "set") {
            if (value.find('=') == std::string_view::npos) {
                fail(src, value_offset, value.size(), "expected `<column> = <expression>`",
                     "e.g. `-- @backfill.set: display_name = trim(full_name)`");
            }
            spec.set = std::string(value);
        } else if (key == "where") {
            spec.where = std::string(value);
        } else if (key == "where_null") {
            spec.where = sql::quote_ident(parse_identifier(src, value_offset, value)) + " IS NULL";
        } else if (key == "chunk_size" || key == "chunk" || key == "batch_size") {
            long long n = 0;
            try {
                size_t used = 0;
                n = std::stoll(std::string(value), &used);
                if (used != value.size()) {
                    n = -1;
                }
            } catch (const std::exception&) {
                n = -1;
            }
            if (n < 1) {
                fail(src, value_offset, value.size(),
                     fmt::format("'{}' is not a positive number of rows", value));
            }
            spec.chunk_size = n;
        } else if (key == "set_column") {
            set_column = parse_identifier(src, value_offset, value);
        } else if (key == "set_source") {
            set_source = parse_identifier(src, value_offset, value);
        } else if (key == "set_transform") {
            set_transform = std::string(value);
        }
    }
    finish_block(src, phase, block, out);
}

void finish_block(const lang::SourceText& src, plan::Phase phase, DirectiveBlock& block,
                  CompiledDelta& out) {
    BackfillSpec& spec = block.spec;
    const std::optional<std::string>& set_column = block.set_column;
    const std::optional<std::string>& set_source = block.set_source;
    const std::optional<std::string>& set_transform = block.set_transform;
    int first_line = block.first_line;
    spec.line = first_line;
    if (set_column) {
        if (!spec.set.empty()) {
            fail(src, src.line_start(first_line), 1,
                 "use either `@backfill.set` or `@backfill.set_column`, not both");
        }
        std::string expr = sql::quote_ident(set_source.value_or(*set_column));
        if (set_transform) {
            for (const std::string& fn : split(*set_transform, '|')) {
                std::string f = to_lower(trim(fn));
                if (f == "identity" || f == "copy" || f.empty()) {
                    continue;
                }
                if (f != "lower" && f != "upper" && f != "trim" && f != "initcap") {
                    fail(src, src.line_start(first_line), 1,
                         fmt::format("unknown set_transform '{}' (lower, upper, trim, initcap, "
                                     "identity)", f));
                }
                expr = f + "(" + expr + ")";
            }
        }
        spec.set = sql::quote_ident(*set_column) + " = " + expr;
    }
    if (spec.table.name.empty()) {
        fail(src, src.line_start(first_line), 1, "the backfill names no table",
             "add `-- @backfill.table: <table>`");
    }
    if (spec.set.empty()) {
        fail(src, src.line_start(first_line), 1, "the backfill sets nothing",
             "add `-- @backfill.set: <column> = <expression>`");
    }
    Step step;
    step.kind = StepKind::backfill;
    step.sql = spec.describe();
    step.lock = LockLevel::row_exclusive;
    step.locked_relation = spec.table;
    step.target.name = spec.table;
    step.phase = phase;
    step.outside_transaction = true; // one transaction per chunk
    step.reason = "chunked backfill, one transaction per chunk";
    out.steps.push_back(DeltaStep{std::move(step), first_line, std::move(spec)});
}

} // namespace

std::string BackfillSpec::describe() const {
    std::vector<std::string> keys;
    for (const auto& k : pk) {
        keys.push_back(sql::quote_ident(k));
    }
    return fmt::format("UPDATE {} SET {}{} -- in chunks by {}", plan::ddl::name(table), set,
                       where ? " WHERE " + *where : std::string(),
                       keys.empty() ? std::string("primary key") : join(keys, ", "));
}

std::vector<std::string> CompiledDelta::statements() const {
    std::vector<std::string> out;
    for (const DeltaStep& s : steps) {
        if (s.backfill) {
            // the chunk size does not change what the backfill does
            BackfillSpec b = *s.backfill;
            std::vector<std::string> keys;
            for (const auto& k : b.pk) {
                keys.push_back(sql::quote_ident(k));
            }
            out.push_back(fmt::format("BACKFILL {} KEY ({}) SET {} WHERE {}",
                                      plan::ddl::name(b.table), join(keys, ", "), b.set,
                                      b.where.value_or("true")));
        } else {
            out.push_back(s.step.sql);
        }
    }
    return out;
}

std::string CompiledDelta::checksum() const {
    return checksum_statements(statements());
}

std::string CompiledDelta::sql() const {
    std::string out;
    for (const DeltaStep& s : steps) {
        out += s.backfill ? "-- " + s.step.sql : s.step.sql;
        out += s.backfill ? "\n" : ";\n";
    }
    return out;
}

bool CompiledDelta::has_outside_transaction() const {
    for (const DeltaStep& s : steps) {
        if (s.step.outside_transaction) {
            return true;
        }
    }
    return false;
}

CompiledDelta compile_delta(std::string_view text, const std::string& file, plan::Phase phase) {
    if (size_t bad = lang::find_invalid_utf8(text); bad != std::string_view::npos) {
        lang::SourceText source(text, file);
        throw InputError(source.diagnostic(bad, 1, "the file is not valid UTF-8"));
    }
    lang::SourceText src(text, file);
    CompiledDelta out;
    out.file = file;
    out.phase = phase;

    bool directives = false;
    for (int line = 1; line <= src.line_count(); ++line) {
        if (is_directive_line(src.line_text(line))) {
            directives = true;
            break;
        }
    }
    if (directives) {
        compile_directives(src, phase, out);
        return out;
    }

    std::vector<std::pair<size_t, Item>> items;
    lang::ParseHooks hooks;
    hooks.unknown_statement = [&items](lang::HookContext& ctx, std::string_view word) {
        if (word == "sql" || word == "SQL") {
            return parse_sql_block(ctx, items);
        }
        if (equals_icase(word, "alter")) {
            return parse_alter_line(ctx, items);
        }
        return false;
    };
    lang::StatementParser parser(src, hooks);
    parser.parse([&](lang::Statement&& s) {
        items.emplace_back(statement_offset(src, s), Item(std::move(s)));
    });
    if (!parser.diagnostics().empty()) {
        throw InputError(parser.diagnostics());
    }
    // hook items and statements arrive in text order
    Compiler compiler(src, phase, out);
    compiler.run(items);
    return out;
}

CompiledDelta compile_delta_file(const std::filesystem::path& path, plan::Phase phase) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw InputError(fmt::format("{}: cannot read the delta file", path.string()));
    }
    std::ostringstream text;
    text << in.rdbuf();
    return compile_delta(text.str(), path.string(), phase);
}

} // namespace qail::exec
