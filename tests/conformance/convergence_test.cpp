// Convergence over the sqldef and real-world corpora: for each case, load
// a.sql into A and b.sql into B, apply `qail diff A B --allow-destructive` to A
// with psql (as a user would), then `qail diff A B` must print nothing and the
// normalised pg_dump of A and B must match.

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cstdlib>
#include <iostream>
#include <set>
#include <sstream>

#include "conformance/corpus_support.hpp"
#include "support/database.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace qail::testing {
namespace {

// The suite fails when fewer cases than this converge (whole corpus only, not
// with QAIL_CORPUS_FILTER). Measured on PostgreSQL 15.18: all 799 cases
// (797 sqldef + 2 real-world) load and converge.
constexpr int k_minimum_converging = 799;

std::set<std::string> lines_of(const std::string& text) {
    std::set<std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        out.insert(line);
    }
    return out;
}

// First few lines that only one of the dumps has, for a readable reason.
std::string dump_difference(const std::string& a, const std::string& b) {
    std::set<std::string> in_a = lines_of(a);
    std::set<std::string> in_b = lines_of(b);
    std::vector<std::string> parts;
    for (const std::string& l : in_a) {
        if (!in_b.contains(l) && parts.size() < 3) {
            parts.push_back("A has `" + l + "`");
        }
    }
    for (const std::string& l : in_b) {
        if (!in_a.contains(l) && parts.size() < 6) {
            parts.push_back("B has `" + l + "`");
        }
    }
    std::string out;
    for (const std::string& p : parts) {
        out += (out.empty() ? "" : "; ") + p;
    }
    return out;
}

void run_case(const CorpusCase& c, CaseTable& table) {
    // per worker, emptied between cases (see WorkerDatabases)
    thread_local WorkerDatabases databases;
    databases.prepare();
    const TempDatabase& a = *databases.a;
    const TempDatabase& b = *databases.b;
    LoadOutcome loaded_a = load_sql(a, c.a_sql());
    if (!loaded_a.loaded) {
        table.skip(c.name, loaded_a.reason);
        return;
    }
    LoadOutcome loaded_b = load_sql(b, c.b_sql());
    if (!loaded_b.loaded) {
        table.skip(c.name, loaded_b.reason);
        return;
    }
    RunResult diff = run_qail({"diff", a.uri(), b.uri(), "--allow-destructive"});
    if (diff.exit_code != 0) {
        table.fail(c.name, fmt::format("qail diff exited {}: {}", diff.exit_code,
                                       first_lines(diff.err, 2)));
        return;
    }
    if (!diff.out.empty()) {
        TempDir dir;
        std::filesystem::path file = dir.write("migration.sql", diff.out);
        RunResult apply = run_process({"psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d",
                                       a.name(), "-f", file.string()});
        if (apply.exit_code != 0) {
            size_t at = apply.err.find("ERROR:");
            table.fail(c.name, "applying the diff failed: " +
                                   first_lines(at == std::string::npos ? apply.err
                                                                       : apply.err.substr(at),
                                               3));
            return;
        }
    }
    RunResult again = run_qail({"diff", a.uri(), b.uri(), "--allow-destructive"});
    if (again.exit_code != 0 || !again.out.empty()) {
        table.fail(c.name, fmt::format("not converged: second diff exited {} and printed: {}",
                                       again.exit_code,
                                       first_lines(again.out.empty() ? again.err : again.out, 3)));
        return;
    }
    std::string dump_a = normalized_dump(a.name());
    std::string dump_b = normalized_dump(b.name());
    if (dump_a != dump_b) {
        table.fail(c.name, "dumps differ after applying: " + dump_difference(dump_a, dump_b));
        return;
    }
    table.pass(c.name);
}

TEST(Convergence, CorpusCasesConverge) {
    require_server();
    std::vector<CorpusCase> cases = corpus_cases();
    ASSERT_FALSE(cases.empty());
    CaseTable table("convergence");
    for_each_case(cases, table, run_case);
    std::cout << table.report() << std::flush;
    const char* filter = std::getenv("QAIL_CORPUS_FILTER");
    if (filter == nullptr || filter[0] == '\0') {
        EXPECT_GE(table.passed(), k_minimum_converging) << table.report();
    } else {
        EXPECT_EQ(table.failed(), 0) << table.report();
    }
}

} // namespace
} // namespace qail::testing
