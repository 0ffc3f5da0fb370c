#pragma once
// Impact analysis (SPEC §5): before a destructive step runs, count on the
// live database exactly what it puts at risk — a dropped column's non-null
// values, a dropped table's rows, the values a narrowing type change cannot
// convert, the NULLs that SET NOT NULL rejects. Tables with more rows than a
// threshold get the planner's estimate instead, marked as such.

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include <qail/pg/connection.hpp>
#include <qail/plan/plan.hpp>

namespace qail::safety {

inline constexpr long long k_default_estimate_above = 10'000'000;

struct ImpactLine {
    const plan::Step* step = nullptr;
    std::string operation; ///< "DROP COLUMN", "DROP TABLE", "ALTER TYPE", "SET NOT NULL"
    std::string target;    ///< "users.email", "sessions", "users.age (text → integer)"
    std::string unit;      ///< "values at risk", "rows affected", ...
    long long count = 0;
    /// A narrowing type change: values that convert but do not convert back
    /// to what they were (rounded, trimmed, cut): lost too.
    long long changed = 0;
    bool estimate = false;
    /// Why there is no count (the table does not exist yet, ...); count is 0 then.
    std::optional<std::string> unavailable;
};

struct ImpactReport {
    std::vector<ImpactLine> lines;
    long long total = 0;
    bool any_estimate = false;

    bool empty() const { return lines.empty(); }
    /// True when some step may lose data (a count above zero, or no count at all).
    bool at_risk() const;
};

/// What a destructive step puts at risk: the plan's own description, or for
/// steps that carry none (delta files' drops) one derived from the step.
plan::DataAtRisk risk_of(const plan::Step& step);

/// Analyses the destructive steps among `steps` (the others are ignored).
ImpactReport analyze_impact(pg::Connection& conn, const std::vector<const plan::Step*>& steps,
                            long long estimate_above = k_default_estimate_above);

struct CastCount {
    long long failing = 0; ///< values the conversion rejects (the step would fail)
    long long changed = 0; ///< values it converts that do not convert back to themselves
};

/// Counts the values of `column` that `ALTER COLUMN ... TYPE to_type [USING expr]`
/// could not convert (assignment-cast semantics, as ALTER TABLE applies them),
/// and those it would change: cast back to the old type, not the value they were.
CastCount count_failing_cast(pg::Connection& conn, const plan::DataAtRisk& risk);

/// The seed's "🚨 Migration Impact Analysis" block.
void print_impact(std::ostream& out, const ImpactReport& report);

} // namespace qail::safety
