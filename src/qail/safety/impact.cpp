#include "impact.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <ostream>

#include <qail/base/error.hpp>
#include <qail/safety/catalog.hpp>
#include <qail/sql/quote.hpp>
#include <qail/sql/text.hpp>

namespace qail::safety {

namespace {

using Kind = plan::DataAtRisk::Kind;

const char* k_rule = "━━━━━━━━━━━━━━━━━━━━━━━━━━━━";

std::string column_target(const plan::DataAtRisk& r) {
    return table_label(r.table) + "." + r.column;
}

long long scalar_count(pg::Connection& conn, const std::string& sql) {
    pg::Result r = conn.exec(sql);
    return r.rows() == 0 || r.is_null(0, 0) ? 0 : r.get_int(0, 0);
}

// null_frac of a column from pg_stats (0 when the column was never analysed).
double null_fraction(pg::Connection& conn, const model::QualifiedName& table,
                     const std::string& column) {
    std::vector<pg::Param> params{table.schema, table.name, column};
    pg::Result r = conn.exec_params("SELECT null_frac::float8 FROM pg_stats WHERE schemaname = $1 "
                                    "AND tablename = $2 AND attname = $3",
                                    params);
    return r.rows() == 0 ? 0.0 : std::stod(r.get_string(0, 0));
}

ImpactLine describe(const plan::Step& step) {
    plan::DataAtRisk r = risk_of(step);
    ImpactLine line;
    line.step = &step;
    switch (r.kind) {
    case Kind::table_rows:
        line.operation = "DROP TABLE";
        line.target = table_label(r.table);
        line.unit = "rows affected";
        break;
    case Kind::column_values:
        line.operation = "DROP COLUMN";
        line.target = column_target(r);
        line.unit = "values at risk";
        break;
    case Kind::failing_cast:
        line.operation = "ALTER TYPE";
        line.target = fmt::format("{} ({} → {})", column_target(r), r.from_type, r.to_type);
        line.unit = "values would fail the cast";
        break;
    case Kind::enum_values:
        line.operation = "ALTER TYPE";
        line.target = column_target(r);
        line.unit = "values hold a removed enum value";
        break;
    case Kind::nulls:
        line.operation = "SET NOT NULL";
        line.target = column_target(r);
        line.unit = "NULLs would be rejected";
        break;
    case Kind::none:
        line.operation = "DROP";
        line.target = step.target.display();
        line.unit = "objects affected";
        break;
    }
    return line;
}

// The estimate for a table beyond the threshold, or nullopt to count exactly.
std::optional<long long> estimate(pg::Connection& conn, const plan::DataAtRisk& r,
                                  const LiveTable& table) {
    double rows = table.estimated_rows;
    switch (r.kind) {
    case Kind::table_rows:
        return std::llround(rows);
    case Kind::column_values:
    case Kind::failing_cast: // upper bound: every non-null value
    case Kind::enum_values:
        return std::llround(rows * (1.0 - null_fraction(conn, r.table, r.column)));
    case Kind::nulls:
        return std::llround(rows * null_fraction(conn, r.table, r.column));
    case Kind::none:
        return std::nullopt;
    }
    return std::nullopt;
}

// 0: the value converts and converts back; 1: it converts to something
// else (lost); 2: it does not convert (the step would fail).
std::string failing_cast_function(const LiveTable& table, const plan::DataAtRisk& r,
                                  bool catch_errors) {
    // The table's columns become local variables of the same names, so the
    // USING expression reads them as it would read the row's columns.
    std::string declare;
    for (const LiveColumn& c : table.columns) {
        declare += fmt::format("  {} {} := qail_row.{};\n", sql::quote_ident(c.name), c.type,
                               sql::quote_ident(c.name));
    }
    std::string expr = r.using_expr.empty() ? sql::quote_ident(r.column) : r.using_expr;
    // compared as text: every type has one, not every type has equality
    std::string back = fmt::format("IF (qail_result::{})::text IS DISTINCT FROM {}::text THEN "
                                   "RETURN 1; END IF;",
                                   r.from_type, sql::quote_ident(r.column));
    std::string body =
        catch_errors
            ? fmt::format("DECLARE\n{}  qail_result {};\nBEGIN\n  BEGIN\n    qail_result := ({});\n"
                          "  EXCEPTION WHEN others THEN\n    RETURN 2;\n  END;\n  BEGIN\n    {}\n"
                          "  EXCEPTION WHEN others THEN\n    RETURN 1;\n  END;\n  RETURN 0;\nEND",
                          declare, r.to_type, expr, back)
            : fmt::format("DECLARE\n{}  qail_result {};\nBEGIN\n  qail_result := ({});\n  {}\n"
                          "  RETURN 0;\nEND",
                          declare, r.to_type, expr, back);
    return fmt::format("CREATE OR REPLACE FUNCTION pg_temp.qail_cast_fails(qail_row {}) RETURNS "
                       "integer LANGUAGE plpgsql AS {}",
                       qualified_sql(table.name), sql::dollar_quote(body));
}

} // namespace

plan::DataAtRisk risk_of(const plan::Step& step) {
    if (step.at_risk.kind != Kind::none || !step.destructive) {
        return step.at_risk;
    }
    plan::DataAtRisk r;
    r.table = step.target.name;
    std::string table = qualified_sql(r.table);
    if (step.kind == plan::StepKind::drop_table) {
        r.kind = Kind::table_rows;
        r.count_sql = "SELECT count(*) FROM " + table;
    } else if ((step.kind == plan::StepKind::drop_column ||
                step.target.kind == model::ObjectKind::column) &&
               !step.target.member.empty()) {
        r.kind = Kind::column_values;
        r.column = step.target.member;
        r.count_sql = fmt::format("SELECT count(*) FROM {} WHERE {} IS NOT NULL", table,
                                  sql::quote_ident(r.column));
    }
    return r;
}

bool ImpactReport::at_risk() const {
    return std::any_of(lines.begin(), lines.end(),
                       [](const ImpactLine& l) {
                           return l.count > 0 || l.changed > 0 || l.unavailable;
                       });
}

CastCount count_failing_cast(pg::Connection& conn, const plan::DataAtRisk& r) {
    std::optional<LiveTable> table = describe_table(conn, r.table);
    if (!table || !table->column(r.column)) {
        throw RefusedError(fmt::format("column {} does not exist", column_target(r)));
    }
    std::string count = fmt::format(
        "SELECT count(*) FILTER (WHERE qail_r = 2), count(*) FILTER (WHERE qail_r = 1) FROM "
        "(SELECT pg_temp.qail_cast_fails(qail_t) AS qail_r FROM {} AS qail_t WHERE qail_t.{} IS "
        "NOT NULL) qail_x",
        qualified_sql(r.table), sql::quote_ident(r.column));
    auto run = [&] {
        pg::Result result = conn.exec(count);
        return CastCount{result.get_int(0, 0), result.get_int(0, 1)};
    };
    // Fast path: one pass without a subtransaction per row; the first value
    // that does not convert (or back) aborts it, and the exact count follows.
    conn.exec(failing_cast_function(*table, r, false));
    try {
        conn.exec("BEGIN");
        CastCount n = run();
        conn.exec("COMMIT");
        conn.exec("DROP FUNCTION IF EXISTS pg_temp.qail_cast_fails");
        return n;
    } catch (const DatabaseError&) {
        conn.exec("ROLLBACK");
    }
    conn.exec(failing_cast_function(*table, r, true));
    CastCount n = run();
    conn.exec("DROP FUNCTION IF EXISTS pg_temp.qail_cast_fails");
    return n;
}

ImpactReport analyze_impact(pg::Connection& conn, const std::vector<const plan::Step*>& steps,
                            long long estimate_above) {
    ImpactReport report;
    for (const plan::Step* step : steps) {
        if (!step->destructive) {
            continue;
        }
        ImpactLine line = describe(*step);
        plan::DataAtRisk r = risk_of(*step);
        try {
            std::optional<LiveTable> table = describe_table(conn, r.table);
            if (!table) {
                line.unavailable = "the table does not exist yet";
            } else if (!r.column.empty() && !table->column(r.column)) {
                line.unavailable = "the column does not exist yet";
            } else if (table->estimated_rows > static_cast<double>(estimate_above)) {
                if (std::optional<long long> e = estimate(conn, r, *table)) {
                    line.count = *e;
                    line.estimate = true;
                }
            } else if (r.kind == Kind::failing_cast) {
                CastCount cast = count_failing_cast(conn, r);
                line.count = cast.failing;
                line.changed = cast.changed;
            } else if (!r.count_sql.empty()) {
                line.count = scalar_count(conn, r.count_sql);
            }
        } catch (const Error& e) {
            std::string message = e.what();
            line.unavailable = message.substr(0, message.find('\n'));
        }
        report.total += line.count + line.changed;
        report.any_estimate = report.any_estimate || line.estimate;
        report.lines.push_back(std::move(line));
    }
    return report;
}

void print_impact(std::ostream& out, const ImpactReport& report) {
    size_t op_width = 0;
    size_t target_width = 0;
    auto width = [](const std::string& s) {
        // display width: count UTF-8 lead bytes only
        return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) {
            return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
        }));
    };
    for (const ImpactLine& l : report.lines) {
        op_width = std::max(op_width, width(l.operation));
        target_width = std::max(target_width, width(l.target));
    }
    out << "\n🚨 Migration Impact Analysis\n" << k_rule << "\n";
    for (const ImpactLine& l : report.lines) {
        std::string op = l.operation + std::string(op_width - width(l.operation), ' ');
        std::string target = l.target + std::string(target_width - width(l.target), ' ');
        if (l.unavailable) {
            out << fmt::format("  {} {} → not counted: {}\n", op, target, *l.unavailable);
        } else {
            std::string changed =
                l.changed > 0 ? fmt::format(", {} would change (they do not convert back to what "
                                            "they were)",
                                            with_commas(l.changed))
                              : std::string();
            out << fmt::format("  {} {} → {}{} {}{}{}\n", op, target, l.estimate ? "~" : "",
                               with_commas(l.count), l.unit, changed,
                               l.estimate ? " (estimate)" : "");
        }
    }
    out << k_rule << "\n";
    out << fmt::format("  Total: {}{} records at risk{}\n\n", report.any_estimate ? "~" : "",
                       with_commas(report.total), report.any_estimate ? " (estimate)" : "");
}

} // namespace qail::safety
