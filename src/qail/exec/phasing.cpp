#include "phasing.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <set>

#include <qail/base/error.hpp>
#include <qail/base/strings.hpp>
#include <qail/diff/diff.hpp>
#include <qail/exec/sql_info.hpp>
#include <qail/model/naming.hpp>
#include <qail/model/types.hpp>
#include <qail/plan/build.hpp>
#include <qail/plan/ddl.hpp>
#include <qail/sql/quote.hpp>

namespace qail::exec {

using plan::LockLevel;
using plan::Phase;
using plan::Risk;
using plan::Step;
using plan::StepKind;

namespace {

std::string q(std::string_view ident) {
    return sql::quote_ident(std::string(ident));
}

Step make_step(StepKind kind, std::string sql, LockLevel lock, const model::QualifiedName& table,
               const std::string& member, Risk risk, std::string reason) {
    Step s;
    s.kind = kind;
    s.sql = std::move(sql);
    s.lock = lock;
    s.locked_relation = table;
    s.target.kind = member.empty() ? model::ObjectKind::table : model::ObjectKind::column;
    s.target.name = table;
    s.target.member = member;
    s.risk = risk;
    s.reason = std::move(reason);
    return s;
}

PhasedStep sql_step(StepKind kind, std::string sql, LockLevel lock,
                    const model::QualifiedName& table, const std::string& member = {},
                    Risk risk = Risk::low, std::string reason = {}) {
    return PhasedStep{make_step(kind, std::move(sql), lock, table, member, risk, std::move(reason)),
                      std::nullopt, {}};
}

// Undo statements that also work when the object is already gone (a whole
// down file may follow phase downs that removed it first).
std::string tolerant(std::string sql) {
    auto insert_after = [&](std::string_view prefix, std::string_view what) {
        size_t at = sql.find(prefix);
        if (at != std::string::npos && sql.find(std::string(prefix) + "IF EXISTS") == std::string::npos) {
            sql.insert(at + prefix.size(), what);
        }
    };
    if (sql.rfind("DROP INDEX CONCURRENTLY ", 0) == 0) {
        insert_after("DROP INDEX CONCURRENTLY ", "IF EXISTS ");
    } else if (sql.rfind("DROP INDEX ", 0) == 0) {
        insert_after("DROP INDEX ", "IF EXISTS ");
    } else if (sql.rfind("DROP TABLE ", 0) == 0) {
        insert_after("DROP TABLE ", "IF EXISTS ");
    } else if (sql.rfind("ALTER TABLE ", 0) == 0) {
        insert_after(" DROP CONSTRAINT ", "IF EXISTS ");
        insert_after(" DROP COLUMN ", "IF EXISTS ");
    }
    return sql;
}

bool is_volatile_default(const std::string& expr) {
    for (const char* f : {"random(", "uuid", "nextval(", "clock_timestamp(", "timeofday("}) {
        if (expr.find(f) != std::string::npos) {
            return true;
        }
    }
    return false;
}

bool identifier_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '$';
}

// `expr` with every reference to the column `from` (a bare or quoted
// identifier outside string literals, not a function name, not a type after
// `::`) replaced by `to`; `found` says whether there was one.
std::string replace_column(const std::string& expr, const std::string& from, const std::string& to,
                           bool* found = nullptr) {
    std::string out;
    bool any = false;
    size_t i = 0;
    auto referenced_here = [&](size_t start, size_t end) {
        if (start >= 2 && expr.compare(start - 2, 2, "::") == 0) {
            return false; // a type name
        }
        size_t next = end;
        while (next < expr.size() && expr[next] == ' ') {
            ++next;
        }
        return next >= expr.size() || expr[next] != '('; // not a function call
    };
    while (i < expr.size()) {
        char c = expr[i];
        if (c == '\'') {
            size_t end = i + 1;
            while (end < expr.size()) {
                if (expr[end] == '\'' && end + 1 < expr.size() && expr[end + 1] == '\'') {
                    end += 2;
                } else if (expr[end] == '\'') {
                    break;
                } else {
                    ++end;
                }
            }
            end = std::min(end + 1, expr.size());
            out += expr.substr(i, end - i);
            i = end;
        } else if (c == '"') {
            size_t end = i + 1;
            std::string name;
            while (end < expr.size()) {
                if (expr[end] == '"' && end + 1 < expr.size() && expr[end + 1] == '"') {
                    name += '"';
                    end += 2;
                } else if (expr[end] == '"') {
                    break;
                } else {
                    name += expr[end++];
                }
            }
            end = std::min(end + 1, expr.size());
            if (name == from && referenced_here(i, end)) {
                out += q(to);
                any = true;
            } else {
                out += expr.substr(i, end - i);
            }
            i = end;
        } else if (identifier_char(c) && std::isdigit(static_cast<unsigned char>(c)) == 0) {
            size_t end = i;
            while (end < expr.size() && identifier_char(expr[end])) {
                ++end;
            }
            std::string word = expr.substr(i, end - i);
            if (word == from && referenced_here(i, end)) {
                out += q(to);
                any = true;
            } else {
                out += word;
            }
            i = end;
        } else if (std::isdigit(static_cast<unsigned char>(c)) != 0) {
            size_t end = i;
            while (end < expr.size() && identifier_char(expr[end])) {
                ++end;
            }
            out += expr.substr(i, end - i);
            i = end;
        } else {
            out += c;
            ++i;
        }
    }
    if (found != nullptr) {
        *found = any;
    }
    return out;
}

bool mentions_column(const std::string& expr, const std::string& column) {
    bool found = false;
    replace_column(expr, column, column, &found);
    return found;
}

// A type change PostgreSQL makes in the catalog alone (no rewrite, no index
// rebuild): a longer or unbounded varchar, varchar <-> text, a wider numeric.
bool catalog_only_type_change(const std::string& from, const std::string& to) {
    if (from == to) {
        return true;
    }
    auto base = [](const std::string& t) { return t.substr(0, t.find('(')); };
    auto modifiers = [](const std::string& t) -> std::vector<int> {
        std::vector<int> out;
        size_t open = t.find('(');
        if (open == std::string::npos) {
            return out;
        }
        for (const std::string& part : split(t.substr(open + 1, t.find(')') - open - 1), ',')) {
            out.push_back(std::atoi(std::string(trim(part)).c_str()));
        }
        return out;
    };
    std::string bf = base(from);
    std::string bt = base(to);
    bool text_like_from = bf == "character varying" || bf == "text";
    if (bt == "text" && text_like_from) {
        return true;
    }
    if (bt == "character varying" && text_like_from) {
        std::vector<int> mt = modifiers(to);
        if (mt.empty()) {
            return true;
        }
        std::vector<int> mf = modifiers(from);
        return bf == "character varying" && !mf.empty() && mt[0] >= mf[0];
    }
    if (bf == "numeric" && bt == "numeric") {
        std::vector<int> mf = modifiers(from);
        std::vector<int> mt = modifiers(to);
        if (mt.empty()) {
            return true;
        }
        return mf.size() == 2 && mt.size() == 2 && mt[1] == mf[1] && mt[0] >= mf[0];
    }
    return false;
}

struct RenamedColumn {
    model::QualifiedName table;
    std::string old_name;
    std::string new_name;
};

class Phaser {
public:
    Phaser(const model::Schema& to, const diff::Result& result, PhasedPlan& out)
        : m_to(to), m_from_renamed(*result.renamed_from), m_out(out) {
        for (const model::RenameHint& h : result.renames) {
            if (h.target == model::RenameHint::Target::column) {
                m_renamed.push_back(RenamedColumn{h.to, h.from_column, h.to_column});
            } else if (h.target == model::RenameHint::Target::table) {
                m_renamed_tables.push_back(h);
            }
        }
        for (const model::TransformHint& t : result.transforms) {
            m_transforms.push_back(t);
        }
    }

    void run(const plan::Plan& p) {
        for (const Step& step : p.steps) {
            if (step.kind != StepKind::alter_column_type) {
                continue;
            }
            bool key = is_key_column(step.target.name, step.target.member);
            if (key ? key_retype_obstacle(step).empty() : can_retype(step)) {
                // decided up front: the plan's steps on the column before its
                // type change (DROP DEFAULT, ...) are the retype's business
                m_retyped.insert({step.target.name, step.target.member});
                m_handled.insert({step.target.name, step.target.member});
                if (key) {
                    m_key_retyped.insert({step.target.name, step.target.member});
                }
            }
        }
        for (const auto& [table, column] : m_key_retyped) {
            collect_referencing(table, column);
        }
        for (const RenamedColumn& r : m_renamed) {
            collect_carried(r.table, r.new_name, r.old_name);
        }
        for (const auto& [table, column] : m_retyped) {
            collect_carried(table, column, column);
        }
        for (const Step& step : p.steps) {
            route(step);
        }
        // the undo of each phase runs its steps backwards
        std::reverse(m_out.down_expand.begin(), m_out.down_expand.end());
        std::reverse(m_out.down_backfill.begin(), m_out.down_backfill.end());
        std::reverse(m_out.down_contract.begin(), m_out.down_contract.end());
        m_out.contract.insert(m_out.contract.begin(), m_contract_head.begin(), m_contract_head.end());
        // contract: constraint renames onto the new columns come after the old columns are gone
        for (PhasedStep& s : m_contract_tail) {
            m_out.contract.push_back(std::move(s));
        }
        for (PhasedStep& s : m_down_contract_head) {
            m_out.down_contract.insert(m_out.down_contract.begin(), std::move(s));
        }
        for (PhasedStep& s : m_down_contract_tail) {
            m_out.down_contract.push_back(std::move(s));
        }
        order_contract();
        // after the swap of a retyped primary key: the foreign keys that
        // reference it, back NOT VALID in the same transaction, then validated
        for (std::vector<PhasedStep>* v : {&m_contract_end, &m_contract_after}) {
            for (PhasedStep& s : *v) {
                m_out.contract.push_back(std::move(s));
            }
        }
        for (PhasedStep& s : m_down_contract_end) {
            m_out.down_contract.push_back(std::move(s));
        }
        for (std::vector<PhasedStep>* v : {&m_out.expand, &m_out.backfill, &m_out.contract}) {
            for (PhasedStep& s : *v) {
                s.step.phase = v == &m_out.expand     ? Phase::expand
                               : v == &m_out.backfill ? Phase::backfill
                                                      : Phase::contract;
            }
        }
    }

private:
    // Contract order, so that no scan ever runs under ACCESS EXCLUSIVE:
    //   1. VALIDATEs of constraints added NOT VALID in expand, each alone
    //      (SHARE UPDATE EXCLUSIVE: readers and writers go on), and the
    //      catch-up fills of rows written since the backfill;
    //   2. the checks and foreign keys contract adds NOT VALID, each in its own
    //      short transaction (a brief ACCESS EXCLUSIVE, no scan);
    //   3. their VALIDATEs, each alone;
    //   4. the rest (SET NOT NULL proved by a validated check, drops, renames):
    //      catalog-only, in one transaction.
    // Steps that run alone leave a 'partial' history row behind them, so a
    // run killed between two of them resumes after the last one done.
    void order_contract() {
        std::vector<PhasedStep>& c = m_out.contract;
        auto added_here = [&](const std::string& name) {
            std::string needle = " ADD CONSTRAINT " + name + " ";
            return std::any_of(c.begin(), c.end(), [&](const PhasedStep& s) {
                return s.step.sql.find(needle) != std::string::npos;
            });
        };
        auto validated_name = [](const PhasedStep& s) {
            std::string_view marker = " VALIDATE CONSTRAINT ";
            size_t at = s.step.sql.find(marker);
            return at == std::string::npos ? std::string() : s.step.sql.substr(at + marker.size());
        };
        auto adds_not_valid = [](const PhasedStep& s) {
            return s.step.kind == StepKind::add_constraint &&
                   s.step.sql.find(" NOT VALID") != std::string::npos;
        };
        // decided before moving anything: `added_here` reads the whole phase
        std::vector<PhasedStep> early;
        std::vector<PhasedStep> adds;
        std::vector<PhasedStep> validates;
        std::vector<PhasedStep> rest;
        for (const PhasedStep& s : c) {
            if (s.step.kind == StepKind::backfill ||
                (s.step.kind == StepKind::create_index && s.step.outside_transaction)) {
                // (the unique index a retyped primary key moves onto, built CONCURRENTLY)
                early.push_back(s);
            } else if (s.step.kind == StepKind::validate_constraint) {
                (added_here(validated_name(s)) ? validates : early).push_back(s);
            } else if (adds_not_valid(s)) {
                adds.push_back(s);
            } else {
                rest.push_back(s);
            }
        }
        for (PhasedStep& s : early) {
            s.step.outside_transaction =
                s.step.outside_transaction || s.step.kind == StepKind::validate_constraint;
        }
        for (std::vector<PhasedStep>* group : {&adds, &validates}) {
            for (PhasedStep& s : *group) {
                s.step.outside_transaction = true;
            }
        }
        c = std::move(early);
        c.insert(c.end(), adds.begin(), adds.end());
        c.insert(c.end(), validates.begin(), validates.end());
        c.insert(c.end(), rest.begin(), rest.end());
    }

    const model::Schema& m_to;
    const model::Schema& m_from_renamed;
    PhasedPlan& m_out;
    std::vector<RenamedColumn> m_renamed;
    std::vector<model::TransformHint> m_transforms;
    /// (table, column) handled by a pattern here: the plan's own steps on it are skipped
    std::set<std::pair<model::QualifiedName, std::string>> m_handled;
    std::vector<PhasedStep> m_contract_tail;
    std::vector<PhasedStep> m_down_contract_head;

    bool existed_before(const model::QualifiedName& table, const std::string& column) const {
        const model::Table* t = m_from_renamed.find_table(table);
        return t != nullptr && t->find_column(column) != nullptr;
    }

    const model::TransformHint* transform_for(const model::QualifiedName& table,
                                              const std::string& column) const {
        for (const auto& t : m_transforms) {
            if (t.table == table && t.column == column) {
                return &t;
            }
        }
        return nullptr;
    }

    void put(Phase phase, PhasedStep s) {
        std::vector<PhasedStep>& v = phase == Phase::expand     ? m_out.expand
                                     : phase == Phase::backfill ? m_out.backfill
                                                                : m_out.contract;
        v.push_back(std::move(s));
    }

    void undo(Phase phase, PhasedStep s) {
        std::vector<PhasedStep>& v = phase == Phase::expand     ? m_out.down_expand
                                     : phase == Phase::backfill ? m_out.down_backfill
                                                                : m_out.down_contract;
        v.push_back(std::move(s));
    }

    void undo_plan_step(Phase phase, const Step& step) {
        if (step.kind == StepKind::validate_constraint || step.kind == StepKind::backfill) {
            return; // nothing to undo in the structure
        }
        if (step.kind == StepKind::drop_constraint && step.target.kind == model::ObjectKind::column) {
            return; // the helper check of SET NOT NULL: its add is undone with IF EXISTS
        }
        std::optional<std::string> inverse = step.inverse_sql;
        size_t add = step.sql.find(" ADD CONSTRAINT ");
        if (!inverse && step.kind == StepKind::add_constraint && add != std::string::npos) {
            // the helper check of SET NOT NULL: "ALTER TABLE t ADD CONSTRAINT name CHECK ..."
            size_t name_at = add + std::string_view(" ADD CONSTRAINT ").size();
            size_t name_end = step.sql.find(" CHECK ", name_at);
            if (name_end != std::string::npos) {
                inverse = step.sql.substr(0, add) + " DROP CONSTRAINT " +
                          step.sql.substr(name_at, name_end - name_at);
            }
        }
        if (!inverse) {
            m_out.notes.push_back(fmt::format("no automatic undo for: {}", step.sql));
            return;
        }
        Step inv = step;
        inv.sql = tolerant(*inverse);
        inv.inverse_sql.reset();
        inv.destructive = false;
        inv.outside_transaction = inv.sql.find(" CONCURRENTLY ") != std::string::npos;
        inv.reason = "undoes: " + step.sql.substr(0, std::min<size_t>(step.sql.size(), 80));
        if (inv.sql.find("DROP COLUMN") != std::string::npos ||
            inv.sql.rfind("DROP TABLE", 0) == 0) {
            inv.destructive = true;
            inv.risk = Risk::high;
        }
        undo(phase, PhasedStep{std::move(inv), std::nullopt, {}});
    }

    // ------------------------------------------------------------- routing

    void route(const Step& step) {
        const model::QualifiedName& table = step.target.name;
        if (step.kind == StepKind::rename_column) {
            for (const RenamedColumn& r : m_renamed) {
                if (r.table == table && r.new_name == step.target.member) {
                    rename_column(r);
                    return;
                }
            }
        }
        if (step.kind == StepKind::alter_column_type &&
            m_retyped.count({table, step.target.member}) > 0) {
            retype_column(step);
            return;
        }
        if (skips_constraint_rename(step) || rebuilt_elsewhere(step)) {
            return;
        }
        if (step.target.kind == model::ObjectKind::column &&
            m_handled.count({table, step.target.member}) > 0) {
            return; // a pattern below made this column in its final shape
        }
        if (step.kind == StepKind::add_column) {
            if (add_column(step)) {
                return;
            }
        }
        if (step.kind == StepKind::backfill) {
            backfill_step(step);
            return;
        }
        Phase phase = step.phase;
        if (phase == Phase::backfill) {
            phase = Phase::contract; // e.g. ALTER TYPE ... USING: a rewrite, not a chunked backfill
        }
        if (step.kind == StepKind::add_constraint && step.sql.find(" NOT VALID") != std::string::npos &&
            step.target.kind == model::ObjectKind::column &&
            existed_before(table, step.target.member)) {
            // the check behind SET NOT NULL of an existing column: new rows
            // obey it from expand on; contract validates it without blocking writes
            phase = Phase::expand;
        }
        if (step.kind == StepKind::alter_column_type) {
            std::string why = in_place_reason(step);
            if (!why.empty()) {
                phase = Phase::contract;
            }
            if (phase == Phase::contract) {
                m_out.notes.push_back(fmt::format(
                    "{}: the type change rewrites the table under an ACCESS EXCLUSIVE lock in "
                    "contract{}",
                    step.target.display(), why.empty() ? std::string() : " (" + why + ")"));
            }
        }
        if (step.kind == StepKind::rename_table && rename_table(step)) {
            return;
        }
        if (step.kind == StepKind::rename_table) {
            m_out.notes.push_back(fmt::format(
                "{}: a table rename takes effect in expand; code using the old name breaks then",
                step.target.display()));
        }
        PhasedStep s{step, std::nullopt, {}};
        if (step.kind == StepKind::drop_column && step.destructive) {
            s.hint = fmt::format("drop {}.{} confirm", plan::ddl::name(table), q(step.target.member));
        } else if (step.kind == StepKind::drop_table && step.destructive) {
            s.hint = fmt::format("drop table {} confirm", plan::ddl::name(table));
        }
        put(phase, std::move(s));
        undo_plan_step(phase, step);
    }

    // A transform hint (or a fill) as a chunked backfill.
    void backfill_step(const Step& step) {
        const model::QualifiedName& table = step.target.name;
        const std::string& column = step.target.member;
        const model::TransformHint* t = transform_for(table, column);
        std::string expr;
        if (t != nullptr) {
            expr = t->expression;
        } else {
            size_t eq = step.sql.find(" = ");
            expr = eq == std::string::npos ? std::string() : step.sql.substr(eq + 3);
        }
        BackfillSpec spec;
        spec.table = table;
        spec.set = q(column) + " = " + expr;
        if (!existed_before(table, column)) {
            spec.where = q(column) + " IS NULL"; // rows not done yet (also on a re-run)
        }
        PhasedStep s;
        s.step = step;
        s.step.sql = spec.describe();
        s.step.outside_transaction = true;
        s.step.reason = "chunked by primary key, one transaction per chunk";
        s.backfill = spec;
        put(Phase::backfill, std::move(s));
        if (!existed_before(table, column)) {
            // rows the old code inserted since the backfill
            put(Phase::contract,
                sql_step(StepKind::backfill,
                         fmt::format("UPDATE {} SET {} = {} WHERE {} IS NULL",
                                     plan::ddl::name(table), q(column), expr, q(column)),
                         LockLevel::row_exclusive, table, {}, Risk::low,
                         "rows written since the backfill"));
        }
    }

    // A new NOT NULL column without a default: add it nullable with a
    // temporary default (so rows the old code inserts are filled), fill the
    // existing rows in backfill, and tighten in contract. False: the plan's
    // step is fine as it is.
    bool add_column(const Step& step) {
        const model::QualifiedName& table = step.target.name;
        const model::Table* t = m_to.find_table(table);
        const model::Column* col = t == nullptr ? nullptr : t->find_column(step.target.member);
        if (col == nullptr || !col->not_null || col->generated_expr ||
            col->identity != model::IdentityKind::none || model::is_serial_type(col->type) ||
            transform_for(table, col->name) != nullptr) {
            return false;
        }
        bool volatile_default = col->default_expr && is_volatile_default(*col->default_expr);
        if (col->default_expr && !volatile_default) {
            return false; // ADD COLUMN ... DEFAULT x NOT NULL: catalog-only
        }
        std::string fill;
        if (col->default_expr) {
            fill = *col->default_expr;
        } else {
            std::optional<std::string> guess = fill_value_for_type(col->type);
            if (!guess) {
                throw InputError(fmt::format(
                    "{}.{} is NOT NULL with neither a default nor a transform hint, and QAIL "
                    "has no safe value for type {} to fill the existing rows with\n"
                    "help: add `transform <expression> -> {}.{}` (or a default) to the target "
                    "schema",
                    table.display(), col->name, col->type, table.display(), col->name));
            }
            fill = *guess;
            m_out.notes.push_back(fmt::format(
                "{}.{} is NOT NULL with neither a default nor a transform hint: existing rows "
                "and rows the old code inserts get {} (edit expand.qail and backfill.qail, or "
                "add `transform <expr> -> {}.{}`, to choose another value)",
                table.display(), col->name, fill, table.display(), col->name));
        }
        m_handled.insert({table, col->name});
        std::string alter = plan::ddl::alter_table(table);
        std::string column = q(col->name);
        model::Column nullable = *col;
        nullable.not_null = false;
        nullable.default_expr.reset();
        put(Phase::expand,
            sql_step(StepKind::add_column,
                     alter + " ADD COLUMN " + plan::ddl::column_definition(nullable),
                     LockLevel::access_exclusive, table, col->name, Risk::low,
                     "new nullable column (catalog-only change)"));
        put(Phase::expand,
            sql_step(StepKind::set_default,
                     alter + " ALTER COLUMN " + column + " SET DEFAULT " + fill,
                     LockLevel::access_exclusive, table, col->name, Risk::low,
                     col->default_expr ? "the column's default, for new rows"
                                       : "temporary default: rows the old code inserts are filled"));
        undo(Phase::expand, sql_step(StepKind::drop_column,
                                     alter + " DROP COLUMN IF EXISTS " + column,
                                     LockLevel::access_exclusive, table, col->name, Risk::high,
                                     "undoes the new column"));
        BackfillSpec spec;
        spec.table = table;
        spec.set = column + " = " + fill;
        spec.where = column + " IS NULL";
        PhasedStep b;
        b.step = make_step(StepKind::backfill, spec.describe(), LockLevel::row_exclusive, table,
                           col->name, Risk::medium,
                           "chunked by primary key, one transaction per chunk");
        b.step.outside_transaction = true;
        b.backfill = spec;
        put(Phase::backfill, std::move(b));
        set_not_null(table, col->name, false);
        if (!col->default_expr) {
            put(Phase::contract,
                sql_step(StepKind::drop_default, alter + " ALTER COLUMN " + column + " DROP DEFAULT",
                         LockLevel::access_exclusive, table, col->name, Risk::low,
                         "the temporary fill default goes"));
            undo(Phase::contract,
                 sql_step(StepKind::set_default,
                          alter + " ALTER COLUMN " + column + " SET DEFAULT " + fill,
                          LockLevel::access_exclusive, table, col->name));
        }
        return true;
    }

    // SET NOT NULL through a validated check, all in contract (the column was
    // filled by the backfill; `catch_up` first fills rows written since).
    void set_not_null(const model::QualifiedName& table, const std::string& column_name,
                      bool check_in_expand) {
        std::string alter = plan::ddl::alter_table(table);
        std::string column = q(column_name);
        std::string check = model::make_object_name(table.name, column_name, "not_null");
        Phase add_phase = check_in_expand ? Phase::expand : Phase::contract;
        put(add_phase, sql_step(StepKind::add_constraint,
                                alter + " ADD CONSTRAINT " + q(check) + " CHECK (" + column +
                                    " IS NOT NULL) NOT VALID",
                                LockLevel::access_exclusive, table, column_name, Risk::low,
                                "NOT VALID: new rows only, no scan"));
        undo(add_phase, sql_step(StepKind::drop_constraint,
                                 alter + " DROP CONSTRAINT IF EXISTS " + q(check),
                                 LockLevel::access_exclusive, table, column_name));
        put(Phase::contract,
            sql_step(StepKind::validate_constraint, alter + " VALIDATE CONSTRAINT " + q(check),
                     LockLevel::share_update_exclusive, table, column_name, Risk::medium,
                     "scans the table without blocking writes; fails if a row holds NULL"));
        PhasedStep s = sql_step(StepKind::set_not_null,
                                alter + " ALTER COLUMN " + column + " SET NOT NULL",
                                LockLevel::access_exclusive, table, column_name, Risk::medium,
                                "uses the validated check: no table scan");
        put(Phase::contract, std::move(s));
        undo(Phase::contract, sql_step(StepKind::drop_not_null,
                                       alter + " ALTER COLUMN " + column + " DROP NOT NULL",
                                       LockLevel::access_exclusive, table, column_name));
        put(Phase::contract, sql_step(StepKind::drop_constraint,
                                      alter + " DROP CONSTRAINT " + q(check),
                                      LockLevel::access_exclusive, table, column_name));
    }


    // ---------------------------------------------------------- table rename

    // A table renamed in the same schema: renamed in expand, with a view under
    // the old name (`SELECT *` from one table: PostgreSQL makes it updatable,
    // and an INSERT through it gets the table's defaults), so that code using
    // the old name keeps reading and writing until contract drops the view.
    // False: the plan's step as it is (a move to another schema, or the old
    // name taken in the target schema).
    bool rename_table(const Step& step) {
        const model::RenameHint* hint = nullptr;
        for (const model::RenameHint& h : m_renamed_tables) {
            if (h.to == step.target.name && step.sql.find(" RENAME TO ") != std::string::npos) {
                hint = &h;
            }
        }
        if (hint == nullptr || hint->from.schema != hint->to.schema ||
            m_to.find_table(hint->from) != nullptr || m_to.find_view(hint->from) != nullptr) {
            return false;
        }
        std::string old_name = plan::ddl::name(hint->from);
        std::string new_name = plan::ddl::name(hint->to);
        std::string create_view =
            fmt::format("CREATE VIEW {} AS SELECT * FROM {}", old_name, new_name);
        put(Phase::expand, PhasedStep{step, std::nullopt, {}});
        put(Phase::expand,
            sql_step(StepKind::create_view, create_view, LockLevel::access_share, hint->to, {},
                     Risk::low, "the old name, updatable, for the old code until contract"));
        undo(Phase::expand, sql_step(StepKind::rename_table,
                                     fmt::format("ALTER TABLE {} RENAME TO {}", new_name,
                                                 q(hint->from.name)),
                                     LockLevel::access_exclusive, hint->to));
        undo(Phase::expand, sql_step(StepKind::drop_view, "DROP VIEW IF EXISTS " + old_name,
                                     LockLevel::access_exclusive, hint->to));
        // first in contract: later steps may drop columns the view shows
        m_contract_head.push_back(sql_step(StepKind::drop_view, "DROP VIEW " + old_name,
                                           LockLevel::access_exclusive, hint->to, {}, Risk::low,
                                           "the old name goes; code must use the new one"));
        m_down_contract_tail.push_back(sql_step(StepKind::create_view, create_view,
                                                LockLevel::access_share, hint->to));
        m_out.notes.push_back(fmt::format(
            "{} is renamed to {} in expand; a view keeps the old name working (reads and "
            "writes) until contract drops it",
            hint->from.display(), hint->to.display()));
        return true;
    }

    std::vector<model::RenameHint> m_renamed_tables;
    std::vector<PhasedStep> m_contract_head;

    // ---------------------------------------------------------- retype

    // The table and column a step retypes, before (t_old, o) and after
    // (t_new, n); a pointer is null where that side has none.
    struct Retyped {
        const model::Table* t_old = nullptr;
        const model::Table* t_new = nullptr;
        const model::Column* o = nullptr;
        const model::Column* n = nullptr;
    };
    Retyped retyped(const Step& step) const {
        Retyped r;
        r.t_new = m_to.find_table(step.target.name);
        r.t_old = m_from_renamed.find_table(step.target.name);
        r.n = r.t_new == nullptr ? nullptr : r.t_new->find_column(step.target.member);
        r.o = r.t_old == nullptr ? nullptr : r.t_old->find_column(step.target.member);
        return r;
    }

    // A type change that rewrites the table goes through a second column
    // (see retype_column) when nothing stands in the way: not a key column,
    // not referenced by a foreign key, not identity or generated, a table with
    // a primary key to chunk the backfill by.
    bool can_retype(const Step& step) const {
        const model::QualifiedName& table = step.target.name;
        const std::string& column = step.target.member;
        const auto [t_old, t_new, o, n] = retyped(step);
        if (n == nullptr || o == nullptr || model::is_serial_type(o->type) ||
            model::is_serial_type(n->type) || catalog_only_type_change(o->type, n->type) ||
            o->collation != n->collation || n->identity != model::IdentityKind::none ||
            o->identity != model::IdentityKind::none || n->generated_expr || o->generated_expr) {
            return false;
        }
        if (!t_old->primary_key || !t_new->primary_key ||
            names_column(t_old->primary_key->columns, column) ||
            names_column(t_new->primary_key->columns, column) || !t_new->exclusions.empty() ||
            t_old->partition_by || t_old->partition_of) {
            return false;
        }
        for (const model::Table& other : m_to.tables) {
            for (const model::ForeignKey& fk : other.foreign_keys) {
                if (fk.ref_table == table && names_column(fk.ref_columns, column)) {
                    return false;
                }
            }
        }
        return true;
    }

    bool is_key_column(const model::QualifiedName& table, const std::string& column) const {
        const model::Table* t_new = m_to.find_table(table);
        const model::Table* t_old = m_from_renamed.find_table(table);
        return (t_new != nullptr && t_new->primary_key &&
                names_column(t_new->primary_key->columns, column)) ||
               (t_old != nullptr && t_old->primary_key &&
                names_column(t_old->primary_key->columns, column));
    }

    // Why the type change of a primary key column cannot go through a second
    // column and a swap of the key's index (empty: it can).
    std::string key_retype_obstacle(const Step& step) const {
        const model::QualifiedName& table = step.target.name;
        const std::string& column = step.target.member;
        const auto [t_old, t_new, o, n] = retyped(step);
        if (n == nullptr || o == nullptr) {
            return "a new or dropped column";
        }
        if (catalog_only_type_change(o->type, n->type)) {
            return "a catalog-only change";
        }
        if (n->identity != model::IdentityKind::none || o->identity != model::IdentityKind::none) {
            return "an identity key column: its sequence cannot move to a second column";
        }
        if (n->generated_expr || o->generated_expr) {
            return "a generated column";
        }
        if (o->collation != n->collation) {
            return "its collation changes too";
        }
        if (model::is_serial_type(o->type) != model::is_serial_type(n->type)) {
            return "the column becomes or stops being a serial";
        }
        const auto& pk_old = t_old->primary_key;
        const auto& pk_new = t_new->primary_key;
        if (!pk_old || !pk_new) {
            return "the primary key is added or dropped";
        }
        if (pk_old->columns.size() != 1 || pk_new->columns.size() != 1 ||
            pk_old->columns[0] != column || pk_new->columns[0] != column) {
            return "a composite primary key: no single-column index to swap";
        }
        if (!pk_old->include.empty() || !pk_new->include.empty()) {
            return "a primary key with INCLUDE columns";
        }
        if (!t_new->exclusions.empty() || t_old->partition_by || t_old->partition_of ||
            t_new->partition_by || t_new->partition_of) {
            return "a partitioned table or one with exclusion constraints";
        }
        for (const model::Schema* schema : {&m_to, &m_from_renamed}) {
            for (const model::Table& other : schema->tables) {
                for (const model::ForeignKey& fk : other.foreign_keys) {
                    if (fk.ref_table == table && names_column(fk.ref_columns, column) &&
                        fk.ref_columns.size() != 1) {
                        return fmt::format("foreign key {} references it with other columns",
                                           fk.name);
                    }
                }
            }
        }
        return {};
    }

    // Why a type change that rewrites the table stays in place (empty: it
    // does not rewrite, e.g. a longer varchar).
    std::string in_place_reason(const Step& step) const {
        const model::QualifiedName& table = step.target.name;
        const std::string& column = step.target.member;
        const auto [t_old, t_new, o, n] = retyped(step);
        if (n == nullptr || o == nullptr || catalog_only_type_change(o->type, n->type)) {
            return {};
        }
        if (is_key_column(table, column)) {
            return "primary key column: " + key_retype_obstacle(step);
        }
        if (n->identity != model::IdentityKind::none || o->identity != model::IdentityKind::none ||
            n->generated_expr || o->generated_expr) {
            return "an identity or generated column";
        }
        if (model::is_serial_type(o->type) || model::is_serial_type(n->type)) {
            return "a serial column";
        }
        if (!t_old->primary_key || !t_new->primary_key) {
            return "no primary key to chunk a backfill by";
        }
        for (const model::Table& other : m_to.tables) {
            for (const model::ForeignKey& fk : other.foreign_keys) {
                if (fk.ref_table == table && names_column(fk.ref_columns, column)) {
                    return fmt::format("foreign key {} references it", fk.name);
                }
            }
        }
        return "not phased through a second column";
    }

    // The foreign keys (old and new schema) that reference a retyped key
    // column: they depend on the key's index, so the swap drops them and
    // adds them back; the plan's own steps on them are skipped.
    void collect_referencing(const model::QualifiedName& table, const std::string& column) {
        for (const model::Schema* schema : {&m_to, &m_from_renamed}) {
            for (const model::Table& other : schema->tables) {
                for (const model::ForeignKey& fk : other.foreign_keys) {
                    if (fk.ref_table == table && names_column(fk.ref_columns, column)) {
                        m_referencing.insert({other.name, fk.name});
                        m_carried_constraints.insert({other.name, fk.name});
                        m_dying_constraints.insert({other.name, fk.name});
                    }
                }
            }
        }
    }

    bool references_retyped_key(const model::ForeignKey& fk) const {
        for (const std::string& c : fk.ref_columns) {
            if (m_key_retyped.count({fk.ref_table, c}) > 0) {
                return true;
            }
        }
        return false;
    }

    std::set<std::pair<model::QualifiedName, std::string>> m_key_retyped;
    std::set<std::pair<model::QualifiedName, std::string>> m_referencing;
    std::vector<PhasedStep> m_contract_end;
    std::vector<PhasedStep> m_contract_after;
    std::vector<PhasedStep> m_down_contract_end;

    // The names of the indexes and constraints rebuilt for the new column of
    // a rename or type change: the plan's own steps on them are skipped.
    void collect_carried(const model::QualifiedName& table, const std::string& column,
                         const std::string& old_column) {
        const model::Table* t = m_to.find_table(table);
        if (t == nullptr) {
            return;
        }
        indexes_on(m_to, table, column, m_carried_indexes);
        indexes_on(m_from_renamed, table, column, m_dying_indexes);
        if (const model::Table* old = m_from_renamed.find_table(table)) {
            // a renamed column's old checks may still say the old name
            constraints_on(*old, column, old_column, m_dying_constraints);
        }
        constraints_on(*t, column, column, m_carried_constraints);
    }

    // The indexes of `schema` on `table` that use `column` (key, expression,
    // INCLUDE or predicate).
    static void indexes_on(const model::Schema& schema, const model::QualifiedName& table,
                           const std::string& column, std::set<model::QualifiedName>& out) {
        for (const model::Index& i : schema.indexes) {
            if (i.table != table) {
                continue;
            }
            bool uses = names_column(i.include, column) ||
                        (i.where && mentions_column(*i.where, column));
            for (const model::IndexElement& e : i.elements) {
                uses = uses ||
                       (e.is_expression ? mentions_column(e.key, column) : e.key == column);
            }
            if (uses) {
                out.insert(i.name);
            }
        }
    }

    // The checks (mentioning `column` or `check_alias`), foreign keys and
    // unique constraints of `t` on `column`.
    static void constraints_on(const model::Table& t, const std::string& column,
                               const std::string& check_alias,
                               std::set<std::pair<model::QualifiedName, std::string>>& out) {
        for (const model::CheckConstraint& c : t.checks) {
            if (mentions_column(c.expression, column) ||
                mentions_column(c.expression, check_alias)) {
                out.insert({t.name, c.name});
            }
        }
        for (const model::ForeignKey& fk : t.foreign_keys) {
            if (names_column(fk.columns, column)) {
                out.insert({t.name, fk.name});
            }
        }
        for (const model::UniqueConstraint& u : t.uniques) {
            if (names_column(u.columns, column)) {
                out.insert({t.name, u.name});
            }
        }
    }

    bool rebuilt_elsewhere(const Step& step) const {
        switch (step.kind) {
        case StepKind::create_index:
        case StepKind::rename_index:
            return m_carried_indexes.count(step.target.name) > 0;
        case StepKind::drop_index:
            // the old index goes with the old column
            return m_dying_indexes.count(step.target.name) > 0;
        case StepKind::drop_constraint:
            // the old column's constraints go with it
            for (const auto& [table, name] : m_dying_constraints) {
                std::string tail = " DROP CONSTRAINT " + q(name);
                if (step.locked_relation == table && step.sql.size() >= tail.size() &&
                    step.sql.compare(step.sql.size() - tail.size(), tail.size(), tail) == 0) {
                    return true;
                }
            }
            return false;
        case StepKind::add_constraint:
        case StepKind::validate_constraint:
        case StepKind::rename_constraint:
            for (const auto& [table, name] : m_carried_constraints) {
                std::string quoted = q(name);
                bool names_it =
                    step.sql.find(" CONSTRAINT " + quoted + " ") != std::string::npos ||
                    (step.sql.size() >= quoted.size() &&
                     step.sql.compare(step.sql.size() - quoted.size(), quoted.size(), quoted) == 0);
                if (step.locked_relation == table && names_it) {
                    return true;
                }
            }
            return false;
        default:
            return false;
        }
    }

    // A type change through a second column, so that the code of the old
    // schema keeps reading and writing the column with its old type until
    // contract:
    //   expand    the new-typed column under a temporary name, a trigger that
    //             copies writes both ways (the transform hint's expression, the
    //             plan's USING, or a cast), its indexes built CONCURRENTLY;
    //   backfill  the existing rows converted, chunked by primary key;
    //   contract  NOT NULL, checks and foreign keys through validated checks,
    //             then in one short transaction: the trigger and the old column
    //             dropped, the new one renamed to the column's name.
    void retype_column(const Step& step) {
        const model::QualifiedName& table = step.target.name;
        const std::string& column = step.target.member;
        const model::Table* new_table = m_to.find_table(table);
        const model::Table* old_table = m_from_renamed.find_table(table);
        // a serial's second column is a plain integer column: the sequence
        // (and its default) moves over in contract
        model::Column new_column = *new_table->find_column(column);
        model::Column old_column = *old_table->find_column(column);
        bool serial = model::is_serial_type(old_column.type);
        if (serial) {
            new_column.type = model::serial_base_type(new_column.type);
            old_column.type = model::serial_base_type(old_column.type);
        }
        const model::Column* n = &new_column;
        const model::Column* o = &old_column;
        bool key = m_key_retyped.count({table, column}) > 0;
        std::string temp = retype_temp_column(column);
        std::string alter = plan::ddl::alter_table(table);
        std::string oc = q(column);
        std::string tc = q(temp);

        // the conversion, as an expression over the row's columns
        std::string convert;
        const model::TransformHint* t = transform_for(table, column);
        size_t using_at = step.sql.find(" USING ");
        if (t != nullptr) {
            convert = t->expression;
        } else if (using_at != std::string::npos) {
            convert = step.sql.substr(using_at + 7);
        }
        bool via_text = convert.find("::text::") != std::string::npos;
        std::string cast = "CAST(" + oc + " AS " + plan::ddl::type(n->type) + ")";
        std::string backfill_expr = convert.empty() ? cast : convert;
        // in the trigger: the expression evaluated over the row being written
        std::string to_new = convert.empty()
                                 ? "CAST(NEW." + oc + " AS " + plan::ddl::type(n->type) + ")"
                                 : "(SELECT " + convert + " FROM (SELECT NEW.*) AS qail_row)";
        std::string to_old =
            via_text ? "CAST(CAST(NEW." + tc + " AS text) AS " + plan::ddl::type(o->type) + ")"
                     : "CAST(NEW." + tc + " AS " + plan::ddl::type(o->type) + ")";
        std::string function_name =
            model::make_object_name(table.name, column + "_retype", "qail_sync");
        model::QualifiedName function{table.schema, function_name};
        std::string fn = plan::ddl::name(function);
        std::string trigger = q(function_name);

        model::Column added = *n;
        added.name = temp;
        added.not_null = false;
        added.default_expr.reset();
        put(Phase::expand, sql_step(StepKind::add_column,
                                    alter + " ADD COLUMN " + plan::ddl::column_definition(added),
                                    LockLevel::access_exclusive, table, temp, Risk::low,
                                    fmt::format("{} with its new type, beside the old one", column)));
        std::string body = fmt::format(
            "CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $qail_sync$\n"
            "BEGIN\n"
            "  -- {o} (old type) and {t} (new type) hold the same value while both exist\n"
            "  IF TG_OP = 'INSERT' THEN\n"
            "    IF NEW.{t} IS NULL THEN NEW.{t} := {to_new};\n"
            "    ELSIF NEW.{o} IS NULL THEN NEW.{o} := {to_old};\n"
            "    END IF;\n"
            "  ELSIF NEW.{o} IS DISTINCT FROM OLD.{o} THEN NEW.{t} := {to_new};\n"
            "  -- (not while the backfill fills {t} from {o}: converting back could\n"
            "  -- change the old values, e.g. '007' -> 7 -> '7')\n"
            "  ELSIF NEW.{t} IS DISTINCT FROM OLD.{t}\n"
            "        AND current_setting('qail.backfill', true) IS DISTINCT FROM 'on' THEN\n"
            "    NEW.{o} := {to_old};\n"
            "  ELSIF NEW.{t} IS NULL THEN NEW.{t} := {to_new};\n"
            "  END IF;\n"
            "  RETURN NEW;\n"
            "END\n"
            "$qail_sync$",
            fmt::arg("fn", fn), fmt::arg("o", oc), fmt::arg("t", tc), fmt::arg("to_new", to_new),
            fmt::arg("to_old", to_old));
        std::string create_trigger = fmt::format(
            "CREATE TRIGGER {} BEFORE INSERT OR UPDATE ON {} FOR EACH ROW EXECUTE FUNCTION {}()",
            trigger, plan::ddl::name(table), fn);
        put(Phase::expand, sql_step(StepKind::create_function, body, LockLevel::none, {}, {},
                                    Risk::low, "converts writes between the old and the new column"));
        put(Phase::expand, sql_step(StepKind::create_trigger, create_trigger,
                                    LockLevel::share_row_exclusive, table, {}, Risk::low,
                                    "old code keeps writing the old type until contract"));
        std::string drop_trigger =
            fmt::format("DROP TRIGGER IF EXISTS {} ON {}", trigger, plan::ddl::name(table));
        std::string drop_function = fmt::format("DROP FUNCTION IF EXISTS {}()", fn);
        undo(Phase::expand, sql_step(StepKind::drop_column, alter + " DROP COLUMN IF EXISTS " + tc,
                                     LockLevel::access_exclusive, table, temp, Risk::high));
        undo(Phase::expand, sql_step(StepKind::drop_function, drop_function, LockLevel::none, {}));
        undo(Phase::expand, sql_step(StepKind::drop_trigger, drop_trigger,
                                     LockLevel::share_row_exclusive, table));

        rebuild_dependents(table, column, temp, *new_table);

        BackfillSpec spec;
        spec.table = table;
        spec.set = tc + " = " + backfill_expr;
        spec.where = tc + " IS DISTINCT FROM " + backfill_expr;
        PhasedStep b;
        b.step = make_step(StepKind::backfill, spec.describe(), LockLevel::row_exclusive, table,
                           temp, Risk::medium, "converts the existing rows, chunked by primary key");
        b.step.outside_transaction = true;
        b.backfill = spec;
        put(Phase::backfill, std::move(b));

        // contract: tighten the new column, then swap it in
        if (n->not_null || key) {
            set_not_null(table, temp, false);
        }
        if (key) {
            swap_primary_key(table, column, temp, *old_table, *new_table, serial ? o : nullptr, n);
        }
        put(Phase::contract,
            sql_step(StepKind::drop_trigger,
                     fmt::format("DROP TRIGGER {} ON {}", trigger, plan::ddl::name(table)),
                     LockLevel::share_row_exclusive, table, {}, Risk::low,
                     "the conversion trigger goes with the old column"));
        put(Phase::contract, sql_step(StepKind::drop_function, "DROP FUNCTION " + fn + "()",
                                      LockLevel::none, {}));
        PhasedStep drop = sql_step(StepKind::drop_column, alter + " DROP COLUMN " + oc,
                                   LockLevel::access_exclusive, table, column, Risk::high,
                                   fmt::format("its values live on, converted, in {}", temp));
        drop.step.destructive = true;
        put(Phase::contract, std::move(drop));
        put(Phase::contract,
            sql_step(StepKind::rename_column,
                     fmt::format("{} RENAME COLUMN {} TO {}", alter, tc, oc),
                     LockLevel::access_exclusive, table, column, Risk::low,
                     "the new column takes the name"));
        if (n->default_expr) {
            put(Phase::contract, sql_step(StepKind::set_default,
                                          alter + " ALTER COLUMN " + oc + " SET DEFAULT " +
                                              *n->default_expr,
                                          LockLevel::access_exclusive, table, column));
        }

        // undo of contract (run backwards): the new column back under its
        // temporary name, the old one back, filled from it
        model::Column restored = *o;
        restored.not_null = false;
        undo(Phase::contract, sql_step(StepKind::create_trigger, create_trigger,
                                       LockLevel::share_row_exclusive, table));
        undo(Phase::contract, sql_step(StepKind::create_function, body, LockLevel::none, {}));
        if (o->not_null) {
            undo(Phase::contract, sql_step(StepKind::set_not_null,
                                           alter + " ALTER COLUMN " + oc + " SET NOT NULL",
                                           LockLevel::access_exclusive, table, column));
        }
        undo(Phase::contract,
             sql_step(StepKind::backfill,
                      fmt::format("UPDATE {} SET {} = {}", plan::ddl::name(table), oc,
                                  via_text ? "CAST(CAST(" + tc + " AS text) AS " +
                                                 plan::ddl::type(o->type) + ")"
                                           : "CAST(" + tc + " AS " + plan::ddl::type(o->type) + ")"),
                      LockLevel::row_exclusive, table, column));
        undo(Phase::contract, sql_step(StepKind::add_column,
                                       alter + " ADD COLUMN " + plan::ddl::column_definition(restored),
                                       LockLevel::access_exclusive, table, column));
        undo(Phase::contract, sql_step(StepKind::rename_column,
                                       fmt::format("{} RENAME COLUMN {} TO {}", alter, oc, tc),
                                       LockLevel::access_exclusive, table, column));
        restore_old_dependents(RenamedColumn{table, column, column}, *old_table);
    }

    // A retyped primary key column: in contract, the unique index on the new
    // column is built CONCURRENTLY (alone) and its NOT NULL proved by a
    // validated check; then, in the transaction that swaps the columns, the
    // foreign keys that reference the key go (they depend on its index), the
    // old key is dropped, the index becomes the key (USING INDEX: no scan)
    // and a serial's sequence moves to the new column. After the swap the
    // foreign keys come back NOT VALID and are validated each alone.
    // `serial_old`: the old column (base type) when the key is a serial.
    void swap_primary_key(const model::QualifiedName& table, const std::string& column,
                          const std::string& temp, const model::Table& old_table,
                          const model::Table& new_table, const model::Column* serial_old,
                          const model::Column* n) {
        std::string alter = plan::ddl::alter_table(table);
        std::string oc = q(column);
        std::string tc = q(temp);
        const model::PrimaryKey& pk_old = *old_table.primary_key;
        const model::PrimaryKey& pk_new = *new_table.primary_key;

        model::Index index;
        index.name = {table.schema, model::make_object_name(table.name, temp, "key")};
        index.table = table;
        index.unique = true;
        model::IndexElement element;
        element.key = temp;
        index.elements.push_back(element);
        PhasedStep build = sql_step(StepKind::create_index, plan::ddl::create_index(index, true),
                                    LockLevel::share_update_exclusive, table, {}, Risk::medium,
                                    "the new key's index, built without blocking writes");
        build.step.outside_transaction = true;
        put(Phase::contract, std::move(build));

        // the foreign keys that reference the key, in either schema
        std::vector<std::pair<model::QualifiedName, model::ForeignKey>> old_refs;
        std::vector<std::pair<model::QualifiedName, model::ForeignKey>> new_refs;
        std::set<std::pair<model::QualifiedName, std::string>> dropped;
        for (const model::Schema* schema : {&m_from_renamed, &m_to}) {
            for (const model::Table& other : schema->tables) {
                for (const model::ForeignKey& fk : other.foreign_keys) {
                    if (!(fk.ref_table == table) || !names_column(fk.ref_columns, column)) {
                        continue;
                    }
                    (schema == &m_to ? new_refs : old_refs).emplace_back(other.name, fk);
                    if (dropped.insert({other.name, fk.name}).second) {
                        put(Phase::contract,
                            sql_step(StepKind::drop_constraint,
                                     // (IF EXISTS: the referencing table may be gone already)
                                     fmt::format("ALTER TABLE IF EXISTS {} DROP CONSTRAINT IF "
                                                 "EXISTS {}",
                                                 plan::ddl::name(other.name), q(fk.name)),
                                     LockLevel::access_exclusive, other.name, {}, Risk::low,
                                     "depends on the old key's index; added back after the swap"));
                    }
                }
            }
        }
        put(Phase::contract,
            sql_step(StepKind::drop_constraint, alter + " DROP CONSTRAINT " + q(pk_old.name),
                     LockLevel::access_exclusive, table, {}, Risk::low,
                     "the old key goes (catalog-only)"));
        put(Phase::contract,
            sql_step(StepKind::add_constraint,
                     fmt::format("{} ADD CONSTRAINT {} PRIMARY KEY USING INDEX {}{}", alter,
                                 q(pk_new.name), q(index.name.name),
                                 plan::ddl::deferral(pk_new.deferral)),
                     LockLevel::access_exclusive, table, {}, Risk::low,
                     "the index built above becomes the key: no scan, NOT NULL is proved"));
        std::string sequence;
        std::string nextval;
        if (serial_old != nullptr) {
            model::QualifiedName seq{table.schema,
                                     model::default_serial_sequence_name(table.name, column)};
            sequence = plan::ddl::name(seq);
            nextval = "nextval(" +
                      sql::quote_literal(sql::quote_qualified(seq.schema, seq.name)) +
                      "::regclass)";
            if (serial_old->type != n->type) {
                put(Phase::contract,
                    sql_step(StepKind::alter_sequence,
                             "ALTER SEQUENCE " + sequence + " AS " + plan::ddl::type(n->type),
                             LockLevel::row_exclusive, table, {}, Risk::low,
                             "the sequence follows the key's type"));
            }
            put(Phase::contract,
                sql_step(StepKind::alter_sequence,
                         fmt::format("ALTER SEQUENCE {} OWNED BY {}.{}", sequence,
                                     plan::ddl::name(table), tc),
                         LockLevel::row_exclusive, table, {}, Risk::low,
                         "else it would go with the old column"));
            put(Phase::contract, sql_step(StepKind::set_default,
                                          alter + " ALTER COLUMN " + tc + " SET DEFAULT " + nextval,
                                          LockLevel::access_exclusive, table, temp, Risk::low,
                                          "the serial's default moves to the new column"));
        }
        for (const auto& [other, fk] : new_refs) {
            model::ForeignKey valid = fk;
            valid.not_valid = false;
            std::string other_alter = plan::ddl::alter_table(other);
            m_contract_end.push_back(
                sql_step(StepKind::add_constraint,
                         other_alter + " ADD " + plan::ddl::foreign_key(valid) + " NOT VALID",
                         LockLevel::share_row_exclusive, other, {}, Risk::low,
                         "back on the new key, NOT VALID: no scan under the swap's locks"));
            if (!fk.not_valid) {
                PhasedStep validate =
                    sql_step(StepKind::validate_constraint,
                             other_alter + " VALIDATE CONSTRAINT " + q(fk.name),
                             LockLevel::share_update_exclusive, other, {}, Risk::medium,
                             "scans the table without blocking writes");
                validate.step.outside_transaction = true;
                m_contract_after.push_back(std::move(validate));
            }
            m_down_contract_head.push_back(
                sql_step(StepKind::drop_constraint,
                         fmt::format("ALTER TABLE IF EXISTS {} DROP CONSTRAINT IF EXISTS {}",
                                     plan::ddl::name(other), q(fk.name)),
                         LockLevel::access_exclusive, other));
        }

        // undo, pushed backwards: the key back on the old column (it is
        // there again, filled and NOT NULL, when these run), the sequence back
        undo(Phase::contract,
             sql_step(StepKind::drop_index, "DROP INDEX IF EXISTS " + plan::ddl::name(index.name),
                      LockLevel::access_exclusive, table));
        model::PrimaryKey restored = pk_old;
        undo(Phase::contract, sql_step(StepKind::add_constraint,
                                       alter + " ADD " + plan::ddl::primary_key(restored),
                                       LockLevel::access_exclusive, table));
        undo(Phase::contract, sql_step(StepKind::drop_constraint,
                                       alter + " DROP CONSTRAINT IF EXISTS " + q(pk_new.name),
                                       LockLevel::access_exclusive, table));
        if (serial_old != nullptr) {
            if (serial_old->type != n->type) {
                undo(Phase::contract,
                     sql_step(StepKind::alter_sequence,
                              "ALTER SEQUENCE " + sequence + " AS " +
                                  plan::ddl::type(serial_old->type),
                              LockLevel::row_exclusive, table));
            }
            undo(Phase::contract, sql_step(StepKind::drop_default,
                                           alter + " ALTER COLUMN " + tc + " DROP DEFAULT",
                                           LockLevel::access_exclusive, table, temp));
            undo(Phase::contract, sql_step(StepKind::set_default,
                                           alter + " ALTER COLUMN " + oc + " SET DEFAULT " + nextval,
                                           LockLevel::access_exclusive, table, column));
            undo(Phase::contract,
                 sql_step(StepKind::alter_sequence,
                          fmt::format("ALTER SEQUENCE {} OWNED BY {}.{}", sequence,
                                      plan::ddl::name(table), oc),
                          LockLevel::row_exclusive, table));
        }
        for (const auto& [other, fk] : old_refs) {
            m_down_contract_end.push_back(
                sql_step(StepKind::add_constraint,
                         plan::ddl::alter_table(other) + " ADD " + plan::ddl::foreign_key(fk),
                         LockLevel::share_row_exclusive, other));
        }
        m_out.notes.push_back(fmt::format(
            "{}.{}: the primary key moves to the retyped column in contract (unique index built "
            "CONCURRENTLY, then a catalog-only swap); {} foreign key(s) referencing it are "
            "dropped in that transaction and added back NOT VALID, then validated",
            table.display(), column, new_refs.size()));
    }

    std::set<std::pair<model::QualifiedName, std::string>> m_retyped;
    std::set<model::QualifiedName> m_dying_indexes;
    std::set<std::pair<model::QualifiedName, std::string>> m_dying_constraints;

    // ---------------------------------------------------------- rename

    static std::string copy_expr(const std::string& source, const std::string& from_type,
                                 const std::string& to_type) {
        return from_type == to_type ? source : "CAST(" + source + " AS " + plan::ddl::type(to_type) + ")";
    }

    void rename_column(const RenamedColumn& r) {
        const model::Table* new_table = m_to.find_table(r.table);
        const model::Table* old_table = m_from_renamed.find_table(r.table);
        const model::Column* n = new_table == nullptr ? nullptr : new_table->find_column(r.new_name);
        // renamed_from holds the old column under its new name
        const model::Column* o = old_table == nullptr ? nullptr : old_table->find_column(r.new_name);
        if (n == nullptr || o == nullptr) {
            throw InternalError(fmt::format("rename {}.{} -> {}: column not found",
                                            r.table.display(), r.old_name, r.new_name));
        }
        m_handled.insert({r.table, r.new_name});
        const model::QualifiedName& table = r.table;
        std::string alter = plan::ddl::alter_table(table);
        std::string oc = q(r.old_name);
        std::string nc = q(r.new_name);
        std::string function_name = model::make_object_name(
            table.name, r.old_name + "_to_" + r.new_name, "qail_sync");
        model::QualifiedName function{table.schema, function_name};
        std::string fn = plan::ddl::name(function);
        std::string trigger = q(function_name);

        // expand: the new column, and a trigger that copies writes both ways
        model::Column added = *n;
        added.not_null = false;
        added.default_expr.reset();
        put(Phase::expand, sql_step(StepKind::add_column,
                                    alter + " ADD COLUMN " + plan::ddl::column_definition(added),
                                    LockLevel::access_exclusive, table, r.new_name, Risk::low,
                                    fmt::format("new column for the rename of {}", r.old_name)));
        std::string to_new = copy_expr("NEW." + oc, o->type, n->type);
        std::string to_old = copy_expr("NEW." + nc, n->type, o->type);
        std::string body = fmt::format(
            "CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $qail_sync$\n"
            "BEGIN\n"
            "  -- {o} and {n} hold the same value while both exist (qail: rename {o} -> {n})\n"
            "  IF TG_OP = 'INSERT' THEN\n"
            "    IF NEW.{n} IS NULL THEN NEW.{n} := {to_new};\n"
            "    ELSIF NEW.{o} IS NULL THEN NEW.{o} := {to_old};\n"
            "    END IF;\n"
            "  ELSIF NEW.{o} IS DISTINCT FROM OLD.{o} THEN NEW.{n} := {to_new};\n"
            "  ELSIF NEW.{n} IS DISTINCT FROM OLD.{n} THEN NEW.{o} := {to_old};\n"
            "  ELSIF NEW.{n} IS NULL THEN NEW.{n} := {to_new};\n"
            "  END IF;\n"
            "  RETURN NEW;\n"
            "END\n"
            "$qail_sync$",
            fmt::arg("fn", fn), fmt::arg("o", oc), fmt::arg("n", nc), fmt::arg("to_new", to_new),
            fmt::arg("to_old", to_old));
        std::string create_trigger = fmt::format(
            "CREATE TRIGGER {} BEFORE INSERT OR UPDATE ON {} FOR EACH ROW EXECUTE FUNCTION {}()",
            trigger, plan::ddl::name(table), fn);
        put(Phase::expand, sql_step(StepKind::create_function, body, LockLevel::none, {}, {},
                                    Risk::low, "copies writes between the old and the new column"));
        put(Phase::expand, sql_step(StepKind::create_trigger, create_trigger,
                                    LockLevel::share_row_exclusive, table, {}, Risk::low,
                                    "old and new code can both write until contract"));
        std::string drop_trigger =
            fmt::format("DROP TRIGGER IF EXISTS {} ON {}", trigger, plan::ddl::name(table));
        std::string drop_function = fmt::format("DROP FUNCTION IF EXISTS {}()", fn);
        undo(Phase::expand, sql_step(StepKind::drop_column,
                                     alter + " DROP COLUMN IF EXISTS " + nc,
                                     LockLevel::access_exclusive, table, r.new_name, Risk::high));
        undo(Phase::expand, sql_step(StepKind::drop_function, drop_function, LockLevel::none, {}));
        undo(Phase::expand, sql_step(StepKind::drop_trigger, drop_trigger,
                                     LockLevel::share_row_exclusive, table));

        // unique constraints and indexes on the new column: built beside the
        // old ones under a temporary name, named in contract once the old go
        rebuild_dependents(r.table, r.new_name, r.new_name, *new_table);

        // backfill: copy the rows written before the trigger existed
        BackfillSpec spec;
        spec.table = table;
        spec.set = nc + " = " + copy_expr(oc, o->type, n->type);
        spec.where = nc + " IS DISTINCT FROM " + copy_expr(oc, o->type, n->type);
        PhasedStep b;
        b.step = make_step(StepKind::backfill, spec.describe(), LockLevel::row_exclusive, table,
                           r.new_name, Risk::medium,
                           "copies the renamed column, chunked by primary key");
        b.step.outside_transaction = true;
        b.backfill = spec;
        put(Phase::backfill, std::move(b));

        // contract: tighten the new column, drop the trigger and the old column
        if (n->not_null) {
            set_not_null(table, r.new_name, false);
        }
        if (n->default_expr) {
            put(Phase::contract, sql_step(StepKind::set_default,
                                          alter + " ALTER COLUMN " + nc + " SET DEFAULT " +
                                              *n->default_expr,
                                          LockLevel::access_exclusive, table, r.new_name));
            undo(Phase::contract, sql_step(StepKind::drop_default,
                                           alter + " ALTER COLUMN " + nc + " DROP DEFAULT",
                                           LockLevel::access_exclusive, table, r.new_name));
        }
        put(Phase::contract,
            sql_step(StepKind::drop_trigger,
                     fmt::format("DROP TRIGGER {} ON {}", trigger, plan::ddl::name(table)),
                     LockLevel::share_row_exclusive, table, {}, Risk::low,
                     "the copy trigger goes with the old column"));
        put(Phase::contract, sql_step(StepKind::drop_function, "DROP FUNCTION " + fn + "()",
                                      LockLevel::none, {}));
        PhasedStep drop = sql_step(StepKind::drop_column, alter + " DROP COLUMN " + oc,
                                   LockLevel::access_exclusive, table, r.old_name, Risk::high,
                                   fmt::format("its values live on in {}", r.new_name));
        drop.step.destructive = true;
        drop.hint = fmt::format("drop {}.{} confirm", plan::ddl::name(table), oc);
        put(Phase::contract, std::move(drop));

        // undo of contract, in reverse: the old column back, filled from the new one
        model::Column restored = *o;
        restored.name = r.old_name;
        restored.not_null = false;
        undo(Phase::contract, sql_step(StepKind::create_trigger, create_trigger,
                                       LockLevel::share_row_exclusive, table));
        undo(Phase::contract, sql_step(StepKind::create_function, body, LockLevel::none, {}));
        if (o->not_null) {
            undo(Phase::contract, sql_step(StepKind::set_not_null,
                                           alter + " ALTER COLUMN " + oc + " SET NOT NULL",
                                           LockLevel::access_exclusive, table, r.old_name));
        }
        undo(Phase::contract,
             sql_step(StepKind::backfill,
                      fmt::format("UPDATE {} SET {} = {}", plan::ddl::name(table), oc,
                                  copy_expr(nc, n->type, o->type)),
                      LockLevel::row_exclusive, table, r.old_name));
        undo(Phase::contract, sql_step(StepKind::add_column,
                                       alter + " ADD COLUMN " + plan::ddl::column_definition(restored),
                                       LockLevel::access_exclusive, table, r.old_name));
        restore_old_dependents(r, *old_table);
    }

    static bool names_column(const std::vector<std::string>& columns, const std::string& c) {
        return std::find(columns.begin(), columns.end(), c) != columns.end();
    }

    // The unique constraints, indexes (expression and partial ones too),
    // checks and foreign keys of the target schema that name `column` of
    // `table` are built again on the column `build_on` (the new column of a
    // rename is `column` itself; the new column of a type change has a
    // temporary name until contract): indexes CONCURRENTLY in expand,
    // checks and foreign keys NOT VALID then validated in contract, each under
    // a temporary name that contract gives back once the old column (and its
    // dependents) are gone.
    void rebuild_dependents(const model::QualifiedName& table, const std::string& column,
                            const std::string& build_on, const model::Table& new_table) {
        std::string alter = plan::ddl::alter_table(table);
        auto on_new = [&](std::vector<std::string> columns) {
            for (std::string& c : columns) {
                if (c == column) {
                    c = build_on;
                }
            }
            return columns;
        };
        for (const model::UniqueConstraint& u : new_table.uniques) {
            if (!names_column(u.columns, column)) {
                continue;
            }
            std::string temp = model::make_object_name(u.name, "", "qail");
            model::Index index;
            index.name = {table.schema, temp};
            index.table = table;
            index.unique = true;
            for (const std::string& c : on_new(u.columns)) {
                model::IndexElement e;
                e.key = c;
                index.elements.push_back(e);
            }
            index.include = on_new(u.include);
            index.nulls_not_distinct = u.nulls_not_distinct;
            mark_constraint_rename(u.name);
            put(Phase::expand, sql_step(StepKind::create_index, plan::ddl::create_index(index, true),
                                        LockLevel::share_update_exclusive, table, {}, Risk::medium,
                                        "builds the index without blocking writes"));
            m_out.expand.back().step.outside_transaction = true;
            undo(Phase::expand,
                 sql_step(StepKind::drop_index,
                          "DROP INDEX IF EXISTS " + plan::ddl::name(index.name),
                          LockLevel::access_exclusive, table));
            m_contract_tail.push_back(sql_step(
                StepKind::add_constraint,
                fmt::format("{} ADD CONSTRAINT {} UNIQUE USING INDEX {}{}", alter, q(u.name),
                            q(temp), plan::ddl::deferral(u.deferral)),
                LockLevel::access_exclusive, table, {}, Risk::low,
                "the index built in expand becomes the constraint"));
            m_down_contract_head.push_back(
                sql_step(StepKind::drop_constraint,
                         fmt::format("{} DROP CONSTRAINT IF EXISTS {}", alter, q(u.name)),
                         LockLevel::access_exclusive, table));
        }
        for (const model::Index& i : m_to.indexes) {
            if (!(i.table == table)) {
                continue;
            }
            bool uses = names_column(i.include, column);
            model::Index temp_index = i;
            temp_index.include = on_new(i.include);
            for (model::IndexElement& e : temp_index.elements) {
                if (!e.is_expression && e.key == column) {
                    e.key = build_on;
                    uses = true;
                } else if (e.is_expression) {
                    bool found = false;
                    e.key = replace_column(e.key, column, build_on, &found);
                    uses = uses || found;
                }
            }
            if (i.where) {
                bool found = false;
                temp_index.where = replace_column(*i.where, column, build_on, &found);
                uses = uses || found;
            }
            if (!uses) {
                continue;
            }
            std::string temp = model::make_object_name(i.name.name, "", "qail");
            temp_index.name.name = temp;
            put(Phase::expand, sql_step(StepKind::create_index,
                                        plan::ddl::create_index(temp_index, true),
                                        LockLevel::share_update_exclusive, table, {}, Risk::medium,
                                        "builds the index without blocking writes"));
            m_out.expand.back().step.outside_transaction = true;
            m_carried_indexes.insert(i.name);
            undo(Phase::expand, sql_step(StepKind::drop_index,
                                         "DROP INDEX IF EXISTS " + plan::ddl::name(temp_index.name),
                                         LockLevel::access_exclusive, table));
            m_contract_tail.push_back(sql_step(
                StepKind::rename_index,
                fmt::format("ALTER INDEX {} RENAME TO {}", plan::ddl::name(temp_index.name),
                            q(i.name.name)),
                LockLevel::share_update_exclusive, table));
            m_down_contract_head.push_back(sql_step(
                StepKind::rename_index,
                fmt::format("ALTER INDEX IF EXISTS {} RENAME TO {}", plan::ddl::name(i.name),
                            q(temp)),
                LockLevel::share_update_exclusive, table));
        }
        for (const model::CheckConstraint& c : new_table.checks) {
            bool found = false;
            std::string expression = replace_column(c.expression, column, build_on, &found);
            if (!found) {
                continue;
            }
            model::CheckConstraint temp = c;
            temp.name = model::make_object_name(c.name, "", "qail");
            temp.expression = expression;
            temp.not_valid = false;
            carry_constraint(table, c.name, temp.name, plan::ddl::check(temp), !c.not_valid);
        }
        for (const model::ForeignKey& fk : new_table.foreign_keys) {
            if (!names_column(fk.columns, column) || references_retyped_key(fk)) {
                continue; // (one that references a retyped key comes back after its swap)
            }
            model::ForeignKey temp = fk;
            temp.name = model::make_object_name(fk.name, "", "qail");
            temp.columns = on_new(fk.columns);
            temp.not_valid = false;
            carry_constraint(table, fk.name, temp.name, plan::ddl::foreign_key(temp), !fk.not_valid);
        }
    }

    // A check or foreign key for the new column: added NOT VALID in contract
    // (its own transaction, no scan), validated alone, named once the old
    // column's constraint of that name is gone.
    void carry_constraint(const model::QualifiedName& table, const std::string& name,
                          const std::string& temp, const std::string& definition, bool validate) {
        std::string alter = plan::ddl::alter_table(table);
        bool foreign = definition.find(" FOREIGN KEY ") != std::string::npos;
        mark_constraint_rename(name);
        m_carried_constraints.insert({table, name});
        put(Phase::contract,
            sql_step(StepKind::add_constraint, alter + " ADD " + definition + " NOT VALID",
                     foreign ? LockLevel::share_row_exclusive : LockLevel::access_exclusive, table,
                     {}, Risk::low, "NOT VALID: new rows only, no scan"));
        if (validate) {
            put(Phase::contract,
                sql_step(StepKind::validate_constraint, alter + " VALIDATE CONSTRAINT " + q(temp),
                         LockLevel::share_update_exclusive, table, {}, Risk::medium,
                         "scans the table without blocking writes"));
        }
        m_contract_tail.push_back(
            sql_step(StepKind::rename_constraint,
                     fmt::format("{} RENAME CONSTRAINT {} TO {}", alter, q(temp), q(name)),
                     LockLevel::access_exclusive, table));
        m_down_contract_head.push_back(
            sql_step(StepKind::drop_constraint,
                     fmt::format("{} DROP CONSTRAINT IF EXISTS {}", alter, q(name)),
                     LockLevel::access_exclusive, table));
        m_down_contract_head.push_back(
            sql_step(StepKind::drop_constraint,
                     fmt::format("{} DROP CONSTRAINT IF EXISTS {}", alter, q(temp)),
                     LockLevel::access_exclusive, table));
    }

    std::set<model::QualifiedName> m_carried_indexes;
    std::set<std::pair<model::QualifiedName, std::string>> m_carried_constraints;

    // The plan renames the old constraint onto the new name; here the old one
    // goes with its column instead.
    void mark_constraint_rename(const std::string& new_name) {
        m_skip_constraint_names.insert(new_name);
    }

    bool skips_constraint_rename(const Step& step) const {
        if (step.kind != StepKind::rename_constraint) {
            return false;
        }
        for (const std::string& name : m_skip_constraint_names) {
            std::string suffix = " TO " + q(name);
            if (step.sql.size() >= suffix.size() &&
                step.sql.compare(step.sql.size() - suffix.size(), suffix.size(), suffix) == 0) {
                return true;
            }
        }
        return false;
    }

    // Undo of contract: the old column's dependents (dropped with it) back on
    // it, as they were; renamed_from names the old column `r.new_name`.
    void restore_old_dependents(const RenamedColumn& r, const model::Table& old_table) {
        std::string alter = plan::ddl::alter_table(r.table);
        auto on_old = [&](std::vector<std::string> columns) {
            for (std::string& c : columns) {
                if (c == r.new_name) {
                    c = r.old_name;
                }
            }
            return columns;
        };
        for (const model::UniqueConstraint& u : old_table.uniques) {
            if (!names_column(u.columns, r.new_name)) {
                continue;
            }
            model::UniqueConstraint old = u;
            old.name = old_constraint_name(u.name, r);
            old.columns = on_old(u.columns);
            old.include = on_old(u.include);
            m_down_contract_tail.push_back(sql_step(StepKind::add_constraint,
                                                    alter + " ADD " + plan::ddl::unique(old),
                                                    LockLevel::access_exclusive, r.table));
        }
        for (const model::Index& i : m_from_renamed.indexes) {
            if (!(i.table == r.table)) {
                continue;
            }
            bool uses = names_column(i.include, r.new_name);
            model::Index old = i;
            old.include = on_old(i.include);
            for (model::IndexElement& e : old.elements) {
                if (!e.is_expression && e.key == r.new_name) {
                    e.key = r.old_name;
                    uses = true;
                } else if (e.is_expression) {
                    bool found = false;
                    e.key = replace_column(e.key, r.new_name, r.old_name, &found);
                    uses = uses || found;
                }
            }
            if (i.where) {
                bool found = false;
                old.where = replace_column(*i.where, r.new_name, r.old_name, &found);
                uses = uses || found;
            }
            if (uses) {
                m_down_contract_tail.push_back(sql_step(StepKind::create_index,
                                                        plan::ddl::create_index(old, false),
                                                        LockLevel::share, r.table));
            }
        }
        for (const model::CheckConstraint& c : old_table.checks) {
            bool found = false;
            model::CheckConstraint old = c;
            old.expression = replace_column(c.expression, r.new_name, r.old_name, &found);
            if (found || mentions_column(c.expression, r.old_name)) {
                m_down_contract_tail.push_back(sql_step(StepKind::add_constraint,
                                                        alter + " ADD " + plan::ddl::check(old),
                                                        LockLevel::access_exclusive, r.table));
            }
        }
        for (const model::ForeignKey& fk : old_table.foreign_keys) {
            if (names_column(fk.columns, r.new_name) && !references_retyped_key(fk)) {
                model::ForeignKey old = fk;
                old.columns = on_old(fk.columns);
                m_down_contract_tail.push_back(
                    sql_step(StepKind::add_constraint, alter + " ADD " + plan::ddl::foreign_key(old),
                             LockLevel::share_row_exclusive, r.table));
            }
        }
    }

    std::string old_constraint_name(const std::string& name, const RenamedColumn& r) const {
        // renamed_from keeps constraint names; a default name built from the new
        // column is the plan's rename target: the old name had the old column
        std::string from_default = model::make_object_name(r.table.name, r.new_name, "key");
        if (name == from_default) {
            return model::make_object_name(r.table.name, r.old_name, "key");
        }
        return name;
    }

    std::set<std::string> m_skip_constraint_names;
    std::vector<PhasedStep> m_down_contract_tail;
};

} // namespace

const std::vector<PhasedStep>& PhasedPlan::phase(plan::Phase p) const {
    return p == Phase::expand ? expand : p == Phase::backfill ? backfill : contract;
}

std::string retype_temp_column(std::string_view column) {
    return model::make_object_name(column, "", "qail_new");
}

std::optional<std::string> fill_value_for_type(const std::string& type) {
    std::string t = to_lower(type);
    if (t.size() > 2 && t.compare(t.size() - 2, 2, "[]") == 0) {
        return "'{}'";
    }
    if (t.rfind("timestamp", 0) == 0) {
        return "now()";
    }
    if (t == "date") {
        return "CURRENT_DATE";
    }
    if (t.rfind("time with time zone", 0) == 0) {
        return "CURRENT_TIME";
    }
    if (t.rfind("time", 0) == 0) {
        return "LOCALTIME";
    }
    if (t == "interval") {
        return "'0'";
    }
    for (const char* number : {"integer", "bigint", "smallint", "numeric", "real",
                               "double precision", "decimal", "money"}) {
        if (t.rfind(number, 0) == 0) {
            return "0";
        }
    }
    for (const char* text : {"text", "character varying", "character", "varchar", "citext"}) {
        if (t.rfind(text, 0) == 0) {
            return "''";
        }
    }
    if (t == "boolean") {
        return "false";
    }
    if (t == "uuid") {
        return "gen_random_uuid()";
    }
    if (t == "json" || t == "jsonb") {
        return "'{}'";
    }
    return std::nullopt;
}

PhasedPlan plan_phases(const model::Schema& from, const model::Schema& to,
                       const PhaseOptions& options) {
    diff::Result result = diff::diff(from, to);
    if (!options.allow_destructive && !result.unconfirmed_drops.empty()) {
        std::string message = "refusing to drop data that no 'drop ... confirm' hint covers:";
        for (const diff::UnconfirmedDrop& d : result.unconfirmed_drops) {
            message += d.column.empty()
                           ? fmt::format("\n  DROP TABLE {}  (add: {})", d.table.display(), d.hint())
                           : fmt::format("\n  DROP COLUMN {}.{}  (add: {})", d.table.display(),
                                         d.column, d.hint());
        }
        message += "\nadd the hints to the target schema, or pass --allow-destructive";
        throw RefusedError(message);
    }
    plan::BuildOptions build_options;
    build_options.lock_safe = true;
    plan::Plan p = plan::build(result, to, build_options);
    PhasedPlan out;
    Phaser phaser(to, result, out);
    phaser.run(p);
    for (const std::string& note : p.notes) {
        out.notes.push_back(note);
    }
    return out;
}

} // namespace qail::exec

namespace qail::exec {

namespace {

std::string dollar_quote_for(const std::string& body) {
    if (body.find("$$") == std::string::npos) {
        return "$$";
    }
    for (int i = 0;; ++i) {
        std::string tag = i == 0 ? "$sql$" : fmt::format("$sql{}$", i);
        if (body.find(tag) == std::string::npos) {
            return tag;
        }
    }
}

// CREATE INDEX CONCURRENTLY and the like run alone whatever the file says;
// other steps need `sql alone` to leave the file's transaction.
bool runs_alone_by_nature(const std::string& sql) {
    return classify_sql(sql).outside_transaction;
}

std::string step_comment(const Step& step) {
    std::string lock = plan::to_string(step.lock);
    std::string where = step.locked_relation.name.empty() ? std::string()
                                                          : " on " + step.locked_relation.display();
    std::string line = fmt::format("# {} · lock: {}{}", plan::risk_label(step.risk), lock, where);
    if (step.outside_transaction && step.kind != StepKind::backfill) {
        line += runs_alone_by_nature(step.sql) ? " · runs alone (outside a transaction)"
                                               : " · runs alone (its own transaction)";
    }
    if (!step.reason.empty()) {
        line += " · " + step.reason;
    }
    return line + "\n";
}

std::string render_steps(const std::vector<PhasedStep>& steps) {
    std::string out;
    for (const PhasedStep& s : steps) {
        out += step_comment(s.step);
        if (s.backfill) {
            const BackfillSpec& b = *s.backfill;
            out += "-- @backfill.table: " + plan::ddl::name(b.table) + "\n";
            if (!b.pk.empty()) {
                std::vector<std::string> keys;
                for (const std::string& k : b.pk) {
                    keys.push_back(sql::quote_ident(k));
                }
                out += "-- @backfill.pk: " + join(keys, ", ") + "\n";
            }
            out += "-- @backfill.set: " + b.set + "\n";
            if (b.where) {
                out += "-- @backfill.where: " + *b.where + "\n";
            }
        } else if (!s.hint.empty()) {
            out += s.hint + "\n";
        } else {
            std::string tag = dollar_quote_for(s.step.sql);
            bool alone = s.step.outside_transaction && !runs_alone_by_nature(s.step.sql);
            out += (alone ? "sql alone " : "sql ") + tag + "\n" + s.step.sql + "\n" + tag + "\n";
        }
        out += "\n";
    }
    return out;
}

} // namespace

std::vector<std::pair<std::string, std::string>> phased_files(const PhasedPlan& phased,
                                                              const std::string& key,
                                                              const std::string& from_label,
                                                              const std::string& to_label) {
    std::string origin = fmt::format("# Generated by `qail migrate new --from {} --to {}`.\n",
                                     from_label, to_label);
    auto file = [&](const std::string& title, const std::string& what,
                    const std::vector<PhasedStep>& steps) {
        std::string text = fmt::format("# {}: {}\n", key, title) + origin + what + "\n";
        if (steps.empty()) {
            text += "# (nothing to do in this phase)\n";
        } else {
            text += render_steps(steps);
        }
        return text;
    };
    std::vector<std::pair<std::string, std::string>> files;
    files.emplace_back(
        "expand.qail",
        file("expand phase",
             "# Additive and lock-safe: the old code keeps working (qail migrate apply --phase "
             "expand).\n",
             phased.expand));
    files.emplace_back(
        "backfill.qail",
        file("backfill phase",
             "# Data movement in chunks by primary key, one transaction per chunk, resumable\n"
             "# (qail migrate apply --phase backfill --backfill-chunk-size 10000).\n",
             phased.backfill));
    files.emplace_back(
        "contract.qail",
        file("contract phase",
             "# Tightening and removal, once no code uses the old shape\n"
             "# (qail migrate apply --phase contract --codebase ./src).\n",
             phased.contract));
    files.emplace_back("down.contract.qail",
                       file("undo of the contract phase", "", phased.down_contract));
    files.emplace_back("down.backfill.qail",
                       file("undo of the backfill phase",
                            "# Backfilled values stay; the columns holding them go with the "
                            "undo of expand.\n",
                            phased.down_backfill));
    files.emplace_back("down.expand.qail", file("undo of the expand phase", "", phased.down_expand));
    std::vector<PhasedStep> all = phased.down_contract;
    all.insert(all.end(), phased.down_backfill.begin(), phased.down_backfill.end());
    all.insert(all.end(), phased.down_expand.begin(), phased.down_expand.end());
    files.emplace_back("down.qail",
                       file("down",
                            "# Undoes the whole migration, newest phase first (qail migrate "
                            "rollback --to <an earlier version>).\n",
                            all));
    return files;
}

} // namespace qail::exec
